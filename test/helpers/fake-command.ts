import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A stand-in for a program on PATH: logs each call's arguments, prints them on stdout, exits 0 (or a chosen code for
 * one date).
 */
export interface FakeCommand {
  readonly binDir: string; // put first on PATH
  /** The argument lists of every call so far, in order, each joined by single spaces. */
  calls(): Promise<string[]>;
  /**
   * Runs `script` with `sh -c` (the manifests' /bin/sh -c) and only the given environment plus PATH; returns the exit
   * status.
   */
  run(
    script: string,
    env: Readonly<Record<string, string>>,
    options?: { failDate?: string; failCode?: number },
  ): { status: number; stderr: string };
}

/** Writes a fake `name` (e.g. node, make) into `dir`/bin. */
export async function makeFakeCommand(dir: string, name: string): Promise<FakeCommand> {
  const binDir = join(dir, 'bin');
  const log = join(dir, `${name}-calls.log`);
  await mkdir(binDir, { recursive: true });
  await writeFile(log, '');
  // Fails with FAKE_FAIL_CODE when its arguments hold `--date FAKE_FAIL_DATE` or `DATE=FAKE_FAIL_DATE`.
  await writeFile(
    join(binDir, name),
    [
      '#!/bin/sh',
      'printf \'%s\\n\' "$*" >> "$FAKE_CALL_LOG"',
      `printf '${name} %s\\n' "$*"`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
      'if [ -n "${FAKE_FAIL_DATE-}" ]; then',
      '  case " $* " in *" --date $FAKE_FAIL_DATE "* | *" DATE=$FAKE_FAIL_DATE "*) exit "$FAKE_FAIL_CODE" ;; esac',
      'fi',
      'exit 0',
      '',
    ].join('\n'),
  );
  await chmod(join(binDir, name), 0o755);
  return {
    binDir,
    calls: async () => (await readFile(log, 'utf8')).split('\n').filter((l) => l !== ''),
    run(script, env, options = {}) {
      const fail =
        options.failDate === undefined
          ? {}
          : { FAKE_FAIL_DATE: options.failDate, FAKE_FAIL_CODE: String(options.failCode ?? 1) };
      const out = spawnSync('sh', ['-c', script], {
        cwd: dir,
        env: { ...env, ...fail, PATH: `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, FAKE_CALL_LOG: log },
        encoding: 'utf8',
        timeout: 30_000,
      });
      if (out.error !== undefined) throw new Error(`sh could not run: ${out.error.message}`, { cause: out.error });
      if (out.status === null) throw new Error(`sh was killed by ${String(out.signal)}; stderr: ${out.stderr}`);
      return { status: out.status, stderr: out.stderr };
    },
  };
}
