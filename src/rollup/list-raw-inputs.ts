import { isTemporaryKey, temporaryReason } from '../storage/object-key.js';
import { listInventory, type ObjectInfo, type ObjectStore } from '../storage/object-store.js';
import { nextDate, rawDayPrefix } from '../storage/partition-path.js';
import { RawInputError } from '../ingest/aggregate-raw-file.js';
import type { ManifestIgnored, ManifestInput } from '../partition/manifest.js';

/** Everything found under a day's raw prefix (and the late hours of the next day): read, or ignored with a reason. */
export interface RawListing {
  readonly inputs: readonly ManifestInput[]; // objects to read, in key order (late ones marked)
  readonly ignored: readonly ManifestIgnored[]; // objects not read, each with its reason, in key order
  readonly ownInputs: number; // inputs of the day's own prefix (late ones excluded)
  readonly listedPrefixes: readonly string[]; // the prefixes listed, for messages
}

/**
 * No raw object under the day's own prefix: a halt unless the run allows empty days (a mistyped store looks like this).
 */
export class NoRawInputError extends RawInputError {}

/**
 * Halts a run whose day has no raw object of its own (a mistyped store looks like this), naming the prefix listed,
 * unless the day may be empty (`--allow-empty`).
 */
export function requireRawInput(
  listing: RawListing,
  store: ObjectStore,
  rawPrefix: string,
  date: string,
  allowEmpty: boolean,
): void {
  if (listing.ownInputs > 0 || allowEmpty) return;
  const { inputs, ignored } = listing;
  const late = inputs.length > 0 ? `, ${inputs.length} late objects of the next day` : '';
  const skipped =
    ignored.length > 0
      ? `, ${ignored.length} objects ignored (${ignored
          .slice(0, 3)
          .map((i) => `${i.key}: ${i.reason}`)
          .join('; ')})`
      : '';
  throw new NoRawInputError(
    `run no raw input for ${date}: no .parquet object in an hour folder under ` +
      `${store.description}/${listing.listedPrefixes[0] ?? rawDayPrefix(rawPrefix, date)}${late}${skipped}; ` +
      'check --store (ROLLUP_STORE) and raw.prefix, or pass --allow-empty if the day is empty on purpose',
  );
}

const validHour = /^hr=([01]\d|2[0-3])$/;
/** A folder name that looks like an hour folder (`hr=7`, `HR=05`, `hour=05`, `05`): when not valid, a halt. */
const hourLike = /^(?:hr|hour|\d)/i;

/**
 * Lists a day's raw objects (`<raw>/dt=D/hr=HH/*.parquet`) and, marked `late`, those of the next day's first
 * `lateArrivalHours` hour folders. Every object of the day is either an input or ignored with a reason: objects
 * directly under `dt=D/`, in folders that are not hour folders, in subfolders of an hour folder, or not ending in
 * `.parquet`. A halt (RawInputError naming the keys): a folder that looks like an hour but is not a valid `hr=HH`
 * (`hr=7`, `hr=24`, `HR=05`, `hr=05x`), and entries the store cannot read (control characters in the name, broken
 * symbolic links, link loops, FIFOs). Of the next day, only what could hold its first hours is considered.
 */
export async function listRawInputs(
  store: ObjectStore,
  rawPrefix: string,
  date: string,
  lateArrivalHours: number,
  hour?: number, // list only this hour folder (`run --hour`), and no late objects of the next day
): Promise<RawListing> {
  const folder = hour === undefined ? '' : hourFolderOf(hour);
  const listed = await classifyDay(store, rawDayPrefix(rawPrefix, date), 24, folder);
  const marker = rawRetentionMarkerKey(rawPrefix, date);
  const removing =
    listed.ignored.some((i) => i.key === marker) || (hour !== undefined && (await store.head(marker)) !== undefined);
  const own = removing ? underRemoval(listed, marker) : listed;
  // the next day's first folders hold this day's late rows (the last day a partition can be has none)
  const nextDay = lateArrivalHours > 0 && hour === undefined ? nextDate(date) : undefined;
  const next = nextDay ? await classifyDay(store, rawDayPrefix(rawPrefix, nextDay), lateArrivalHours) : emptyDay;
  const halts = [...own.halts, ...next.halts];
  if (halts.length > 0) {
    const shown = halts
      .slice(0, 5)
      .map((h) => `${JSON.stringify(h.key)} (${h.reason})`)
      .join('; ');
    throw new RawInputError(
      `raw listing ${halts.length} object${halts.length === 1 ? '' : 's'} ` +
        `under ${store.description}/${rawDayPrefix(rawPrefix, date)} cannot be read as they ` +
        `are: ${shown}${halts.length > 5 ? '; ...' : ''}; rename or remove them`,
    );
  }
  return {
    inputs: [...own.inputs, ...next.inputs.map((i) => ({ ...i, late: true as const }))],
    ignored: [...own.ignored, ...next.ignored].sort((a, b) => byKey(a.key, b.key)),
    ownInputs: own.inputs.length,
    listedPrefixes: [
      rawDayPrefix(rawPrefix, date) + folder,
      ...(nextDay
        ? [`${rawDayPrefix(rawPrefix, nextDay)}hr=00..hr=${String(lateArrivalHours - 1).padStart(2, '0')}`]
        : []),
    ],
  };
}

/** The prefix of hour folder `hour` of day `date` (`raw/dt=D/hr=HH/`), what `listRawInputs` lists for `run --hour`. */
export function hourFolderPrefix(rawPrefix: string, date: string, hour: number): string {
  return rawDayPrefix(rawPrefix, date) + hourFolderOf(hour);
}

/**
 * The marker raw retention writes in a raw day's folder before deleting its objects, and removes after the last: a
 * day that holds it is being removed (a retention killed midway leaves it), and no run reads what is left of it.
 */
