import { hoursRead, readsAsAsked, type TimeRange } from '../query/hours-read.js';

/**
 * Says on stderr which whole hours a command read when its range's ends are not on an hour (nothing when they are):
 * a note for people, or with `--format json` one JSON line `query_hours_read` with the range asked and the one read.
 */
export function writeHoursReadNote(asked: TimeRange, format: string, subject: string): void {
  if (readsAsAsked(asked)) return;
  const read = hoursRead(asked);
  const [from, to, readFrom, readTo] = [asked.fromMs, asked.toMs, read.fromMs, read.toMs].map((ms) =>
    new Date(ms).toISOString(),
  );
  process.stderr.write(
    format === 'json'
      ? JSON.stringify({ event: 'query_hours_read', asked: { from, to }, read: { from: readFrom, to: readTo } }) + '\n'
      : `note: the rollups hold whole hours: ${subject} read the hours that start in its range, ${readFrom} to ` +
          `${readTo}, not ${from} to ${to}\n`,
  );
}
