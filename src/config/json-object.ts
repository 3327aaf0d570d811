import * as v from 'valibot';

/**
 * A JSON object of exactly these fields (an unknown key is an issue). A JSON array is refused as such: the object
 * schemas alone take an array for an object, so `[]` would pass where every field is optional.
 */
export function jsonObject<const E extends v.ObjectEntries>(entries: E) {
  return v.pipe(
    v.custom<unknown>((input) => !Array.isArray(input), 'Invalid type: Expected Object but received Array'),
    v.strictObject(entries),
  );
}
