import type { JobConfig } from '../config/job-config.js';
import type { Logger } from '../logger.js';
import type { Manifest, ManifestInput } from '../partition/manifest.js';
import { readManifestState } from '../partition/committed-manifest.js';
import { listAll, type ObjectStore } from '../storage/object-store.js';
import { addDays, manifestKey, previousDate } from '../storage/partition-path.js';
import { inputOf } from './list-raw-inputs.js';
import { sameIdentity } from './plan-rollup.js';
import { runStartMs } from '../partition/run-id.js';
import { ownRawInputsLeft } from './raw-gone.js';
import type { RollupResult } from './rollup-result.js';

/**
 * The objects of a day's late hour folders (its first lateArrivalHours: they hold the previous day's late rows), as
 * listed now, that the previous day's committed hour partition did not read as they are now (no late input of the
 * same key and identity).
 */
export function lateInputsNotRead<T extends ManifestInput>(late: readonly T[], previous: Manifest): T[] {
  const read = new Map(previous.inputs.filter((i) => i.late).map((i) => [i.key, i]));
  return late.filter((o) => {
    const input = read.get(o.key);
    return !input || !sameIdentity(input, o);
  });
}

/**
 * Rows a day's committed hour partition routed to the previous day (rows of that day in its late hour folders: its
 * late data, which the day leaves to the previous day's run) in raw objects that run has not read as they are now.
 * Until the previous day runs again, those rows are in no committed partition.
 */
export interface RoutedRowsNotRead {
  readonly date: string; // the previous day, whose run should read them
  // that day's hour partition; 'raw-gone': committed, but none of the day's own raw objects is left (raw retention),
  // so no run rebuilds it and these rows cannot be added
  readonly previous: 'committed' | 'absent' | 'unreadable' | 'raw-gone';
  readonly rows: number;
  readonly keys: readonly string[]; // the raw objects holding them, sorted
  // every one of those objects is gone (deleted since this day's run read it): no run can read these rows any more
  readonly gone?: true;
}

/**
 * What of `own`'s routed rows the previous day's committed hour partition (`previous`; undefined when it has none that
 * can be read) has not read; undefined when it read them all. Inputs of manifests that do not count their rows are
 * not judged. `now`: the objects as they are now, where known (undefined: gone); the previous day is judged against
 * them, not against what `own` read (an object rewritten since `own`'s run, that the previous day has read as it is
 * now, waits for `own`'s run, not the previous day's).
 */
