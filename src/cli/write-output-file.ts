import { randomBytes } from 'node:crypto';
import { realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file a flag names (`report --out`, `trend --chart`); a failure names the flag and the path. A regular file
 * (or a new one) is replaced whole: the text goes to a temporary file beside it, renamed over it once written, so a
 * reader sees the old file or the new one, and a write that fails (a full disk) leaves the old one. Anything else (a
 * pipe, /dev/stdout) is written as it is.
 */
export async function writeOutputFile(flag: string, path: string, text: string): Promise<void> {
  try {
    const existing = await stat(path).catch(() => undefined);
    if (existing && !existing.isFile()) return await writeFile(path, text);
    const target = existing ? await realpath(path) : path; // through a symlink: its file is replaced, not the link
    const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await writeFile(temporary, text);
      await rename(temporary, target);
    } catch (e) {
      await rm(temporary, { force: true });
      throw e;
    }
  } catch (e) {
    throw new Error(`${flag} ${path} cannot be written: ${(e as Error).message}`, { cause: e });
  }
}
