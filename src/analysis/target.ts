/**
 * Where an alert fires, read from its labels: the keys that name a target, and the workload a
 * pod belongs to (a Deployment's pod `api-5d8c7b9f6d-x2x7k` belongs to `api`), so a pod alert
 * and a service alert about the same workload are seen together.
 */
export const TARGET_KEYS = [
  'cluster',
  'namespace',
  'instance',
  'job',
  'node',
  'pod',
  'container',
  'service',
  'deployment',
  'statefulset',
  'daemonset',
  'job_name',
  'persistentvolumeclaim',
  'mountpoint',
  'device',
] as const;

/**
 * Keys that say two alerts concern the same thing. `cluster` is left out (everything shares
 * it); `namespace` and `job` count, as the first analysis did, but weigh less.
 */
export const RELATING_KEYS = ['instance', 'host', 'node', 'pod', 'workload', 'service', 'persistentvolumeclaim', 'namespace', 'job'] as const;
export type RelatingKey = (typeof RELATING_KEYS)[number];

export const WEAK_KEYS: ReadonlySet<string> = new Set(['namespace', 'job']);

/** `where` as the report lists it: the target labels the alert has, in a fixed order. */
export function targetOf(labels: Record<string, string>): { key: string; value: string }[] {
  return TARGET_KEYS.filter((k) => labels[k]).map((k) => ({ key: k, value: labels[k] as string }));
}

const DEPLOYMENT_POD = /^(.+)-[a-z0-9]{8,10}-[a-z0-9]{5}$/;
const STATEFUL_POD = /^(.+)-\d+$/;
const DAEMON_POD = /^(.+)-[a-z0-9]{5}$/;

/** The workload a pod name most likely belongs to; the explicit label wins. */
export function workloadOf(labels: Record<string, string>): string | undefined {
  const explicit = labels.deployment ?? labels.statefulset ?? labels.daemonset ?? labels.job_name;
  if (explicit) return explicit;
  const pod = labels.pod;
  if (!pod) return undefined;
  return DEPLOYMENT_POD.exec(pod)?.[1] ?? STATEFUL_POD.exec(pod)?.[1] ?? DAEMON_POD.exec(pod)?.[1];
}

/** The instance without its port, so node-exporter (:9100) and kubelet (:10250) targets meet. */
export function hostOf(labels: Record<string, string>): string | undefined {
  const instance = labels.instance;
  if (!instance) return labels.node;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(instance);
  if (bracketed) return bracketed[1];
  return instance.replace(/:\d+$/, '');
}

/** The relating keys of an alert with their values, derived ones included. */
export function relatingValues(labels: Record<string, string>): Map<RelatingKey, string> {
  const out = new Map<RelatingKey, string>();
  for (const key of RELATING_KEYS) {
    const value = key === 'workload' ? workloadOf(labels) : key === 'host' ? hostOf(labels) : labels[key];
    if (value) out.set(key, key === 'workload' && labels.namespace ? `${labels.namespace}/${value}` : value);
  }
  // A node's name and the host part of its exporter's instance are the same machine.
  if (labels.node && !out.has('host')) out.set('host', labels.node);
  return out;
}
