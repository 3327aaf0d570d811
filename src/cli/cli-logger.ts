import { createRequire } from 'node:module';
import type { SingleBar } from 'cli-progress';
import type { Logger } from '../logger.js';

/** cli-progress, loaded when the first bar is drawn: JSON-lines runs and help never load it. */
const loadProgress = (): typeof import('cli-progress') => createRequire(import.meta.url)('cli-progress');

/** JSON lines on stderr, one object per event, for log collectors (no TTY). */
export function jsonLinesLogger(runId: string, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return {
    event(name, fields) {
      const level = fields.level ?? levelOf(name);
      write(JSON.stringify({ time: new Date().toISOString(), run: runId, event: name, ...fields, level }) + '\n');
    },
    progress() {},
  };
}

/** The level of an event that does not name its own: failures are errors, repairs and skipped inputs warnings. */
export function levelOf(event: string): 'error' | 'warn' | 'info' {
  if (event.endsWith('_failed') || event.endsWith('_error')) return 'error';
  if (/ignored|repairing|foreign|contended/.test(event)) return 'warn';
  return 'info';
}

/** Events of one unit of a step (a segment built), for log collectors: the progress bar counts them for a person. */
const perUnitEvents: ReadonlySet<string> = new Set(['segment_built']);

/** A progress bar on stderr for a person watching (every phase of a run), plus short event lines. */
export function progressBarLogger(): Logger {
  let bar: SingleBar | undefined;
  let step = '';
  return {
    event(name, fields) {
      if (perUnitEvents.has(name)) return;
      bar?.stop();
      bar = undefined;
      const parts = Object.entries(fields).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
      process.stderr.write(`${name} ${parts.join(' ')}\n`);
    },
    progress(name, done, total) {
      if (!bar || step !== name) {
        bar?.stop();
        step = name;
        const { SingleBar, Presets } = loadProgress();
        bar = new SingleBar(
          {
            format: `${name.padEnd(9)} [{bar}] {value}/{total} ${name === 'aggregate' ? 'files' : 'steps'} {duration}s`,
            stream: process.stderr,
            clearOnComplete: true,
          },
          Presets.shades_classic,
        );
        bar.start(total, done);
      } else bar.update(done);
      if (done >= total) {
        bar.stop();
        bar = undefined;
      }
    },
  };
}
