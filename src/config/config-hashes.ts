/**
 * The config hashes a committed partition may carry and still count as built with the current config: `current`,
 * which runs write, and `earlier`, what earlier versions wrote for the same config (`configHashesOf`), so that an
 * upgrade that changes what the hash covers rebuilds nothing.
 */
export interface ConfigHashes {
  readonly current: string;
  readonly earlier: readonly string[];
}

/** Whether a partition committed with config hash `committed` was built with the config of `hashes`. */
export function builtWithConfig(committed: string, hashes: ConfigHashes): boolean {
  return committed === hashes.current || hashes.earlier.includes(committed);
}
