import { compareNullableStrings } from './value-order.js';
/** Maps the values of many file-local dictionaries onto one id space (null keeps id 0). */
export class GlobalDictionary {
  private readonly ids = new Map<string, number>();
  private readonly list: (string | null)[] = [null];

  /** Every value by global id; index 0 is null. */
  get values(): readonly (string | null)[] {
    return this.list;
  }

  /** How many distinct values it holds, null not counted (as SQL's COUNT(DISTINCT)). */
  get distinctValues(): number {
    return this.list.length - 1;
  }

  /** The global id of a value, adding it when new. */
  idOf(value: string | null): number {
    if (value === null) return 0;
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(value);
      this.ids.set(value, id);
    }
    return id;
  }

  /** Local id -> global id for a file-local dictionary given as its values by id. */
  mapping(localValues: readonly (string | null)[]): Int32Array {
    const out = new Int32Array(localValues.length);
    localValues.forEach((v, i) => (out[i] = this.idOf(v)));
    return out;
  }

  /** Rank of each id in value order (nulls last), for sorting records by value rather than by first sight. */
  ranks(): Int32Array {
    const order = this.list.map((_, i) => i);
    order.sort((a, b) => compareNullableStrings(this.list[a]!, this.list[b]!));
    const rank = new Int32Array(order.length);
    order.forEach((id, r) => (rank[id] = r));
    return rank;
  }
}
