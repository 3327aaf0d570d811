import { writeFile } from 'node:fs/promises';

/** Writes a file a flag names (`report --out`, `trend --chart`); a failure names the flag and the path. */
export async function writeOutputFile(flag: string, path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (e) {
    throw new Error(`${flag} ${path} cannot be written: ${(e as Error).message}`, { cause: e });
  }
}
