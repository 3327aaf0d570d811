import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as v from 'valibot';
import { buildJobMetrics, jobMetricNames } from '../../src/cli/job-metrics.js';
import { rejectReasons } from '../../src/ingest/reject-reason.js';
import type { RollupResult } from '../../src/rollup/rollup-result.js';
import { loadManifests } from '../helpers/load-manifests.js';

// The PrometheusRule CRD's schema (prometheus-operator monitoring.coreos.com/v1), the fields an alerting rule uses.
const duration = v.pipe(
  v.string(),
  v.regex(/^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/),
);
const nonEmpty = v.pipe(v.string(), v.minLength(1));
const ruleSchema = v.strictObject({
  alert: v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/)),
  expr: nonEmpty,
  for: v.optional(duration),
  labels: v.optional(v.record(v.string(), v.string())),
  annotations: v.optional(v.record(v.string(), v.string())),
});
const prometheusRuleSchema = v.strictObject({
  apiVersion: v.literal('monitoring.coreos.com/v1'),
  kind: v.literal('PrometheusRule'),
  metadata: v.strictObject({ name: nonEmpty, labels: v.optional(v.record(v.string(), v.string())) }),
  spec: v.strictObject({
    groups: v.pipe(
      v.array(
        v.strictObject({
          name: nonEmpty,
          interval: v.optional(duration),
          rules: v.pipe(v.array(ruleSchema), v.minLength(1)),
        }),
      ),
      v.minLength(1),
    ),
  }),
});
type Rule = v.InferOutput<typeof ruleSchema>;

/**
 * The metrics text of a run that committed one hour partition with 20 of 1,000 rows rejected and 3 rows routed to a
 * previous day that has not read them, and its day tier.
 */
async function emitted(): Promise<string> {
  const rejected = Object.fromEntries(
    rejectReasons.map((r) => [r, r === 'null_value' ? 20 : 0]),
  ) as RollupResult['rejected'];
  const hour: RollupResult = {
    outcome: 'committed',
    date: '2026-11-24',
    grain: 'hour',
    manifestKey: 'k',
    inputs: 3,
    rowsIn: 990,
    rowsAccepted: 975,
    rowsLate: 10,
    rowsRouted: 5,
    // 3 of them in a raw object that landed after the previous day's last run
    routedNotRead: {
      date: '2026-11-23',
      previous: 'committed',
      rows: 3,
      keys: ['raw/dt=2026-11-24/hr=01/late.parquet'],
    },
    rowsOut: 40,
    rejected,
    files: 1,
    bytes: 100,
    read: { files: 3, bytes: 1000 },
    written: { files: 1, bytes: 100 },
    ms: 1000,
  };
  const report = {
    command: 'run' as const,
    startedMs: 0,
    finishedMs: 2000,
    exitCode: 0,
    failed: { hour: 0, day: 0 },
    results: [{ ...hour, dayTier: { ...hour, grain: 'day' as const } }],
  };
  return buildJobMetrics(report).metrics();
}

