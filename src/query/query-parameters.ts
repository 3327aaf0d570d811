import { recordOf } from '../config/data-record.js';
import { InvalidDateError, parsePartitionDate } from '../storage/partition-path.js';
import { unreadTextProblem } from '../ingest/value-text.js';
import type { ValuesRequest } from './list-dimension-values.js';
import { maxQueryDays, QueryError, queryAggregates, type QueryAggregate } from './run-query.js';
import { queryGrains } from './query-choices.js';

/**
 * The one parser of query and usage-pattern parameters, for the command line (`--from`, `--where`, ...) and for
 * HTTP (`?from=&where=`): the same names, the same rules, the same messages. Values arrive as strings from a
 * ParameterSource; every bad value is a QueryError naming the parameter and the value.
 */

/** Where parameter strings come from: a parsed command line, or a URL's query string. */
export interface ParameterSource {
  /** The single value of a parameter, or undefined when it is absent. */
  one(name: string): string | undefined;
  /** Every value of a repeatable parameter, in order. */
  all(name: string): readonly string[];
  /** The query or pattern they are for, as messages name it: `query`, `facts`, ... */
  readonly command: ParameterSet;
  /** How messages name a parameter and its value: `trend --days 'abc'` or `trend parameter 'days' value 'abc'`. */
  subject(name: string, value: string): string;
}

/**
 * The parameters each query or pattern accepts, by name (kebab-case: `--group-by` on the CLI, `group-by=` over HTTP).
 */
export const parameterNames = {
  query: ['metric', 'from', 'to', 'grain', 'group-by', 'where', 'where-not', 'agg'],
  facts: ['tenant', 'cluster', 'hour'],
  trend: ['cluster', 'metric', 'days', 'end'],
  diagnose: ['cluster', 'topic', 'at'],
  attribute: ['cluster', 'days', 'end'],
  values: ['dim', 'where', 'from', 'to', 'tier'],
} as const satisfies Record<string, readonly string[]>;

/** A query or usage pattern that takes parameters. */
export type ParameterSet = keyof typeof parameterNames;

/** Parameters that may be given more than once; their values merge. */
export const repeatableParameters: ReadonlySet<string> = new Set(['where', 'where-not']);

export { queryGrains } from './query-choices.js';

/** The parameters of `query`, parsed. */
export interface QueryParameters {
  readonly metric: string;
  readonly fromMs: number; // inclusive, epoch ms UTC
  readonly toMs: number; // exclusive
  readonly grain: (typeof queryGrains)[number];
  readonly groupBy: readonly string[];
  readonly where: Readonly<Record<string, readonly string[]>>; // null-prototype: dimension -> allowed values
  readonly whereNot: Readonly<Record<string, readonly string[]>>; // null-prototype: dimension -> excluded values
  readonly agg?: QueryAggregate; // default: by the metric's kind
}

/** Parses the parameters of `query`. */
export function parseQueryParameters(p: ParameterSource): QueryParameters {
  const agg = optional(p, 'agg', (v, s) => parseChoice(v, s, queryAggregates));
  return {
    metric: required(p, 'metric', nonEmpty),
    fromMs: required(p, 'from', parseInstant).getTime(),
    toMs: required(p, 'to', parseInstant).getTime(),
    grain: optional(p, 'grain', (v, s) => parseChoice(v, s, queryGrains)) ?? 'hour',
    groupBy: optional(p, 'group-by', parseNameList) ?? [],
    where: parseConditions(p, 'where'),
    whereNot: parseConditions(p, 'where-not'),
    ...(agg !== undefined ? { agg } : {}),
  };
}

/** Parses the parameters of `facts`: a tenant or a cluster, and an hour. */
export function parseFactsParameters(p: ParameterSource): {
  readonly tenant?: string;
  readonly cluster?: string;
  readonly hour: Date;
} {
  return {
    ...present('tenant', optional(p, 'tenant', dimensionValue)),
    ...present('cluster', optional(p, 'cluster', dimensionValue)),
    hour: required(p, 'hour', parseInstant),
  };
}

/** Parses the parameters of `trend`; `now` is the default end; no metric means the job's `patterns.load`. */
export function parseTrendParameters(
  p: ParameterSource,
  now: Date,
): { readonly cluster: string; readonly metric?: string; readonly days: number; readonly end: Date } {
  return {
    cluster: required(p, 'cluster', dimensionValue),
    ...present('metric', optional(p, 'metric', nonEmpty)),
    days: optional(p, 'days', parseDays) ?? 7,
    end: optional(p, 'end', parseInstant) ?? now,
  };
}

