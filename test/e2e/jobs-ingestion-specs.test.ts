import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import type { JobConfig } from '../../src/config/job-config.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { manifestKey } from '../../src/storage/partition-path.js';
import { openOracle, sqlString } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { jobsDir } from '../helpers/load-manifests.js';

/** What an ingestion spec expects a Parquet column to hold. */
type Expect =
  | 'string' // UTF-8 text
  | 'int64' // a plain 64-bit integer
  | 'double'
  | 'binary'
  | 'timestamp-ms' // INT64 timestamp in milliseconds, read by the engines as epoch ms
  | 'timestamp-ns' // INT64 timestamp in nanoseconds, read by the engines as epoch ns
  | 'epoch-long'; // any INT64-backed value used only for ordering (Druid's first/last timeColumn)

/** One column an ingestion spec reads, and where it says so. */
interface ColumnRef {
  readonly column: string;
  readonly expect: Expect;
  readonly where: string; // JSON-path-like location in the spec, for messages
}

/** A column of a real output file: DuckDB's type plus the Parquet logical type. */
interface FileColumn {
  readonly duckType: string; // e.g. VARCHAR, TIMESTAMP WITH TIME ZONE
  readonly logicalType: string; // parquet_schema().logical_type, '' when none
}

/** Whether a file column satisfies an expectation. */
function satisfies(c: FileColumn, expect: Expect): boolean {
  const unit = /NANOS=NanoSeconds/.test(c.logicalType)
    ? 'ns'
    : /MILLIS=MilliSeconds/.test(c.logicalType)
      ? 'ms'
      : /MICROS=MicroSeconds/.test(c.logicalType)
        ? 'us'
        : '';
  switch (expect) {
    case 'string':
      return c.duckType === 'VARCHAR';
    case 'int64':
      return c.duckType === 'BIGINT';
    case 'double':
      return c.duckType === 'DOUBLE';
    case 'binary':
      return c.duckType === 'BLOB';
    case 'timestamp-ms':
      return c.duckType === 'TIMESTAMP WITH TIME ZONE' && unit === 'ms';
    case 'timestamp-ns':
      return c.duckType === 'TIMESTAMP WITH TIME ZONE' && unit === 'ns';
    case 'epoch-long':
      return c.duckType === 'BIGINT' || (c.duckType === 'TIMESTAMP WITH TIME ZONE' && unit !== '');
  }
}

/** Problems of a spec against a file schema: every referenced column must exist with a compatible type. */
function checkColumnRefs(refs: readonly ColumnRef[], columns: ReadonlyMap<string, FileColumn>): string[] {
  const problems: string[] = [];
  for (const r of refs) {
    const c = columns.get(r.column);
    if (c === undefined) problems.push(`${r.where}: column '${r.column}' is not in the base record schema`);
    else if (!satisfies(c, r.expect)) {
      const logical = c.logicalType === '' ? '' : ` (${c.logicalType})`;
      problems.push(`${r.where}: column '${r.column}' is ${c.duckType}${logical}, expected ${r.expect}`);
    }
  }
  return problems;
}

type Json = Record<string, unknown>;
const obj = (v: unknown, where: string): Json => {
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `${where} is not an object`);
  return v as Json;
};
const arr = (v: unknown, where: string): unknown[] => {
  assert.ok(Array.isArray(v), `${where} is not an array`);
  return v;
};
const str = (v: unknown, where: string): string => {
  assert.equal(typeof v, 'string', `${where} is not a string`);
  return v as string;
};

/** What each Druid aggregator type reads from its fieldName. */
const druidAggregatorInput: Readonly<Record<string, Expect>> = {
  longSum: 'int64',
  longMin: 'int64',
  longMax: 'int64',
  longFirst: 'int64',
  longLast: 'int64',
  doubleSum: 'double',
  doubleMin: 'double',
  doubleMax: 'double',
  doubleFirst: 'double',
  doubleLast: 'double',
  HLLSketchMerge: 'binary',
};

/** The Druid dimension names (plain strings or {name} objects). */
function druidDimensions(spec: Json): string[] {
  const dims = arr(
    obj(obj(obj(spec.spec, 'spec').dataSchema, 'dataSchema').dimensionsSpec, 'dimensionsSpec').dimensions,
    'dimensions',
  );
  return dims.map((d, i) =>
    typeof d === 'string' ? d : str(obj(d, `dimensions[${i}]`).name, `dimensions[${i}].name`),
  );
}

