import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { ICronJob, IJob, IJobSpec, IPodFailurePolicyRule } from 'kubernetes-models/batch/v1';
import type { IContainer, IPodSpec, IServiceAccount } from 'kubernetes-models/v1';
import { jobsDir, listJobFiles, loadManifests, type Manifest } from '../helpers/load-manifests.js';
import { validateKubernetesObject } from '../helpers/validate-kubernetes-object.js';

let manifests: Manifest[] = [];
let cron: ICronJob;
let pods: ICronJob;
let hourly: ICronJob;
let backfill: IJob;
let account: IServiceAccount;

before(async () => {
  manifests = await loadManifests();
  cron = inFile(manifests, 'k8s/cronjob.yaml') as unknown as ICronJob;
  pods = inFile(manifests, 'k8s/day-pods-cronjob.yaml') as unknown as ICronJob;
  hourly = inFile(manifests, 'k8s/hourly-cronjob.yaml') as unknown as ICronJob;
  backfill = only(manifests, 'Job') as unknown as IJob;
  account = only(manifests, 'ServiceAccount') as unknown as IServiceAccount;
});

/** The one document of a file under jobs/. */
function inFile(all: Manifest[], file: string): Record<string, unknown> {
  const found = all.filter((m) => m.file === file);
  assert.equal(found.length, 1, `exactly one document in ${file}`);
  return found[0]!.doc;
}

/** The one document of `kind` under jobs/k8s. */
function only(all: Manifest[], kind: string): Record<string, unknown> {
  const found = all.filter((m) => m.doc.kind === kind);
  assert.equal(found.length, 1, `exactly one ${kind} under jobs/k8s, found ${found.map((m) => m.file).join(', ')}`);
  return found[0]!.doc;
}

/** The Job specs of the manifests: the CronJobs' templates and the backfill Job. */
function jobSpecs(): Array<{ name: string; spec: IJobSpec }> {
  return [
    { name: 'cronjob', spec: cron.spec!.jobTemplate.spec! },
    { name: 'day-pods', spec: pods.spec!.jobTemplate.spec! },
    { name: 'hourly', spec: hourly.spec!.jobTemplate.spec! },
    { name: 'backfill', spec: backfill.spec! },
  ];
}

/** The one container of a Job's pod template. */
function container(spec: IJobSpec): IContainer {
  const containers = spec.template.spec!.containers;
  assert.equal(containers.length, 1);
  return containers[0]!;
}

/**
 * What Kubernetes does with a pod whose container `name` exited with `code`: the first podFailurePolicy rule that
 * matches decides; with none, the failure counts against the backoff limit ('Count').
 */
function actionForExit(rules: readonly IPodFailurePolicyRule[], name: string, code: number): string {
  for (const rule of rules) {
    const on = rule.onExitCodes;
    if (on === undefined || (on.containerName !== undefined && on.containerName !== name)) continue;
    const listed = on.values.includes(code);
    if (on.operator === 'In' ? listed : !listed) return rule.action;
  }
  return 'Count';
}