describe('PrometheusRule alerts (jobs/k8s/alerts.yaml)', () => {
  let rules: Rule[] = [];
  let text = '';
  before(async () => {
    const docs = (await loadManifests()).filter((m) => m.doc.kind === 'PrometheusRule');
    assert.equal(docs.length, 1);
    const parsed = v.safeParse(prometheusRuleSchema, docs[0]!.doc);
    assert.ok(parsed.success, parsed.success ? '' : v.summarize(parsed.issues));
    rules = parsed.output.spec.groups.flatMap((g) => g.rules);
    text = await emitted();
  });

  it('is a valid PrometheusRule with the five alerts: no success for 26 h, no metrics at all, rejected share above 1%, late rows not read, a halted run', () => {
    assert.deepEqual(
      rules.map((r) => [r.alert, r.labels?.severity]),
      [
        ['TelemetryRollupNoRecentSuccess', 'critical'],
        ['TelemetryRollupNoMetrics', 'critical'],
        ['TelemetryRollupRejectedRowsHigh', 'warning'],
        ['TelemetryRollupLateRowsNotRead', 'warning'],
        ['TelemetryRollupRunHalted', 'warning'],
      ],
    );
    assert.equal(rules[4]!.expr, 'max by (job) (telemetry_rollup_last_run_exit_code) == 1');
    assert.equal(rules[1]!.expr, 'absent(telemetry_rollup_last_success_timestamp_seconds{tier="hour"})');
    assert.equal(rules[1]!.for, '26h');
    assert.match(
      rules[0]!.expr,
      /^time\(\) - max by \(job\) \(telemetry_rollup_last_success_timestamp_seconds\{tier="hour"\}\) > 26 \* 3600$/,
    );
    assert.match(
      rules[2]!.expr.replace(/\s+/g, ' '),
      /^sum by \(job, command\) \(telemetry_rollup_last_run_rejected_rows\{tier="hour"\}\) \/ sum by \(job, command\) \(telemetry_rollup_last_run_rows\{tier="hour", kind=~"in\|late"\}\) > 0\.01$/,
    );
    assert.equal(rules[3]!.expr, 'max by (job, date) (telemetry_rollup_routed_rows_not_read) > 0');
    assert.equal(rules[3]!.for, '4h');
    for (const r of rules) assert.ok(r.annotations?.summary && r.annotations.description, r.alert);
    const bad = v.safeParse(prometheusRuleSchema, {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'x' },
      spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up', for: '26 hours' }] }] },
    });
    assert.equal(bad.success, false, 'the schema refuses a malformed duration (positive control)');
  });

  it('names only metrics the job emits, with label values it emits', () => {
    const names = new Set<string>(Object.values(jobMetricNames));
    for (const r of rules) {
      const selectors = [...r.expr.matchAll(/\b(telemetry_rollup_\w+)(?:\{([^}]*)\})?/g)];
      assert.ok(selectors.length > 0, r.alert);
      for (const [, name, matchers] of selectors) {
        assert.ok(names.has(name!), `${r.alert}: ${name} is not a metric the job emits`);
        assert.match(text, new RegExp(`^# TYPE ${name} gauge$`, 'm'));
        const series = text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
        for (const m of (matchers ?? '')
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x.length > 0)) {
          const [, label, op, value] = /^(\w+)\s*(=~|=)\s*"([^"]*)"$/.exec(m) ?? [];
          assert.ok(label && op && value !== undefined, `${r.alert}: matcher ${m}`);
          for (const v of op === '=~' ? value.split('|') : [value])
            assert.ok(
              series.some((l) => l.includes(`${label}="${v}"`)),
              `${r.alert}: no ${name} series with ${label}="${v}"`,
            );
        }
      }
    }
  });

  it('the rejected share the rule divides is the manifest balance: rejected / (in + late)', () => {
    const value = (name: string, labels: string): number =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${name}{${labels}} `))!
          .split(' ')
          .at(-1),
      );
    const rejected = rejectReasons.reduce((a, r) => a + value(jobMetricNames.rejected, `tier="hour",reason="${r}"`), 0);
    const share =
      rejected /
      (value(jobMetricNames.rows, 'tier="hour",kind="in"') + value(jobMetricNames.rows, 'tier="hour",kind="late"'));
    assert.equal(share, 20 / 1000);
    assert.ok(share > 0.01, 'this run would fire TelemetryRollupRejectedRowsHigh');
  });

  it('the late-rows alert fires on the rows routed to a previous day that has not read them, labelled by that day', () => {
    const lines = text.split('\n').filter((l) => l.startsWith(`${jobMetricNames.routedNotRead}{`));
    assert.deepEqual(lines, [`${jobMetricNames.routedNotRead}{date="2026-11-23"} 3`]);
  });
});