export function routedRowsNotRead(
  own: Manifest,
  previous: Manifest | undefined,
  previousState: 'absent' | 'unreadable' = 'absent',
  now: ReadonlyMap<string, ManifestInput | undefined> = new Map(),
): RoutedRowsNotRead | undefined {
  const routing = own.inputs.filter((i) => !i.late && (i.rows?.routed ?? 0) > 0);
  const unread = previous
    ? routing.filter((i) => lateInputsNotRead([now.get(i.key) ?? i], previous).length > 0)
    : routing;
  if (unread.length === 0) return undefined;
  return {
    date: addDays(own.date, -1),
    previous: previous ? 'committed' : previousState,
    rows: unread.reduce((n, i) => n + (i.rows?.routed ?? 0), 0),
    keys: unread.map((i) => i.key).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}

/**
 * routedRowsNotRead of a committed hour partition, reading the previous day's hour manifest (one GET) when needed,
 * and, when that day has not read some, listing its raw objects: a day whose own raw objects are all gone is kept as
 * committed by every run (rawGoneState), so nothing can read them.
 */
export async function checkRoutedRows(
  store: ObjectStore,
  config: JobConfig,
  own: Manifest,
): Promise<RoutedRowsNotRead | undefined> {
  const before = previousDate(own.date);
  if (own.rows.routed === 0 || before === undefined) return undefined;
  const state = await readManifestState(store, manifestKey(config.output.prefix, 'hour', before));
  let unread: RoutedRowsNotRead | undefined;
  let now: ReadonlyMap<string, ManifestInput | undefined>;
  if (state.kind === 'committed') {
    const byRecord = routedRowsNotRead(own, state.manifest);
    if (!byRecord) return undefined;
    now = await listedNow(store, byRecord.keys);
    unread = routedRowsNotRead(own, state.manifest, 'absent', now);
  } else {
    const dayTier =
      state.kind === 'absent'
        ? await readManifestState(store, manifestKey(config.output.prefix, 'day', before))
        : undefined;
    if (dayTier?.kind !== 'committed') return routedRowsNotRead(own, undefined, state.kind);
    // the hour tier's retention removed the previous day's hour partition and what its run read as late with it
    const all = routedRowsNotRead(own, undefined);
    if (!all) return undefined;
    now = await listedNow(store, all.keys);
    const listed = all.keys.flatMap((key) => now.get(key) ?? []);
    const after = new Set(changedSinceDayTier(listed, dayTier.manifest));
    const routedAfter = { ...own, inputs: own.inputs.filter((i) => i.late || after.has(i.key)) };
    const changed = routedRowsNotRead(routedAfter, undefined);
    unread = changed && { ...changed, previous: 'committed' };
  }
  if (!unread) return undefined;
  if (unread.keys.every((key) => now.get(key) === undefined)) return { ...unread, gone: true };
  return (await ownRawInputsLeft(store, config, before)) ? unread : { ...unread, previous: 'raw-gone' };
}

/**
 * The keys of `objects` changed after the run that built the committed day tier `dayTier` started (its run id records
 * the start): they cannot be in it, whatever its hour partition (removed by the hour tier's retention) read. None when
 * the run id records no start. Clocks are taken to be within a second of the store's (NTP).
 */
export function changedSinceDayTier(
  objects: readonly { readonly key: string; readonly mtimeMs?: number }[],
  dayTier: Manifest,
): string[] {
  const startedMs = runStartMs(dayTier.runId);
  if (startedMs === undefined) return [];
  return objects
    .filter((o) => (o.mtimeMs ?? Number.NEGATIVE_INFINITY) > startedMs)
    .map((o) => o.key)
    .sort();
}

/**
 * The objects at `keys` as a listing gives them now, as runs record them (on S3 a HEAD's time has whole seconds, a
 * listing's milliseconds): one listing of each folder holding them; undefined for one gone.
 */
async function listedNow(
  store: ObjectStore,
  keys: readonly string[],
): Promise<ReadonlyMap<string, ManifestInput | undefined>> {
  const folders = [...new Set(keys.map((key) => key.slice(0, key.lastIndexOf('/') + 1)))];
  const listed = new Map((await Promise.all(folders.map((f) => listAll(store, f)))).flat().map((o) => [o.key, o]));
  return new Map(
    keys.map((key) => {
      const object = listed.get(key);
      return [key, object && inputOf(object)] as const;
    }),
  );
}

/** One line for an operator: how many routed rows the previous day has not read, where, and what reads them. */
export function describeRoutedRowsNotRead(r: RoutedRowsNotRead): string {
  const objects = `${r.keys.length} raw object${r.keys.length === 1 ? '' : 's'}`;
  const where = r.keys.length <= 3 ? r.keys.join(', ') : `${r.keys.slice(0, 3).join(', ')}, ...`;
  const state = {
    committed: `${r.date}'s committed run has not read them as they are now`,
    absent: `${r.date} has no committed hour partition`,
    unreadable: `${r.date}'s hour manifest is unreadable`,
    'raw-gone': `${r.date}'s own raw objects are gone (raw retention), so no run rebuilds its committed partition`,
  }[r.previous];
  if (r.gone) {
    const what = r.rows === 1 ? `1 row of ${r.date} was` : `${r.rows} rows of ${r.date} were`;
    const [are, them] = r.keys.length === 1 ? ['is', 'it'] : ['are', 'them'];
    return (
      `${what} in ${objects} (${where}) that ${are} gone since this day's run read ${them}, and in no committed ` +
      `partition: no run can read them; restore ${them} and \`telemetry-rollup run --date ${r.date}\` reads them, ` +
      'or accept their loss'
    );
  }
  const command =
    r.previous === 'raw-gone'
      ? `restore ${r.date}'s raw objects and \`telemetry-rollup run --date ${r.date}\` reads them, or delete these ` +
        'objects to accept their loss'
      : `\`telemetry-rollup run --date ${r.date}\` reads them${
          r.previous === 'absent' ? ` (with --allow-empty when ${r.date} has no raw objects of its own)` : ''
        }`;
  const rows =
    r.rows === 1
      ? `1 row of ${r.date} in ${objects} (${where}) is`
      : `${r.rows} rows of ${r.date} in ${objects} (${where}) are`;
  return `${rows} in no committed partition: ${state}; ${command}`;
}

/**
 * An hour-tier outcome with the rows it routed that the previous day has not read (`routedNotRead`, also logged):
 * the day's own run is done, but those rows wait for the previous day's. Reads the committed manifest again.
 */
export async function withRoutedRowsCheck(
  store: ObjectStore,
  config: JobConfig,
  logger: Logger,
  result: RollupResult,
): Promise<RollupResult> {
  if (result.outcome === 'no-input' || result.rowsRouted === 0) return result;
  const own = await readManifestState(store, result.manifestKey);
  if (own.kind !== 'committed') return result;
  const unread = await checkRoutedRows(store, config, own.manifest);
  if (!unread) return result;
  logger.event('routed_rows_not_read', {
    // a previous day never rolled up is shown by ls and plan (or is before the data began): news, not an alarm
    level: unread.previous === 'absent' ? 'info' : 'warn',
    partition: result.manifestKey,
    date: unread.date,
    previous: unread.previous,
    rows: unread.rows,
    keys: unread.keys,
    message: describeRoutedRowsNotRead(unread),
  });
  return { ...result, routedNotRead: unread };
}
