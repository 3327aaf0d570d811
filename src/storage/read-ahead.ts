/**
 * The budget of a reader of whole files (`readAhead`): 64 MiB fetched ahead at most beside the file in use, by the sizes
 * the manifest lists (output files can be 256 MiB each).
 */
export const wholeFiles = { bytes: 64 * 1024 * 1024, sizeOf: (f: { readonly bytes: number }): number => f.bytes };

/**
 * Yields `read(item)` for every item, in item order, while the reads of the next items are already under way: the
 * waits of an object store (a round trip per GET) overlap each other and the work on earlier results. At most
 * `inFlight` items are held at once, the one the consumer works on included (1: no read ahead), and, with `budget`,
 * at most `budget.bytes` of them by `budget.sizeOf` (one item always, however big). A read that fails throws when its
 * turn comes; the reads still in flight then end unobserved.
 */
export async function* readAhead<T, R>(
  items: readonly T[],
  inFlight: number,
  read: (item: T) => Promise<R>,
  budget?: { readonly bytes: number; readonly sizeOf: (item: T) => number },
): AsyncGenerator<R, void, undefined> {
  if (!(Number.isInteger(inFlight) && inFlight >= 1)) throw new RangeError(`read-ahead of ${inFlight} items`);
  const sizeOf = (i: number): number => (budget ? budget.sizeOf(items[i]!) : 0);
  const pending: (Promise<R> | undefined)[] = [];
  let next = 0; // the first item not started
  let held = 0; // bytes of the items started and not yet done with
  const fill = (first: number): void => {
    while (
      next < items.length &&
      next - first < inFlight &&
      (next === first || held + sizeOf(next) <= (budget?.bytes ?? Number.POSITIVE_INFINITY))
    ) {
      const p = read(items[next]!);
      p.catch(() => {}); // observed when its turn comes (or never, once an earlier read failed)
      pending[next] = p;
      held += sizeOf(next);
      next++;
    }
  };
  for (let i = 0; i < items.length; i++) {
    fill(i);
    const result = await pending[i]!;
    pending[i] = undefined;
    yield result;
    held -= sizeOf(i); // the consumer asks for the next: done with this one
  }
}
