import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { ServiceAccount } from 'kubernetes-models/v1';

/** A model class of kubernetes-models: built from a plain object, `validate()` throws on a schema violation. */
type ModelClass = new (data: never) => { validate(): void };

const models: ReadonlyMap<string, ModelClass> = new Map<string, ModelClass>([
  ['batch/v1 CronJob', CronJob],
  ['batch/v1 Job', Job],
  ['v1 ServiceAccount', ServiceAccount],
]);

/** Which own keys of one object the schema validator looked at. */
interface ReadRecord {
  readonly path: string; // e.g. spec.jobTemplate.spec.template.spec.containers[0]
  readonly keys: readonly string[];
  readonly read: Set<string>;
  all: boolean; // the validator enumerated the keys (a map such as labels): every key is known
}

/**
 * Validates one Kubernetes document against the real API schema (kubernetes-models) and, as `kubectl --validate=strict`
 * does, refuses fields the schema does not know. The compiled validator reads exactly the properties its schema
 * declares, so a key it never read is unknown: a typo such as `concurencyPolicy` would otherwise pass silently.
 */
export function validateKubernetesObject(doc: unknown): void {
  if (!isPlainObject(doc)) throw new Error(`k8s document is not a mapping: ${JSON.stringify(doc)}`);
  const kind = `${String(doc.apiVersion)} ${String(doc.kind)}`;
  const Model = models.get(kind);
  if (Model === undefined)
    throw new Error(`k8s no model registered for '${kind}' (known: ${[...models.keys()].join(', ')})`);
  const model = new Model(doc as never) as unknown as Record<string, unknown> & { validate(): void };
  const records: ReadRecord[] = [];
  for (const key of Object.keys(model)) model[key] = track(model[key], key, records);
  const top: ReadRecord = { path: '', keys: Object.keys(model), read: new Set(), all: false };
  records.push(top);
  const watched = new Proxy(model, recorder(top) as ProxyHandler<typeof model>);
  watched.validate();
  const unknown = records.flatMap((r) =>
    r.all ? [] : r.keys.filter((k) => !r.read.has(k)).map((k) => (r.path === '' ? k : `${r.path}.${k}`)),
  );
  if (unknown.length > 0)
    throw new Error(`k8s ${kind} '${name(doc)}' has fields the schema does not know: ${unknown.join(', ')}`);
}

/** Replaces every nested plain object by a proxy that records which keys are read. */
function track(value: unknown, path: string, records: ReadRecord[]): unknown {
  if (Array.isArray(value)) return value.map((v, i) => track(v, `${path}[${i}]`, records));
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) copy[k] = track(v, `${path}.${k}`, records);
  const record: ReadRecord = { path, keys: Object.keys(copy), read: new Set(), all: false };
  records.push(record);
  return new Proxy(copy, recorder(record));
}

/** Proxy traps that note property reads and key enumeration into `record`. */
function recorder(record: ReadRecord): ProxyHandler<Record<string, unknown>> {
  return {
    get(target, key, receiver) {
      if (typeof key === 'string') record.read.add(key);
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === 'string') record.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      record.all = true;
      return Reflect.ownKeys(target);
    },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function name(doc: Record<string, unknown>): string {
  const metadata = isPlainObject(doc.metadata) ? doc.metadata : {};
  return String(metadata.name ?? metadata.generateName ?? '?');
}