/** Parses the parameters of `diagnose`: a cluster or a topic, and an hour. */
export function parseDiagnoseParameters(p: ParameterSource): {
  readonly cluster?: string;
  readonly topic?: string;
  readonly at: Date;
} {
  return {
    ...present('cluster', optional(p, 'cluster', dimensionValue)),
    ...present('topic', optional(p, 'topic', dimensionValue)),
    at: required(p, 'at', parseInstant),
  };
}

/** Parses the parameters of `values`: a dimension, filters, an optional range of partition dates and a tier. */
export function parseValuesParameters(p: ParameterSource): ValuesRequest {
  const from = optional(p, 'from', parseDay);
  const to = optional(p, 'to', parseDay);
  if (from !== undefined && to !== undefined && to < from)
    throw new QueryError(`${p.subject('from', from)} is after ${p.subject('to', to)}: the range is empty`);
  return {
    dim: required(p, 'dim', nonEmpty),
    where: parseConditions(p, 'where'),
    range: {
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
    },
    grain: optional(p, 'tier', (v, subject) => parseChoice(v, subject, queryGrains)) ?? 'hour',
  };
}

/** A partition date (YYYY-MM-DD, a calendar day partitions can have), named by its parameter when it is not one. */
function parseDay(value: string, subject: string): string {
  try {
    return parsePartitionDate(nonEmpty(value, subject));
  } catch (e) {
    if (e instanceof InvalidDateError) throw new QueryError(`${subject} is not a day: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Parses the parameters of `attribute`; `now` is the default end. */
export function parseAttributeParameters(
  p: ParameterSource,
  now: Date,
): { readonly cluster: string; readonly days: number; readonly end: Date } {
  return {
    cluster: required(p, 'cluster', dimensionValue),
    days: optional(p, 'days', parseDays) ?? 7,
    end: optional(p, 'end', parseInstant) ?? now,
  };
}

const instantPattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2})))?$/;

/**
 * An instant: a UTC date (`2026-11-24`, its midnight) or an ISO-8601 date and time with an explicit zone
 * (`2026-11-24T13:00Z`, `2026-11-24T13:00:00.5+01:00`). Local times without a zone (`2026-11-24 13:00`,
 * `2026-11-24T13:00`) and impossible dates (`2026-02-30`, hour 24) are refused.
 */
export function parseInstant(value: string, subject: string): Date {
  const m = instantPattern.exec(value);
  const n = (i: number): number => Number(m?.[i] ?? 0);
  const valid =
    m !== null &&
    n(2) >= 1 &&
    n(2) <= 12 &&
    n(3) >= 1 &&
    n(3) <= new Date(Date.UTC(n(1), n(2), 0)).getUTCDate() &&
    n(4) <= 23 &&
    n(5) <= 59 &&
    n(6) <= 59 &&
    n(10) <= 23 &&
    n(11) <= 59;
  // times are whole milliseconds (hour starts too): a finer fraction would be cut, and the range read the wrong hours
  if (valid && /[1-9]/.test((m[7] ?? '').slice(3)))
    throw new QueryError(
      `${subject} is finer than a millisecond: use at most three fraction digits (2026-11-24T13:00:00.001Z)`,
    );
  if (!valid)
    throw new QueryError(
      `${subject} is not an instant in a form read here: use a UTC date (2026-11-24) or a date and time with its zone ` +
        `(2026-11-24T13:00:00Z)`,
    );
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const offsetMinutes = m[9] === undefined ? 0 : (m[9] === '-' ? -1 : 1) * (n(10) * 60 + n(11));
  const date = new Date(0);
  date.setUTCFullYear(n(1), n(2) - 1, n(3)); // years 0-99 stay themselves (Date.UTC would map them to 19xx)
  date.setUTCHours(n(4), n(5), n(6), millis);
  return new Date(date.getTime() - offsetMinutes * 60_000);
}

/** A positive integer written in decimal digits (`7`, not `7.0`, `1e3` or `0x7`). */
export function parsePositiveInteger(value: string, subject: string): number {
  const n = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1)) throw new QueryError(`${subject} is not a positive integer`);
  return n;
}

/** A count of days a pattern looks back: a positive integer, at most the longest range a query reads. */
function parseDays(value: string, subject: string): number {
  const n = parsePositiveInteger(value, subject);
  if (n > maxQueryDays) throw new QueryError(`${subject} is more than ${maxQueryDays} days, the longest range read`);
  return n;
}

/** One of `choices`. */
export function parseChoice<T extends string>(value: string, subject: string, choices: readonly T[]): T {
  const found = choices.find((c) => c === value);
  if (found === undefined) throw new QueryError(`${subject} is not one of ${choices.join(', ')}`);
  return found;
}

/** Comma-separated names (`broker,topic`; empty: none); empty names between commas are refused. */
function parseNameList(value: string, subject: string): string[] {
  if (value === '') return [];
  const names = value.split(',');
  if (names.some((d) => d.length === 0)) throw new QueryError(`${subject} is not a comma-separated list of dimensions`);
  return names;
}

/**
 * `d=v1,v2` conditions of a repeatable parameter, merged by dimension into a null-prototype record. In a value `\,` is
 * a comma of the value and `\\` a backslash; any other backslash is itself.
 */
function parseConditions(p: ParameterSource, name: string): Record<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of p.all(name)) {
    const eq = c.indexOf('=');
    if (eq <= 0) throw new QueryError(`${p.subject(name, c)} is not of the form dimension=value[,value...]`);
    const dim = c.slice(0, eq);
    const values = splitValues(c.slice(eq + 1)).map((v) => dimensionValue(v, p.subject(name, c)));
    out.set(dim, [...(out.get(dim) ?? []), ...values]);
  }
  return recordOf(out);
}

/** The values of a condition: split at each comma not escaped by a backslash, the escapes resolved. */
function splitValues(list: string): string[] {
  const values: string[] = [];
  let value = '';
  for (let i = 0; i < list.length; i++) {
    const ch = list[i]!;
    const next = list[i + 1];
    if (ch === '\\' && (next === ',' || next === '\\')) {
      value += next;
      i++;
    } else if (ch === ',') {
      values.push(value);
      value = '';
    } else value += ch;
  }
  values.push(value);
  return values;
}

/**
 * A dimension's value as given: '' too, a value raw data may hold (`query --where cluster=` reads it); refused when no
 * raw value is ever read as it (a value spelled with the `hex:` marker of another form: `unreadTextProblem`).
 */
function dimensionValue(value: string, subject: string): string {
  const unread = unreadTextProblem(value);
  if (unread) throw new QueryError(`${subject}: no raw value is ever read as '${value}': it ${unread}`);
  return value;
}

function nonEmpty(value: string, subject: string): string {
  if (value.length === 0) throw new QueryError(`${subject} is empty`);
  return value;
}

function optional<T>(p: ParameterSource, name: string, parse: (value: string, subject: string) => T): T | undefined {
  const v = p.one(name);
  return v === undefined ? undefined : parse(v, p.subject(name, v));
}

function required<T>(p: ParameterSource, name: string, parse: (value: string, subject: string) => T): T {
  const v = p.one(name);
  if (v === undefined) throw new QueryError(`${p.command} parameter '${name}' is required`);
  return parse(v, p.subject(name, v));
}

function present<K extends string>(key: K, value: string | undefined): { [k in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [k in K]?: string };
}

/**
 * Parameters from a URL's query string: refuses names `set` does not take (listing those it does) and repeats of
 * single-valued ones.
 */
export function urlParameterSource(params: URLSearchParams, set: ParameterSet): ParameterSource {
  const valid: readonly string[] = parameterNames[set];
  for (const name of new Set(params.keys())) {
    if (!valid.includes(name))
      throw new QueryError(`${set} parameter '${name}' is not known here; valid parameters: ${valid.join(', ')}`);
    if (!repeatableParameters.has(name) && params.getAll(name).length > 1)
      throw new QueryError(`${set} parameter '${name}' is given ${params.getAll(name).length} times; give it once`);
  }
  return {
    command: set,
    one: (name) => params.get(name) ?? undefined,
    all: (name) => params.getAll(name),
    subject: (name, value) => `${set} parameter '${name}' value '${value}'`,
  };
}

/**
 * Parameters from a command line parsed by commander (options as strings, repeatable ones as arrays; camelCase keys).
 */
export function cliParameterSource(command: ParameterSet, options: Readonly<Record<string, unknown>>): ParameterSource {
  const get = (name: string): unknown => {
    const key = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    return Object.hasOwn(options, key) ? options[key] : undefined;
  };
  return {
    command,
    one: (name) => {
      const v = get(name);
      return typeof v === 'string' ? v : undefined;
    },
    all: (name) => {
      const v = get(name);
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
    },
    subject: (name, value) => `${command} --${name} '${value}'`,
  };
}