/** Every column a Druid native batch spec reads from the input files, with the type it needs. */
function druidColumnRefs(spec: Json): ColumnRef[] {
  const dataSchema = obj(obj(spec.spec, 'spec').dataSchema, 'dataSchema');
  const ts = obj(dataSchema.timestampSpec, 'timestampSpec');
  const format = str(ts.format ?? 'auto', 'timestampSpec.format');
  const refs: ColumnRef[] = [
    {
      column: str(ts.column, 'timestampSpec.column'),
      expect: format === 'millis' || format === 'auto' ? 'timestamp-ms' : format === 'nano' ? 'timestamp-ns' : 'string',
      where: 'timestampSpec.column',
    },
  ];
  druidDimensions(spec).forEach((d, i) =>
    refs.push({ column: d, expect: 'string', where: `dimensionsSpec.dimensions[${i}]` }),
  );
  arr(dataSchema.metricsSpec, 'metricsSpec').forEach((m, i) => {
    const a = obj(m, `metricsSpec[${i}]`);
    const type = str(a.type, `metricsSpec[${i}].type`);
    const expect = druidAggregatorInput[type];
    if (expect === undefined)
      throw new Error(`druid metricsSpec[${i}]: aggregator type '${type}' is not one this checker knows`);
    refs.push({
      column: str(a.fieldName, `metricsSpec[${i}].fieldName`),
      expect,
      where: `metricsSpec[${i}].fieldName`,
    });
    if (a.timeColumn !== undefined)
      refs.push({
        column: str(a.timeColumn, `metricsSpec[${i}].timeColumn`),
        expect: 'epoch-long',
        where: `metricsSpec[${i}].timeColumn`,
      });
  });
  return refs;
}

/**
 * What a Pinot field spec expects from the Parquet column of the same name (native reader: INT64 arrives as a plain
 * long).
 */
function pinotExpect(field: Json, where: string): Expect {
  const dataType = str(field.dataType, `${where}.dataType`);
  if (field.format !== undefined) {
    const format = str(field.format, `${where}.format`);
    // a long is taken as epoch ms
    if (dataType === 'TIMESTAMP' || format === '1:MILLISECONDS:EPOCH') return 'timestamp-ms';
    if (format === '1:NANOSECONDS:EPOCH') return 'timestamp-ns';
    throw new Error(`pinot ${where}: format '${format}' is not one this checker knows`);
  }
  const byType: Readonly<Record<string, Expect>> = {
    STRING: 'string',
    LONG: 'int64',
    DOUBLE: 'double',
    BYTES: 'binary',
  };
  const expect = byType[dataType];
  if (expect === undefined) throw new Error(`pinot ${where}: dataType '${dataType}' is not one this checker knows`);
  return expect;
}

/** Every column a Pinot schema reads from the input files, with the type it needs. */
function pinotColumnRefs(schema: Json): ColumnRef[] {
  const refs: ColumnRef[] = [];
  for (const group of ['dimensionFieldSpecs', 'metricFieldSpecs', 'dateTimeFieldSpecs']) {
    arr(schema[group] ?? [], group).forEach((f, i) => {
      const field = obj(f, `${group}[${i}]`);
      refs.push({
        column: str(field.name, `${group}[${i}].name`),
        expect: pinotExpect(field, `${group}[${i}]`),
        where: `${group}[${i}]`,
      });
    });
  }
  return refs;
}

/**
 * A Java NIO glob (as Druid's objectGlob and Pinot's `glob:` use) as a RegExp: `**` crosses `/`, `*` and `?` do not.
 */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const date = '2026-11-24';
const readJson = async (file: string): Promise<Json> => JSON.parse(await readFile(join(jobsDir, file), 'utf8')) as Json;

/** Parses a YAML file, throwing on any error or warning (duplicate keys included). */
async function readYaml(file: string): Promise<Json> {
  const document = parseDocument(await readFile(join(jobsDir, file), 'utf8'), { uniqueKeys: true, prettyErrors: true });
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) throw new Error(`yaml ${file}: ${problems.map((p) => p.message).join('; ')}`);
  return obj(document.toJS(), file);
}

