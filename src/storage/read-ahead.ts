/**
 * Yields `read(item)` for every item, in item order, while the reads of the next `inFlight - 1` items are already
 * under way: the waits of an object store (a round trip per GET) overlap each other and the work on earlier results,
 * and at most `inFlight` results are held at once. A read that fails throws when its turn comes; the reads still in
 * flight then end unobserved.
 */
export async function* readAhead<T, R>(
  items: readonly T[],
  inFlight: number,
  read: (item: T) => Promise<R>,
): AsyncGenerator<R, void, undefined> {
  if (!(Number.isInteger(inFlight) && inFlight >= 1)) throw new RangeError(`read-ahead of ${inFlight} items`);
  const pending: (Promise<R> | undefined)[] = [];
  const start = (i: number): void => {
    if (i >= items.length) return;
    const p = read(items[i]!);
    p.catch(() => {}); // observed when its turn comes (or never, once an earlier read failed)
    pending[i] = p;
  };
  for (let i = 0; i < inFlight; i++) start(i);
  for (let i = 0; i < items.length; i++) {
    const result = await pending[i]!;
    pending[i] = undefined;
    start(i + inFlight);
    yield result;
  }
}
