/** A repeated key of a JSON object: the path of the object (`metrics`, `cube.cuboids.1`; `(root)`) and the key. */
export interface DuplicateKey {
  readonly path: string;
  readonly key: string;
}

/** An object or array being scanned: its path, and where the scan is in it. */
type Frame =
  | {
      readonly kind: 'object';
      readonly path: readonly string[];
      readonly keys: Set<string>;
      key?: string;
      inKey: boolean;
    }
  | { readonly kind: 'array'; readonly path: readonly string[]; index: number };

/**
 * The keys that some object of a JSON text holds more than once, in text order. `JSON.parse` keeps the last value of a
 * repeated key without a word, so a job declaring `cpu_usage` twice would silently lose the first declaration. `text`
 * must be valid JSON (parse it first): this follows only strings, brackets, commas and colons.
 */
export function duplicateKeysOf(text: string): DuplicateKey[] {
  const stack: Frame[] = [];
  const found: DuplicateKey[] = [];
  const pathOfChild = (): readonly string[] => {
    const top = stack.at(-1);
    if (!top) return [];
    return [...top.path, top.kind === 'object' ? (top.key ?? '') : String(top.index)];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      if (top?.kind === 'object' && top.inKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) found.push({ path: top.path.join('.') || '(root)', key });
        top.keys.add(key);
        top.key = key;
        top.inKey = false;
      }
      i = end;
    } else if (c === '{') stack.push({ kind: 'object', path: pathOfChild(), keys: new Set(), inKey: true });
    else if (c === '[') stack.push({ kind: 'array', path: pathOfChild(), index: 0 });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack.at(-1);
      if (top?.kind === 'object') top.inKey = true;
      else if (top) top.index++;
    }
  }
  return found;
}