let config: JobConfig;
let druid: Json;
let pinotSchema: Json;
let pinotTable: Json;
let pinotJob: Json;
let columns = new Map<string, FileColumn>(); // the committed hour tier's base record schema
let partitionFiles: string[] = []; // every file name in the committed hour partition
let outputNames: string[] = []; // the data files its manifest lists
const cleanups: Array<() => Promise<void> | void> = [];

before(async () => {
  config = await loadJobConfig(join(jobsDir, 'default-job.json'));
  druid = await readJson('druid/rollup-hour-index-parallel.json');
  pinotSchema = await readJson('pinot/fleet_telemetry_hour.schema.json');
  pinotTable = await readJson('pinot/fleet_telemetry_hour_OFFLINE.json');
  pinotJob = await readYaml('pinot/ingestion-job-spec.yaml');

  // The schema comes from real output: roll up a small sample day with the project's own code.
  const dir = await makeTempDir('ingestion-specs');
  cleanups.push(dir.remove);
  const store = new LocalStore(dir.path);
  await writeSampleDay(store, { date, rows: 3000, seed: 1 });
  const result = await runRollup({ store, config, configHash: hashJobConfig(config), date, workers: 0 });
  assert.equal(result.outcome, 'committed');
  const key = manifestKey(config.output.prefix, 'hour', date);
  const manifest = JSON.parse(await readFile(join(dir.path, key), 'utf8')) as {
    dimensions: string[];
    outputs: Array<{ key: string }>;
  };
  assert.ok(manifest.outputs.length > 0);
  outputNames = manifest.outputs.map((o) => o.key.slice(o.key.lastIndexOf('/') + 1));
  partitionFiles = await readdir(join(dir.path, key, '..'));
  assert.deepEqual(manifest.dimensions, config.raw.dimensions);

  const db = await openOracle(1);
  cleanups.push(() => db.close());
  const file = sqlString(join(dir.path, manifest.outputs[0]!.key));
  const described = await db.rows(`DESCRIBE SELECT * FROM read_parquet(${file}, hive_partitioning = false)`);
  const logical = new Map(
    (await db.rows(`SELECT name, logical_type FROM parquet_schema(${file})`)).map((r) => [
      String(r.name),
      r.logical_type === null ? '' : String(r.logical_type),
    ]),
  );
  columns = new Map(
    described.map((r) => [
      String(r.column_name),
      { duckType: String(r.column_type), logicalType: logical.get(String(r.column_name)) ?? '' },
    ]),
  );
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('the shape checker', () => {
  it('reads the real base record schema', () => {
    assert.deepEqual(
      [...columns.keys()],
      [
        'hour',
        'metric',
        ...config.raw.dimensions,
        'count',
        'sum',
        'min',
        'max',
        'last',
        'last_time',
        'first',
        'first_time',
        'increase',
        'sketch',
      ],
    );
    assert.equal(columns.get('hour')?.duckType, 'TIMESTAMP WITH TIME ZONE');
    assert.ok(satisfies(columns.get('hour')!, 'timestamp-ms'));
    assert.ok(satisfies(columns.get('last_time')!, 'timestamp-ns'));
  });

  it('reports a Druid spec that reads a column the files do not have, or reads one with the wrong type', () => {
    const mutated = structuredClone(druid);
    const metrics = obj(obj(mutated.spec, 'spec').dataSchema, 'dataSchema').metricsSpec as Json[];
    metrics.push({ type: 'doubleSum', name: 'bytes', fieldName: 'value' }); // a raw column, not a rollup column
    metrics.push({ type: 'longSum', name: 'sum_as_long', fieldName: 'sum' }); // DOUBLE read as a long
    metrics.push({ type: 'doubleLast', name: 'latest', fieldName: 'last', timeColumn: 'last_timestamp' });
    assert.deepEqual(checkColumnRefs(druidColumnRefs(mutated), columns), [
      `metricsSpec[${metrics.length - 3}].fieldName: column 'value' is not in the base record schema`,
      `metricsSpec[${metrics.length - 2}].fieldName: column 'sum' is DOUBLE, expected int64`,
      `metricsSpec[${metrics.length - 1}].timeColumn: column 'last_timestamp' is not in the base record schema`,
    ]);
  });

  it('reports a Pinot schema that declares the nanosecond timestamps as TIMESTAMP (epoch ms)', () => {
    const mutated = structuredClone(pinotSchema);
    const fields = mutated.dateTimeFieldSpecs as Json[];
    fields[1] = {
      name: 'last_time',
      dataType: 'TIMESTAMP',
      format: '1:MILLISECONDS:TIMESTAMP',
      granularity: '1:MILLISECONDS',
    };
    const problems = checkColumnRefs(pinotColumnRefs(mutated), columns);
    assert.equal(problems.length, 1);
    assert.match(
      problems[0]!,
      /^dateTimeFieldSpecs\[1\]: column 'last_time' is TIMESTAMP WITH TIME ZONE .*NANOS.*expected timestamp-ms$/,
    );
  });

  it('turns the ingestion globs into regular expressions the way Java NIO globs match', () => {
    const re = globToRegExp('**/part-*.parquet');
    assert.match('fleet/rollup/hour/dt=2026-11-24/part-00000-c2424d5ac7c2.parquet', re);
    assert.doesNotMatch('fleet/rollup/hour/dt=2026-11-24/cuboids-00000-41d2662144b6.parquet', re);
    assert.doesNotMatch('part-00000-c2424d5ac7c2.parquet', re); // `**/` needs at least one folder
    assert.doesNotMatch('fleet/dt=2026-11-24/part-0/x.parquet', re);
  });
});

describe('Druid native batch spec (jobs/druid/rollup-hour-index-parallel.json)', () => {
  it("is an index_parallel task reading the day's part files from S3 as Parquet", () => {
    assert.equal(druid.type, 'index_parallel');
    const spec = obj(druid.spec, 'spec');
    const io = obj(spec.ioConfig, 'ioConfig');
    assert.equal(io.type, 'index_parallel');
    assert.equal(io.appendToExisting, false);
    const source = obj(io.inputSource, 'inputSource');
    assert.equal(source.type, 's3');
    assert.deepEqual(source.prefixes, [`s3://telemetry-lake/fleet/rollup/hour/dt=${date}/`]);
    assert.equal(source.uris, undefined, 'prefixes and uris are exclusive');
    assert.equal(source.objectGlob, '**/part-*.parquet');
    assert.deepEqual(io.inputFormat, { type: 'parquet', binaryAsString: false });
    const tuning = obj(spec.tuningConfig, 'tuningConfig');
    assert.equal(tuning.type, 'index_parallel');
    assert.equal(tuning.maxNumConcurrentSubTasks, 2);
    assert.ok(
      ['dynamic', 'hashed'].includes(str(obj(tuning.partitionsSpec, 'partitionsSpec').type, 'partitionsSpec.type')),
    );
  });

  it('rolls up to the hour in day segments over exactly the partition day', () => {
    const dataSchema = obj(obj(druid.spec, 'spec').dataSchema, 'dataSchema');
    assert.equal(dataSchema.dataSource, 'fleet_telemetry_hour');
    assert.deepEqual(dataSchema.timestampSpec, { column: 'hour', format: 'millis' });
    const g = obj(dataSchema.granularitySpec, 'granularitySpec');
    assert.equal(g.segmentGranularity, 'DAY');
    assert.equal(g.queryGranularity, 'HOUR');
    assert.equal(g.rollup, true);
    assert.deepEqual(g.intervals, [`${date}T00:00:00.000Z/2026-11-25T00:00:00.000Z`]);
  });

  it("has metric plus the job's dimensions, in the job's order", () => {
    assert.deepEqual(druidDimensions(druid), ['metric', ...config.raw.dimensions]);
  });

  it('re-aggregates every stored state with its merge function', () => {
    const metrics = (obj(obj(druid.spec, 'spec').dataSchema, 'dataSchema').metricsSpec as Json[]).map((m) => [
      m.name,
      m.type,
      m.fieldName,
      m.timeColumn ?? null,
    ]);
    assert.deepEqual(metrics, [
      ['count', 'longSum', 'count', null],
      ['sum', 'doubleSum', 'sum', null],
      ['min', 'doubleMin', 'min', null],
      ['max', 'doubleMax', 'max', null],
      ['last', 'doubleLast', 'last', 'last_time'],
      ['first', 'doubleFirst', 'first', 'first_time'],
      ['increase', 'doubleSum', 'increase', null],
    ]);
  });

  it('reads only columns the committed files have, with compatible types', () => {
    assert.deepEqual(checkColumnRefs(druidColumnRefs(druid), columns), []);
  });

  it("its objectGlob selects exactly the manifest's data files in a freshly committed partition (no cube files)", () => {
    const re = globToRegExp(
      str(obj(obj(obj(druid.spec, 'spec').ioConfig, 'ioConfig').inputSource, 'inputSource').objectGlob, 'objectGlob'),
    );
    const selected = partitionFiles.filter((f) => re.test(`fleet/rollup/hour/dt=${date}/${f}`));
    assert.deepEqual(selected.sort(), [...outputNames].sort());
    assert.ok(
      partitionFiles.some((f) => f.startsWith('cuboids-')) &&
        partitionFiles.some((f) => f.startsWith('star-tree-records-')),
    );
  });
});

describe('Pinot schema and OFFLINE table (jobs/pinot/)', () => {
  const names = (group: string): string[] =>
    arr(pinotSchema[group], group).map((f, i) => str(obj(f, `${group}[${i}]`).name, `${group}[${i}].name`));

  it("the schema has metric plus the job's dimensions as STRING dimensions", () => {
    assert.equal(pinotSchema.schemaName, 'fleet_telemetry_hour');
    assert.deepEqual(names('dimensionFieldSpecs'), ['metric', ...config.raw.dimensions]);
    for (const f of pinotSchema.dimensionFieldSpecs as Json[]) assert.equal(f.dataType, 'STRING', String(f.name));
  });

  it("the schema's metrics are the base record's numeric states", () => {
    assert.deepEqual(
      (pinotSchema.metricFieldSpecs as Json[]).map((f) => [f.name, f.dataType]),
      [
        ['count', 'LONG'],
        ['sum', 'DOUBLE'],
        ['min', 'DOUBLE'],
        ['max', 'DOUBLE'],
        ['last', 'DOUBLE'],
        ['first', 'DOUBLE'],
        ['increase', 'DOUBLE'],
      ],
    );
  });

  it("the schema's time columns: hour in epoch ms at hour granularity, last_time/first_time in epoch ns", () => {
    assert.deepEqual(
      (pinotSchema.dateTimeFieldSpecs as Json[]).map((f) => [f.name, f.dataType, f.format, f.granularity]),
      [
        ['hour', 'LONG', '1:MILLISECONDS:EPOCH', '1:HOURS'],
        ['last_time', 'LONG', '1:NANOSECONDS:EPOCH', '1:NANOSECONDS'],
        ['first_time', 'LONG', '1:NANOSECONDS:EPOCH', '1:NANOSECONDS'],
      ],
    );
  });

  it('the schema reads only columns the committed files have, with compatible types', () => {
    assert.deepEqual(checkColumnRefs(pinotColumnRefs(pinotSchema), columns), []);
  });

  it("the table is OFFLINE, timed by hour, one replica, and its star-tree mirrors the job's cube spec", () => {
    assert.equal(pinotTable.tableName, 'fleet_telemetry_hour');
    assert.equal(pinotTable.tableType, 'OFFLINE');
    const segments = obj(pinotTable.segmentsConfig, 'segmentsConfig');
    assert.equal(segments.schemaName, pinotSchema.schemaName);
    assert.equal(segments.timeColumnName, 'hour');
    assert.ok(names('dateTimeFieldSpecs').includes(str(segments.timeColumnName, 'timeColumnName')));
    assert.equal(Number(segments.replication), 1);
    const trees = arr(
      obj(pinotTable.tableIndexConfig, 'tableIndexConfig').starTreeIndexConfigs,
      'starTreeIndexConfigs',
    );
    assert.equal(trees.length, 1);
    const tree = obj(trees[0], 'starTreeIndexConfigs[0]');
    const cube = config.cube!;
    assert.deepEqual(tree.dimensionsSplitOrder, cube.dimensionsSplitOrder);
    assert.deepEqual(tree.skipStarNodeCreationForDimensions, cube.skipStarNodeCreationFor);
    assert.equal(tree.maxLeafRecords, cube.maxLeafRecords);
    assert.deepEqual(tree.functionColumnPairs, ['SUM__sum', 'SUM__count', 'MIN__min', 'MAX__max']);
  });

  it('every column the table config names is a schema column (star-tree dimensions are schema dimensions)', () => {
    const tree = obj(arr(obj(pinotTable.tableIndexConfig, 'tableIndexConfig').starTreeIndexConfigs, 's')[0], 'tree');
    const dims = new Set(names('dimensionFieldSpecs'));
    for (const d of arr(tree.dimensionsSplitOrder, 'dimensionsSplitOrder'))
      assert.ok(dims.has(str(d, 'dimension')), String(d));
    for (const d of arr(tree.skipStarNodeCreationForDimensions, 'skip'))
      assert.ok(dims.has(str(d, 'dimension')), String(d));
    const metrics = new Set(names('metricFieldSpecs'));
    for (const pair of arr(tree.functionColumnPairs, 'functionColumnPairs')) {
      const [fn, column] = str(pair, 'pair').split('__');
      assert.ok(['SUM', 'MIN', 'MAX'].includes(fn!), `${String(pair)}: function`);
      assert.ok(metrics.has(column!), `${String(pair)}: column`);
    }
  });
});

describe('Pinot ingestion job spec (jobs/pinot/ingestion-job-spec.yaml)', () => {
  it("creates and tar-pushes segments of the table from the day's part files with the Parquet record reader", () => {
    assert.equal(pinotJob.jobType, 'SegmentCreationAndTarPush');
    assert.equal(pinotJob.inputDirURI, `s3://telemetry-lake/fleet/rollup/hour/dt=${date}/`);
    assert.equal(pinotJob.includeFileNamePattern, 'glob:**/part-*.parquet');
    const reader = obj(pinotJob.recordReaderSpec, 'recordReaderSpec');
    assert.equal(reader.dataFormat, 'parquet');
    assert.equal(reader.className, 'org.apache.pinot.plugin.inputformat.parquet.ParquetRecordReader');
    assert.equal(reader.configClassName, 'org.apache.pinot.plugin.inputformat.parquet.ParquetRecordReaderConfig');
    assert.equal(obj(reader.configs, 'recordReaderSpec.configs').useParquetNativeRecordReader, true);
    const fs = arr(pinotJob.pinotFSSpecs, 'pinotFSSpecs').map((s, i) => obj(s, `pinotFSSpecs[${i}]`));
    assert.deepEqual(
      fs.map((s) => [s.scheme, s.className]),
      [['s3', 'org.apache.pinot.plugin.filesystem.S3PinotFS']],
    );
    for (const uri of [pinotJob.inputDirURI, pinotJob.outputDirURI])
      assert.ok(
        fs.some((s) => str(uri, 'uri').startsWith(`${String(s.scheme)}://`)),
        String(uri),
      );
  });

  it('names the schema and table defined beside it', () => {
    const table = obj(pinotJob.tableSpec, 'tableSpec');
    assert.equal(table.tableName, pinotTable.tableName);
    assert.match(
      str(table.schemaURI, 'schemaURI'),
      new RegExp(`/tables/${str(pinotSchema.schemaName, 'schemaName')}/schema$`),
    );
    assert.match(
      str(table.tableConfigURI, 'tableConfigURI'),
      new RegExp(`/tables/${str(pinotTable.tableName, 'tableName')}$`),
    );
    const controllers = arr(pinotJob.pinotClusterSpecs, 'pinotClusterSpecs').map((c, i) =>
      str(obj(c, `pinotClusterSpecs[${i}]`).controllerURI, 'controllerURI'),
    );
    assert.equal(controllers.length, 1);
    assert.ok(str(table.schemaURI, 'schemaURI').startsWith(controllers[0]!));
  });

  it("its file pattern selects exactly the manifest's data files in a freshly committed partition", () => {
    const re = globToRegExp(str(pinotJob.includeFileNamePattern, 'includeFileNamePattern').replace(/^glob:/, ''));
    const selected = partitionFiles.filter((f) => re.test(`/telemetry-lake/fleet/rollup/hour/dt=${date}/${f}`));
    assert.deepEqual(selected.sort(), [...outputNames].sort());
  });
});
