import * as v from 'valibot';

/**
 * Records keyed by data (metric names, dimension names, dimension values). A plain `{}` already "has" keys such as
 * `constructor`, `toString` or `hasOwnProperty`, and assigning `__proto__` replaces its prototype instead of adding
 * a key; a null-prototype object has none of these, so every name is an ordinary key.
 */

/** A null-prototype record holding `entries` (later entries win). */
export function recordOf<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  const out = Object.create(null) as Record<string, V>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** The value of an own key of `record`, never one inherited from Object.prototype (for records built elsewhere). */
export function ownValue<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * A schema for a JSON object keyed by data: validated entry by entry (issues name the key), parsed into a
 * null-prototype record. A plain object schema would skip or mishandle keys such as `__proto__` or `constructor`.
 */
export function dataRecord<V extends v.GenericSchema>(key: v.GenericSchema<string, string>, value: V) {
  const entries = (input: unknown): unknown =>
    input !== null && typeof input === 'object' && !Array.isArray(input) && !(input instanceof Map)
      ? new Map(Object.entries(input))
      : input;
  return v.pipe(
    v.unknown(),
    v.transform(entries),
    v.map(key, value, 'must be a JSON object of name: value'),
    v.transform((m) => recordOf<v.InferOutput<V>>(m)),
  );
}