describe('Kubernetes manifests', () => {
  it('parse as YAML and hold a CronJob, an Indexed Job and a ServiceAccount', () => {
    assert.deepEqual(manifests.map((m) => [m.file, m.doc.kind]).sort(), [
      ['k8s/alerts.yaml', 'PrometheusRule'],
      ['k8s/backfill-indexed-job.yaml', 'Job'],
      ['k8s/cronjob.yaml', 'CronJob'],
      ['k8s/day-pods-cronjob.yaml', 'CronJob'],
      ['k8s/hourly-cronjob.yaml', 'CronJob'],
      ['k8s/serviceaccount.yaml', 'ServiceAccount'],
    ]);
  });

  it('are valid against the Kubernetes API schemas, with no unknown field', () => {
    for (const m of manifests.filter((x) => x.doc.kind !== 'PrometheusRule'))
      assert.doesNotThrow(() => validateKubernetesObject(m.doc), m.file); // a CRD: test/jobs/alerts.test.ts
  });

  it('reject a CronJob mutated to a wrong enum value, a wrong type or an unknown field', () => {
    const mutate = (edit: (spec: Record<string, unknown>) => void): unknown => {
      const copy = structuredClone(cron) as unknown as { spec: Record<string, unknown> };
      edit(copy.spec);
      return copy;
    };
    assert.throws(
      () =>
        validateKubernetesObject(
          mutate((s) => {
            s.concurrencyPolicy = 'Sometimes';
          }),
        ),
      /data\/spec\/concurrencyPolicy must be equal to one of the allowed values/,
    );
    assert.throws(
      () =>
        validateKubernetesObject(
          mutate((s) => {
            s.startingDeadlineSeconds = '1h';
          }),
        ),
      /data\/spec\/startingDeadlineSeconds must be integer/,
    );
    assert.throws(
      () =>
        validateKubernetesObject(
          mutate((s) => {
            s.concurencyPolicy = s.concurrencyPolicy;
            delete s.concurrencyPolicy;
          }),
        ),
      /CronJob 'telemetry-rollup-daily' has fields the schema does not know: spec\.concurencyPolicy$/,
    );
    assert.throws(
      () => validateKubernetesObject({ apiVersion: 'batch/v1', kind: 'Deployment' }),
      /no model registered for 'batch\/v1 Deployment'/,
    );
  });

  it('schedule the daily run for 01:30 UTC and 03:30 (the late hour folders), one run at a time, with deadlines and history limits', () => {
    const spec = cron.spec!;
    assert.equal(spec.schedule, '30 1,3 * * *');
    assert.equal(pods.spec!.schedule, '30 1,3 * * *');
    assert.equal(spec.timeZone, 'Etc/UTC');
    assert.equal(spec.concurrencyPolicy, 'Forbid');
    assert.equal(spec.startingDeadlineSeconds, 3600);
    assert.equal(spec.successfulJobsHistoryLimit, 3);
    assert.equal(spec.failedJobsHistoryLimit, 5);
    const job = spec.jobTemplate.spec!;
    assert.equal(job.backoffLimit, 4);
    assert.equal(job.activeDeadlineSeconds, 10800);
    assert.equal(job.ttlSecondsAfterFinished, 345600);
  });

  it('run the previous hour at minute 10 of every hour, incrementally, one run at a time, done within the hour', () => {
    const spec = hourly.spec!;
    assert.equal(spec.schedule, '10 * * * *');
    assert.equal(spec.timeZone, 'Etc/UTC');
    assert.equal(spec.concurrencyPolicy, 'Forbid');
    const job = spec.jobTemplate.spec!;
    // scheduled at minute 10, started within startingDeadlineSeconds, ended by activeDeadlineSeconds: every pod (a
    // retry too) starts before the next hour, so its `date -d '1 hour ago'` is the hour the run was scheduled for
    const latestEnd = 600 + (spec.startingDeadlineSeconds ?? Infinity) + (job.activeDeadlineSeconds ?? Infinity);
    assert.ok(latestEnd < 3600, `a pod may still start ${latestEnd} s after the hour began`);
    const script = container(job).command![2]!;
    assert.match(script, /AT=\$\(date -u -d '1 hour ago' \+%FT%H\)/);
    assert.match(script, /DATE=\$\{AT%T\*\}/);
    assert.match(script, /HOUR=\$\{AT#\*T\}/);
    assert.match(script, /run --date "\$DATE" --hour "\$HOUR"/);
    assert.doesNotMatch(script, /retention/);
  });

  it('split the backfill over an Indexed Job whose JOB_COMPLETIONS equals completions', () => {
    const spec = backfill.spec!;
    assert.equal(spec.completionMode, 'Indexed');
    assert.equal(spec.completions, 3);
    assert.ok(spec.parallelism !== undefined && spec.parallelism >= 1 && spec.parallelism <= spec.completions);
    assert.equal(spec.backoffLimitPerIndex, 4);
    assert.equal(spec.backoffLimit, undefined, 'backoffLimitPerIndex replaces backoffLimit');
    const env = new Map(container(spec).env!.map((e) => [e.name, e.value]));
    assert.equal(env.get('JOB_COMPLETIONS'), String(spec.completions));
    assert.match(env.get('FROM_DATE') ?? '', /^\d{4}-\d{2}-\d{2}$/);
    assert.match(env.get('TO_DATE') ?? '', /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(env.get('FROM_DATE')! <= env.get('TO_DATE')!);
    assert.equal(backfill.metadata?.generateName, 'telemetry-rollup-backfill-');
  });

  it('spread a big day over an Indexed Job of pods whose JOB_COMPLETIONS equals completions; pod 0 commits', () => {
    assert.equal(pods.spec!.suspend, true, 'enabled instead of the daily CronJob, never beside it');
    const spec = pods.spec!.jobTemplate.spec!;
    assert.equal(spec.completionMode, 'Indexed');
    assert.equal(spec.parallelism, spec.completions, 'every pod at once: they wait for each other');
    assert.equal(spec.backoffLimit, undefined, 'backoffLimitPerIndex replaces backoffLimit');
    const c = container(spec);
    const env = new Map(c.env!.map((e) => [e.name, e.value]));
    assert.equal(env.get('JOB_COMPLETIONS'), String(spec.completions));
    const script = c.command!.join(' ');
    assert.match(script, /run --date "\$DATE" --pod "\$JOB_COMPLETION_INDEX\/\$JOB_COMPLETIONS"/);
    assert.match(script, /--memory 1GiB/);
  });

  it('halt on exit 1, retry on exit 75 and on crashes, ignore node disruptions', () => {
    const halt: Record<string, string> = {
      cronjob: 'FailJob',
      'day-pods': 'FailJob', // its pods need each other: one halted index halts the day
      hourly: 'FailJob',
      backfill: 'FailIndex',
    };
    for (const { name, spec } of jobSpecs()) {
      const rules = spec.podFailurePolicy!.rules;
      const c = container(spec).name;
      assert.equal(spec.template.spec!.restartPolicy, 'Never', name);
      assert.ok(
        rules.some(
          (r) => r.action === halt[name] && r.onExitCodes?.operator === 'In' && r.onExitCodes.values.includes(1),
        ),
        name,
      );
      for (const r of rules.filter((x) => x.action === 'FailJob' || x.action === 'FailIndex')) {
        assert.ok(!(r.onExitCodes?.values ?? []).includes(75), `${name}: exit 75 must never fail without retry`);
      }
      assert.equal(actionForExit(rules, c, 1), halt[name], name);
      assert.equal(actionForExit(rules, c, 75), 'Count', name);
      assert.equal(actionForExit(rules, c, 137), 'Count', `${name}: OOMKilled is retried`);
      assert.deepEqual(
        rules.filter((r) => r.action === 'Ignore').map((r) => r.onPodConditions?.map((p) => p.type)),
        [['DisruptionTarget']],
        name,
      );
    }
  });

  it('run as non-root on a read-only root with a writable /tmp, no privileges and RuntimeDefault seccomp', () => {
    for (const { name, spec } of jobSpecs()) {
      const pod: IPodSpec = spec.template.spec!;
      const c = container(spec);
      const sc = c.securityContext!;
      assert.equal(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot, true, name);
      assert.equal(sc.readOnlyRootFilesystem, true, name);
      assert.equal(sc.allowPrivilegeEscalation, false, name);
      assert.deepEqual(sc.capabilities?.drop, ['ALL'], name);
      assert.equal(sc.capabilities?.add, undefined, name);
      assert.equal((sc.seccompProfile ?? pod.securityContext?.seccompProfile)?.type, 'RuntimeDefault', name);
      assert.ok((sc.runAsUser ?? pod.securityContext?.runAsUser ?? 0) > 0, `${name}: numeric non-root uid`);
      assert.equal(sc.privileged, undefined, name);
      const tmp = c.volumeMounts?.find((v) => v.mountPath === '/tmp');
      assert.ok(tmp, `${name}: /tmp mounted`);
      assert.ok(pod.volumes?.find((v) => v.name === tmp.name)?.emptyDir, `${name}: /tmp is an emptyDir`);
    }
  });

  it('request 2 cpus and 1Gi, limit memory to 2Gi, and run 2 worker threads (the hourly job at most 2) to match', () => {
    for (const { name, spec } of jobSpecs()) {
      const c = container(spec);
      assert.deepEqual(c.resources?.requests, { cpu: '2', memory: '1Gi' }, name);
      assert.deepEqual(c.resources?.limits, { memory: '2Gi' }, name);
      assert.deepEqual(c.command?.slice(0, 2), ['/bin/sh', '-c'], name);
      assert.match(
        c.command?.[2] ?? '',
        /node bin\/telemetry-rollup\.js run --date "\$\w+" (--pod \S+ --workers 2|--hour "\$HOUR" --max-workers 2|--workers 2)\b/,
        name,
      );
    }
  });

  it('pin images to a version tag and take credentials from the IRSA service account only', () => {
    assert.equal(account.metadata?.name, 'telemetry-rollup');
    assert.match(
      account.metadata?.annotations?.['eks.amazonaws.com/role-arn'] ?? '',
      /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/,
    );
    for (const { name, spec } of jobSpecs()) {
      const c = container(spec);
      assert.equal(c.image, 'ghcr.io/example/telemetry-rollup:0.1.0', name);
      const tag = /:([\w.-]+)$/.exec(c.image ?? '')?.[1];
      assert.ok(tag !== undefined && tag !== 'latest', `${name}: image ${c.image} needs a version tag`);
      assert.equal(spec.template.spec!.serviceAccountName, account.metadata?.name, name);
      const env = c.env ?? [];
      assert.deepEqual(
        env.filter((e) => e.valueFrom !== undefined),
        [],
        `${name}: no secretKeyRef or other valueFrom`,
      );
      assert.deepEqual(
        env.filter((e) => /ACCESS_KEY|SECRET|SESSION_TOKEN/i.test(e.name)).map((e) => e.name),
        [],
        name,
      );
      assert.equal(c.envFrom, undefined, name);
      assert.equal(env.find((e) => e.name === 'ROLLUP_STORE')?.value, 's3://telemetry-lake/fleet', name);
    }
  });
});

describe('secrets under jobs/', () => {
  const accessKeyId = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/;
  const secretName = /aws_secret_access_key/i;

  it('the patterns catch a real-looking key (positive control)', () => {
    assert.match(`key: ${'AKIA'}IOSFODNN7EXAMPLE`, accessKeyId);
    assert.match('AWS_SECRET_ACCESS_KEY=x', secretName);
  });

  it('no file holds an AWS access key id or a secret access key setting', async () => {
    const files = await listJobFiles();
    for (const expected of ['crontab', 'README.md', 'iam/rollup-policy.json', 'k8s/cronjob.yaml'])
      assert.ok(files.includes(expected), expected);
    for (const file of files) {
      const text = await readFile(join(jobsDir, file), 'utf8');
      assert.doesNotMatch(text, accessKeyId, file);
      assert.doesNotMatch(text, secretName, file);
    }
  });
});

describe('IAM policy', () => {
  interface Statement {
    readonly Sid?: string;
    readonly Effect: string;
    readonly Action: string[];
    readonly Resource: string[];
    readonly Condition?: Record<string, Record<string, string[]>>;
    readonly NotAction?: unknown;
    readonly NotResource?: unknown;
  }
  let statements: Statement[] = [];
  const withAction = (action: string): Statement[] => statements.filter((s) => s.Action.includes(action));

  before(async () => {
    const policy = JSON.parse(await readFile(join(jobsDir, 'iam/rollup-policy.json'), 'utf8')) as {
      Version: string;
      Statement: Statement[];
    };
    assert.equal(policy.Version, '2012-10-17');
    statements = policy.Statement;
  });

  it('allows only the four S3 actions the job uses, by name, no wildcard and no Not* element', () => {
    for (const s of statements) {
      assert.equal(s.Effect, 'Allow');
      assert.equal(s.NotAction, undefined);
      assert.equal(s.NotResource, undefined);
      for (const a of s.Action) assert.match(a, /^s3:[A-Za-z]+$/, `action ${a} must be named, not a wildcard`);
    }
    assert.deepEqual(statements.flatMap((s) => s.Action).sort(), [
      's3:DeleteObject',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
  });

  it('writes and deletes under fleet/rollup/ only, reads raw and rollup, lists only those prefixes', () => {
    for (const action of ['s3:PutObject', 's3:DeleteObject']) {
      const resources = withAction(action).flatMap((s) => s.Resource);
      assert.ok(resources.length > 0);
      for (const r of resources) assert.ok(r.endsWith('/rollup/*'), `${action} on ${r}`);
      assert.deepEqual(resources, ['arn:aws:s3:::telemetry-lake/fleet/rollup/*']);
    }
    assert.deepEqual(
      withAction('s3:GetObject')
        .flatMap((s) => s.Resource)
        .sort(),
      ['arn:aws:s3:::telemetry-lake/fleet/raw/*', 'arn:aws:s3:::telemetry-lake/fleet/rollup/*'],
    );
    const [list, ...more] = withAction('s3:ListBucket');
    assert.equal(more.length, 0);
    assert.deepEqual(list?.Resource, ['arn:aws:s3:::telemetry-lake']);
    assert.deepEqual(list?.Condition, { StringLike: { 's3:prefix': ['fleet/raw/*', 'fleet/rollup/*'] } });
  });

  it('names the bucket and prefix of ROLLUP_STORE in the manifests and the crontab', async () => {
    const crontab = await readFile(join(jobsDir, 'crontab'), 'utf8');
    const stores = [
      ...manifests.flatMap((m) => JSON.stringify(m.doc).match(/s3:\/\/[^"\s]+/g) ?? []),
      ...(crontab.match(/^ROLLUP_STORE=(.*)$/m)?.slice(1) ?? []),
    ];
    assert.deepEqual(stores, new Array(5).fill('s3://telemetry-lake/fleet')); // 4 manifests and the crontab
    for (const s of statements)
      for (const r of s.Resource) assert.match(r, /^arn:aws:s3:::telemetry-lake(?:\/fleet\/(?:raw|rollup)\/\*)?$/);
  });
});
