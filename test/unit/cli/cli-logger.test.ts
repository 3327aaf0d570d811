import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonLinesLogger, progressBarLogger } from '../../../src/cli/cli-logger.js';

/** What `log` writes to stderr while it runs. */
function stderrOf(log: () => void): string {
  const write = process.stderr.write;
  let out = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    log();
  } finally {
    process.stderr.write = write;
  }
  return out;
}

describe('cli loggers', () => {
  it('a person watching sees event lines, but not one per segment built (log collectors get every event)', () => {
    const fields = { partition: 'rollup/hour/dt=2026-11-24/_manifest.json', hour: 5, shard: 0, ms: 12 };
    const shown = stderrOf(() => {
      const log = progressBarLogger();
      log.event('segment_built', fields);
      log.event('segment_split', { ...fields, parts: 2 });
    });
    assert.equal(
      shown,
      'segment_split partition="rollup/hour/dt=2026-11-24/_manifest.json" hour=5 shard=0 ms=12 parts=2\n',
    );
    const lines: string[] = [];
    const json = jsonLinesLogger('run-1', (l) => lines.push(l));
    json.event('segment_built', fields);
    assert.deepEqual(
      lines.map((l) => {
        const { time: _time, ...rest } = JSON.parse(l) as Record<string, unknown>;
        return rest;
      }),
      [{ run: 'run-1', event: 'segment_built', ...fields, level: 'info' }],
    );
  });
});
