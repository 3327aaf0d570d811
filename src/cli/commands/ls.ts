import { hourList } from '../hour-list.js';
import { fileSignaturesOf, isBuiltFromHourFiles, staleDayTierNote } from '../../partition/day-tier-source.js';
import { loadJobConfig } from '../../config/load-job-config.js';
import { listPartitions, strayFolderNote, type PartitionListing } from '../../rollup/list-partitions.js';
import { openStore } from '../../storage/open-store.js';
import { alignedLines } from '../aligned-lines.js';
import { parsePartitionDate, refuseEmptyRange } from '../../storage/partition-path.js';

/** Options of `telemetry-rollup ls`. */
export interface LsOptions {
  readonly store: string;
  readonly config?: string;
  readonly tier?: 'hour' | 'day'; // default: every tier the job declares
  readonly from?: string;
  readonly to?: string;
  readonly format: 'table' | 'json';
}

/**
 * `ls`: every partition of the store's rollup tiers: committed ones with their figures, and leftovers (files, no
 * manifest).
 */
export async function lsCommand(o: LsOptions): Promise<PartitionListing[]> {
  const config = await loadJobConfig(o.config);
  const store = openStore(o.store, { syncReads: true }); // one-shot: nothing to do while it waits
  const range = {
    ...(o.from ? { from: parsePartitionDate(o.from) } : {}),
    ...(o.to ? { to: parsePartitionDate(o.to) } : {}),
  };
  if (range.from && range.to) refuseEmptyRange(range.from, range.to);
  const grains = o.tier ? [o.tier] : [...new Set(config.output.tiers.map((t) => t.grain))];
  const all: PartitionListing[] = [];
  for (const grain of grains) all.push(...(await listPartitions(store, config.output.prefix, grain, range)));
  const stale = grains.includes('day')
    ? staleDayTiers(
        all,
        grains.includes('hour') ? all : await listPartitions(store, config.output.prefix, 'hour', range),
      )
    : new Set<string>();
  if (o.format === 'json')
    process.stdout.write(
      JSON.stringify(
        all.map((p) => describePartition(p, stale)),
        null,
        2,
      ) + '\n',
    );
  else
    process.stdout.write(
      formatTable(
        all,
        stale,
        `${grains.join(' and ')} partitions${
          range.from || range.to ? ` from ${range.from ?? 'the first day'} to ${range.to ?? 'the last day'}` : ''
        } in ${store.description}`,
      ),
    );
  return all;
}

/**
 * The dates whose committed day tier was built from other hour files than the committed hour partition's (hours
 * rebuilt since, by `run --hour` or late files): queries merge that day's hours until a plain `run` rebuilds it.
 */
function staleDayTiers(listed: readonly PartitionListing[], hours: readonly PartitionListing[]): Set<string> {
  const hourOf = new Map(hours.flatMap((h) => (h.kind === 'committed' && h.grain === 'hour' ? [[h.date, h]] : [])));
  const stale = new Set<string>();
  for (const p of listed) {
    const hour = hourOf.get(p.date);
    if (p.kind !== 'committed' || p.grain !== 'day' || !hour) continue;
    if (!isBuiltFromHourFiles(fileSignaturesOf(p.manifest), fileSignaturesOf(hour.manifest))) stale.add(p.date);
  }
  return stale;
}

/** One partition as `ls --format json` prints it (`staleDays`: the dates whose day tier is stale). */
export function describePartition(p: PartitionListing, staleDays: ReadonlySet<string>): Record<string, unknown> {
  switch (p.kind) {
    case 'committed': {
      const m = p.manifest;
      return {
        tier: p.grain,
        date: p.date,
        state: 'committed',
        ...(p.grain === 'day' ? { stale: staleDays.has(p.date) } : {}),
        ...(m.hourFolders ? { hourFoldersBuilt: m.hourFolders } : {}),
        manifest: p.manifestKey,
        rows: {
          in: m.rows.in,
          late: m.rows.late,
          routed: m.rows.routed,
          accepted: m.rows.accepted,
          out: m.rows.out,
          rejected: sumValues(m.rows.rejected),
        },
        bytes: p.bytes,
        files: p.files,
        runId: m.runId,
        createdAt: m.createdAt,
        configHash: m.configHash,
        tool: m.tool.version,
        unlistedFiles: p.unlisted,
      };
    }
    case 'leftover':
      return { tier: p.grain, date: p.date, state: 'leftover', bytes: p.bytes, files: p.files, keys: p.keys };
    case 'unreadable':
      return {
        tier: p.grain,
        date: p.date,
        state: 'unreadable',
        manifest: p.manifestKey,
        bytes: p.bytes,
        files: p.files,
        error: p.error,
      };
    case 'stray':
      return {
        tier: p.grain,
        date: p.date,
        state: 'stray',
        bytes: p.bytes,
        files: p.files,
        keys: p.keys,
        note: strayFolderNote,
      };
  }
}

/** The table row of a partition without a readable manifest: its files and bytes, and what it is. */
function uncommittedRow(p: Exclude<PartitionListing, { kind: 'committed' }>): string[] {
  return [p.grain, p.date, p.kind, '-', String(p.bytes), String(p.files), '-', '-', '-', '-', '-', noteOf(p)];
}

/** What the table says of a partition without a readable manifest. */
function noteOf(p: Exclude<PartitionListing, { kind: 'committed' }>): string {
  switch (p.kind) {
    case 'leftover':
      return 'files without a manifest: invisible to readers (a crashed or running run)';
    case 'stray':
      return strayFolderNote;
    case 'unreadable':
      return p.error;
  }
}

function formatTable(all: readonly PartitionListing[], staleDays: ReadonlySet<string>, what: string): string {
  if (all.length === 0) return `no ${what}\n`;
  const rows = [
    [
      'tier',
      'date',
      'state',
      'rows out',
      'bytes',
      'files',
      'late rows',
      'rejected',
      'run id',
      'created',
      'config hash',
      'note',
    ],
  ];
  for (const p of all) {
    if (p.kind === 'committed') {
      const m = p.manifest;
      const note = [
        ...(p.grain === 'day' && staleDays.has(p.date) ? [staleDayTierNote] : []),
        ...(m.hourFolders ? [`partial day: hour folders built so far ${hourList(m.hourFolders)} (run --hour)`] : []),
        ...(p.unlisted.length > 0 ? [`${p.unlisted.length} unlisted files (gc removes them)`] : []),
      ].join('; ');
      rows.push([
        p.grain,
        p.date,
        'committed',
        String(m.rows.out),
        String(p.bytes),
        String(p.files),
        String(m.rows.late),
        String(sumValues(m.rows.rejected)),
        m.runId,
        m.createdAt,
        m.configHash.replace(/^sha256:/, '').slice(0, 12),
        note,
      ]);
    } else rows.push(uncommittedRow(p));
  }
  const numeric = new Set([3, 4, 5, 6, 7]);
  const last = rows[0]!.length - 1;
  const lines = alignedLines(rows, (c) => (c === last ? 'none' : numeric.has(c) ? 'right' : 'left'));
  const strays = all.filter((p) => p.kind === 'stray').length;
  const counts = ['committed', 'leftover', 'unreadable']
    .map((k) => `${all.filter((p) => p.kind === k).length} ${k}`)
    .concat(strays > 0 ? [`${strays} stray`] : [])
    .join(', ');
  return `${what}: ${counts}\n${lines.join('\n')}\n`;
}

function sumValues(record: Readonly<Record<string, number>>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}
