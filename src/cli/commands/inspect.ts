import { printable } from '../../printable.js';
import { hourList } from '../hour-list.js';
import { loadJobConfig } from '../../config/load-job-config.js';
import { MissingPartitionError } from '../../partition/load-partition.js';
import { readCommittedManifest } from '../../partition/commit.js';
import { readManifestState } from '../../partition/committed-manifest.js';
import { fileSignaturesOf, isBuiltFromHourFiles, staleDayTierNote } from '../../partition/day-tier-source.js';
import { checkRoutedRows, describeRoutedRowsNotRead, type RoutedRowsNotRead } from '../../rollup/late-inputs-read.js';
import { listedBytes } from '../../rollup/list-partitions.js';
import { dayShardRecords } from '../../rollup/plan-shards.js';
import type { Manifest } from '../../partition/manifest.js';
import { serializeManifest } from '../../partition/manifest-layout.js';
import { openStore } from '../../storage/open-store.js';
import { leaseKey, manifestKey, parsePartitionDate } from '../../storage/partition-path.js';
import { leaseOutlook, runLeaseTtlMs, type LeaseOutlook } from '../../partition/lease.js';

/** Options of `telemetry-rollup inspect`. */
export interface InspectOptions {
  readonly store: string;
  readonly config?: string;
  readonly date: string;
  readonly tier: 'hour' | 'day';
  readonly format: 'table' | 'json';
}

/** `inspect`: one committed partition's manifest in human form (or as it is stored, with `--format json`). */
export async function inspectCommand(o: InspectOptions): Promise<Manifest> {
  const config = await loadJobConfig(o.config);
  const store = openStore(o.store, { syncReads: true }); // one-shot: nothing to do while it waits
  const key = manifestKey(config.output.prefix, o.tier, parsePartitionDate(o.date));
  const m = await readCommittedManifest(store, key);
  if (!m) {
    const dayTier = o.tier === 'hour' && (await store.head(manifestKey(config.output.prefix, 'day', o.date)));
    throw new MissingPartitionError(
      `inspect ${o.tier} partition ${o.date} is not committed: no ${key} in ${store.description} ` +
        (dayTier
          ? "(its day tier is: the hour tier's retention removed the hour partition, most likely; --tier day " +
            'inspects the day tier)'
          : '(ls lists what exists)'),
    );
  }
  if (o.format === 'json')
    process.stdout.write(serializeManifest(m)); // its bytes as stored, layout included
  else {
    const unread = o.tier === 'hour' ? await checkRoutedRows(store, config, m) : undefined;
    process.stdout.write(formatManifest(m, key, unread));
    const lease = leaseKey(config.output.prefix, o.tier, o.date);
    const leaseLine = leaseNote(lease, await leaseOutlook(store, lease, runLeaseTtlMs, new Date()));
    if (leaseLine) process.stdout.write(`\n${leaseLine}\n`);
    if (o.tier === 'day') {
      const hour = await readManifestState(store, manifestKey(config.output.prefix, 'hour', o.date));
      if (hour.kind === 'committed' && !isBuiltFromHourFiles(fileSignaturesOf(m), fileSignaturesOf(hour.manifest)))
        process.stdout.write(`\n${staleDayTierNote} (\`telemetry-rollup run --date ${o.date}\`)\n`);
    }
  }
  return m;
}

/** What the partition's lease means for its next run or gc, when there is one to say anything of. */
function leaseNote(key: string, outlook: LeaseOutlook): string | undefined {
  if (outlook.kind === 'unusable')
    return `lease      ${printable(outlook.problem)}: every run, gc and retention of this partition halts (exit 1)`;
  if (outlook.kind === 'held') {
    const h = outlook.holder;
    return (
      `lease      ${key} held by ${h.purpose ?? 'run'} ${printable(h.runId)} on ${printable(h.host)} (pid ${h.pid}) ` +
      `until ${h.expiresAt}: it is rebuilding or collecting this partition now`
    );
  }
  return undefined;
}

/**
 * A manifest as a person reads it: identity, inputs, outputs, row accounting (with the routed rows the previous day
 * has not read, when given), cube shape and cuboids.
 */