export function rawRetentionMarkerKey(rawPrefix: string, date: string): string {
  return `${rawDayPrefix(rawPrefix, date)}_retention.json`;
}

/**
 * A day's own objects while raw retention removes them: none is an input any more (the committed rollups are their only
 * copy, as for a day whose raw is all gone), each is ignored saying why.
 */
function underRemoval(day: ClassifiedDay, marker: string): ClassifiedDay {
  const reason = `raw retention is removing the day's raw objects (${marker}): its committed rollups hold their rows`;
  const ignored = [
    ...day.inputs.map((i) => ({ key: i.key, reason })),
    ...day.ignored.map((i) =>
      i.key === marker ? { key: i.key, reason: "raw retention's marker of a day it removes" } : i,
    ),
  ];
  return { inputs: [], ignored: ignored.sort((a, b) => byKey(a.key, b.key)), halts: day.halts };
}

function hourFolderOf(hour: number): string {
  return `hr=${String(hour).padStart(2, '0')}/`;
}

/** The hour of the day a raw object's folder names (`hr=HH`). */
export function folderHourOf(key: string): number {
  return Number(/\/hr=(\d{2})\//.exec(key)?.[1] ?? -1);
}

/**
 * The hour of the day whose rows an input's folder holds, by key: its folder hour, or undefined for a late object (a
 * folder of the next day holds rows of any hour of this one).
 */
export function rowHourOfFolder(inputs: readonly ManifestInput[]): (key: string) => number | undefined {
  const late = new Set(inputs.filter((i) => i.late).map((i) => i.key));
  return (key) => (late.has(key) ? undefined : folderHourOf(key));
}

interface ClassifiedDay {
  readonly inputs: ManifestInput[];
  readonly ignored: ManifestIgnored[];
  readonly halts: ManifestIgnored[];
}

const emptyDay: ClassifiedDay = { inputs: [], ignored: [], halts: [] };

/**
 * Sorts one day's listing (of `dayPrefix` + `folder`) into inputs, ignored objects and halts, keeping only hour folders
 * below `hours`.
 */
async function classifyDay(store: ObjectStore, dayPrefix: string, hours: number, folder = ''): Promise<ClassifiedDay> {
  const { objects, unlisted } = await listInventory(store, `${dayPrefix}${folder}`);
  const day: ClassifiedDay = { inputs: [], ignored: [], halts: [] };
  for (const u of unlisted) {
    if (placeOf(u.key.slice(dayPrefix.length), hours).kind === 'elsewhere') continue;
    if (isTemporaryKey(u.key)) day.ignored.push({ key: u.key, reason: temporaryReason });
    else day.halts.push({ key: u.key, reason: u.reason });
  }
  for (const o of objects) {
    const place = placeOf(o.key.slice(dayPrefix.length), hours);
    if (place.kind === 'input') day.inputs.push(inputOf(o));
    else if (place.kind === 'ignored') day.ignored.push({ key: o.key, reason: place.reason });
    else if (place.kind === 'halt') day.halts.push({ key: o.key, reason: place.reason });
  }
  day.inputs.sort((a, b) => byKey(a.key, b.key));
  day.ignored.sort((a, b) => byKey(a.key, b.key));
  return day;
}

/** What an entry at `rel` (its key below `dt=D/`) is for a run that reads hour folders below `hours`. */
type Place = { readonly kind: 'input' | 'elsewhere' } | { readonly kind: 'ignored' | 'halt'; readonly reason: string };

function placeOf(rel: string, hours: number): Place {
  const slash = rel.indexOf('/');
  const ownDay = hours === 24;
  if (slash < 0)
    return ownDay ? { kind: 'ignored', reason: 'not in an hour folder (hr=00..hr=23)' } : { kind: 'elsewhere' };
  const folder = rel.slice(0, slash);
  const name = rel.slice(slash + 1);
  const hour = validHour.exec(folder);
  if (!hour) {
    if (!hourLike.test(folder))
      return ownDay
        ? { kind: 'ignored', reason: `folder '${folder}' is not an hour folder (hr=00..hr=23)` }
        : { kind: 'elsewhere' };
    const digits = /\d+/.exec(folder);
    // the next day's run halts on it
    if (!ownDay && digits !== null && Number(digits[0]) >= hours) return { kind: 'elsewhere' };
    return {
      kind: 'halt',
      reason: `folder '${folder}' looks like an hour but is not hr=00..hr=23 (two digits, lower case)`,
    };
  }
  if (Number(hour[1]) >= hours) return { kind: 'elsewhere' };
  if (name.includes('/'))
    return { kind: 'ignored', reason: `in a subfolder of ${folder} (only files directly in an hour folder are read)` };
  if (!name.endsWith('.parquet')) return { kind: 'ignored', reason: 'not a .parquet file' };
  return { kind: 'input' };
}

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether `key`, an object of day `date`, is one the previous day's run reads as a late input: a `.parquet` object
 * directly in one of the day's first `lateHours` hour folders.
 */
export function isLateInputOf(key: string, rawPrefix: string, date: string, lateHours: number): boolean {
  const dayPrefix = rawDayPrefix(rawPrefix, date);
  return key.startsWith(dayPrefix) && placeOf(key.slice(dayPrefix.length), lateHours).kind === 'input';
}

/** A listed raw object as a manifest records an input: its key and identity (size, S3 ETag, modification time). */
export function inputOf(o: ObjectInfo): ManifestInput {
  return {
    key: o.key,
    size: o.size,
    ...(o.etag !== undefined ? { etag: o.etag } : {}),
    ...(o.mtimeMs !== undefined ? { mtimeMs: o.mtimeMs } : {}),
  };
}