export function formatManifest(m: Manifest, key: string, routedNotRead?: RoutedRowsNotRead): string {
  const lines: string[] = [];
  const inputBytes = m.inputs.reduce((a, i) => a + i.size, 0);
  const late = m.inputs.filter((i) => i.late).length;
  lines.push(`partition  ${m.grain} ${m.date}  (${key})`);
  lines.push(`run        ${m.runId}, created ${m.createdAt}, ${m.tool.name} ${m.tool.version}`);
  lines.push(`config     ${m.configHash}`);
  lines.push(`dimensions ${m.dimensions.join(', ')}`);
  lines.push(`sort order ${m.sortOrder.join(', ')}`);
  lines.push(
    '',
    `inputs: ${m.inputs.length} objects, ${inputBytes} bytes${
      late > 0 ? ` (${late} of the next day, read for late rows)` : ''
    }`,
  );
  for (const i of m.inputs)
    lines.push(`  ${printable(i.key)}  ${i.size} bytes${i.etag ? `  etag ${i.etag}` : ''}${i.late ? '  late' : ''}`);
  if (m.ignored && m.ignored.length > 0) {
    lines.push('', `ignored: ${m.ignored.length} objects (listed under the day, not read)`);
    for (const i of m.ignored) lines.push(`  ${printable(i.key)}  ${i.reason}`);
  }
  lines.push(
    '',
    `outputs: ${m.outputs.length} base files, ${m.outputs.reduce((a, f) => a + f.bytes, 0)} bytes (${listedBytes(m)} ` +
      `bytes with the cube)`,
  );
  for (const f of m.outputs)
    lines.push(`  ${f.key}  ${f.rows} rows  ${f.bytes} bytes  sha256 ${f.sha256.slice(0, 16)}`);
  if (m.segments) {
    const g = m.segments;
    const hours = new Set(g.list.map((s) => s.hour)).size;
    const split = g.list.filter((s) => s.part === 0).length; // (hour, shard) pairs built as parts (a hot key)
    const parts = g.list.filter((s) => s.part !== undefined).length;
    lines.push(
      '',
      `segments: ${g.list.length} (${hours} hours x ${g.shards} shards of ${g.partitionDimension}, hash ${g.hash}` +
        `${split > 0 ? `; ${split} split into ${parts} parts by ${g.partHash}` : ''})`,
    );
    const shards = [...new Set(g.list.map((s) => s.shard))].sort((a, b) => a - b);
    const dayRecords = shards.map((shard) => dayShardRecords(g.list.filter((s) => s.shard === shard)).day);
    if (g.list.some((s) => s.dayKeys !== undefined))
      lines.push(
        `day records the day tier plans for, by shard (from the segments' dayKeys sketches, ~9%): ` +
          shards.map((shard, i) => `${shard}: ~${dayRecords[i]}`).join(', '),
      );
  }
  if (m.hourFolders)
    lines.push(
      `partial day: hour folders built so far ${hourList(m.hourFolders)} ` +
        `(run --hour); the other hours are not built yet, and the next day's late folders not read`,
    );
  const r = m.rows;
  lines.push('', 'rows');
  lines.push(
    `  in        ${r.in}`,
    `  late      ${r.late} (this day's rows found in the next day's first hours)`,
    ...(routedNotRead
      ? [
          `  routed    ${r.routed} (the previous day's late rows, left to its run)`,
          `    not read yet: ${describeRoutedRowsNotRead(routedNotRead)}`,
        ]
      : [`  routed    ${r.routed} (the previous day's late rows, counted there)`]),
  );
  lines.push(`  accepted  ${r.accepted}`, `  out       ${r.out} rollup records`);
  const rejected = Object.entries(r.rejected).filter(([, n]) => n > 0);
  lines.push(`  rejected  ${rejected.length === 0 ? 'none' : rejected.reduce((a, [, n]) => a + n, 0)}`);
  for (const [reason, n] of rejected) lines.push(`    ${reason.padEnd(22)} ${n}`);
  const unknown = Object.entries(m.unknownMetrics);
  if (unknown.length > 0) lines.push(`  unknown metrics: ${unknown.map(([k, n]) => `${k} (${n} rows)`).join(', ')}`);
  if (m.missingDimensions.length > 0) {
    lines.push('', 'inputs without some dimension columns (read as null)');
    for (const d of m.missingDimensions) lines.push(`  ${d.key}: ${d.columns.join(', ')}`);
  }
  if (m.cube) {
    const c = m.cube;
    lines.push('', 'cube');
    lines.push(`  split order   ${c.spec.dimensionsSplitOrder.join(', ')}`);
    lines.push(
      `  no star for   ${c.spec.skipStarNodeCreationFor.join(', ') || '-'}`,
      `  max leaf records (T) ${c.spec.maxLeafRecords}`,
    );
    const trees = c.tree ? [c.tree] : (m.segments?.list ?? []).flatMap((s) => (s.cube ? [s.cube.tree] : []));
    const total = (f: (t: (typeof trees)[number]) => number): number => trees.reduce((a, t) => a + f(t), 0);
    lines.push(
      `  star-trees    ${trees.length}: ${total((t) => t.nodes)} nodes, ${total((t) => t.records)} records ` +
        `(${total((t) => t.baseRecords)} base), indexes ${total((t) => t.bytes)} bytes`,
    );
    lines.push(`  record files  ${c.records.length}, ${c.records.reduce((a, f) => a + f.bytes, 0)} bytes`);
    lines.push(
      `  cuboids       ${c.cuboids.length}, in ${c.cuboidFiles.length} ` +
        `files, ${c.cuboidFiles.reduce((a, f) => a + f.bytes, 0)} bytes`,
    );
    for (const q of c.cuboids)
      lines.push(`    ${q.name.padEnd(24)} (${q.dimensions.join(', ')})  grouping_id ${q.groupingId}  ${q.rows} rows`);
    const hourCuboids = (m.segments?.list ?? []).flatMap((s) => s.hourCuboids ?? []);
    if (hourCuboids.length > 0)
      lines.push(
        `  hour cuboids  ${hourCuboids.length} files (a cuboid's a day unit), ` +
          `${hourCuboids.reduce((a, f) => a + f.rows, 0)} rows, ${hourCuboids.reduce((a, f) => a + f.bytes, 0)} bytes`,
      );
  } else lines.push('', 'cube       none (the job declares no cube)');
  return lines.join('\n') + '\n';
}
