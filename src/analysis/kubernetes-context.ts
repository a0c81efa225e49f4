/**
 * Read-only Kubernetes context for an alert that names a pod (or a deployment): the pod's
 * status and restarts, its recent events, and the last log lines, redacted. Uses the official
 * client; every call has a deadline and failures become a line in the report, never a retry.
 */
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  type ConfigurationOptions,
  type CoreV1Event,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import { abortable } from '../actions/kubernetes.js';
import type { Redactor } from './redact.js';

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restarts: number;
  /** running | waiting: <reason> | terminated: <reason> */
  state: string;
  lastTermination: string | null;
}

export interface KubeEvent {
  type: string;
  reason: string;
  message: string;
  count: number;
  last: string | null;
}

export interface KubeData {
  state: 'ok';
  namespace: string;
  pod: string;
  /** How the pod was found: named by the alert, or picked among a deployment's pods. */
  via: 'pod' | 'deployment';
  deployment: { name: string; desired: number; ready: number; available: number; updated: number } | null;
  phase: string;
  node: string | null;
  containers: ContainerStatus[];
  events: KubeEvent[];
  logs: { container: string; previous: boolean; lines: string[] } | null;
  /** What could not be read (e.g. logs forbidden), while the rest could. */
  notes: string[];
}

export type KubeContext = KubeData | { state: 'failed'; error: string };

export interface KubeContextOptions {
  timeoutMs: number;
  logLines: number;
}

export class KubernetesReader {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;

  constructor(
    config: KubeConfig,
    private readonly options: KubeContextOptions,
    private readonly redactor: Redactor,
  ) {
    this.core = config.makeApiClient(CoreV1Api);
    this.apps = config.makeApiClient(AppsV1Api);
  }

  async read(labels: Record<string, string>): Promise<KubeContext> {
    const namespace = labels.namespace as string;
    try {
      const found = labels.pod ? { pod: await this.pod(namespace, labels.pod), deployment: null } : await this.viaDeployment(namespace, labels.deployment as string);
      const pod = found.pod;
      const name = pod.metadata?.name ?? '';
      const containers = containerStatuses(pod);
      const notes: string[] = [];
      const [events, logs] = await Promise.all([
        this.events(namespace, name).catch((e: unknown) => (notes.push(`events: ${explain(e)}`), [])),
        this.logs(namespace, name, pickContainer(containers, labels.container)).catch((e: unknown) => (notes.push(`logs: ${explain(e)}`), null)),
      ]);
      return { state: 'ok', namespace, pod: name, via: labels.pod ? 'pod' : 'deployment', deployment: found.deployment, phase: pod.status?.phase ?? 'Unknown', node: pod.spec?.nodeName ?? null, containers, events, logs, notes };
    } catch (error) {
      return { state: 'failed', error: explain(error) };
    }
  }

  private pod(namespace: string, name: string): Promise<V1Pod> {
    return this.core.readNamespacedPod({ namespace, name }, this.deadline());
  }

  /** The deployment's status, and its pod most worth reading: not ready, then most restarted. */
  private async viaDeployment(namespace: string, name: string): Promise<{ pod: V1Pod; deployment: KubeData['deployment'] }> {
    const d = await this.apps.readNamespacedDeployment({ namespace, name }, this.deadline());
    const selector = Object.entries(d.spec?.selector.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const pods = await this.core.listNamespacedPod({ namespace, labelSelector: selector }, this.deadline());
    const worst = [...pods.items].sort((a, b) => badness(b) - badness(a))[0];
    if (!worst) throw new Error(`deployment ${namespace}/${name} has no pods`);
    const deployment = {
      name,
      desired: d.spec?.replicas ?? 0,
      ready: d.status?.readyReplicas ?? 0,
      available: d.status?.availableReplicas ?? 0,
      updated: d.status?.updatedReplicas ?? 0,
    };
    return { pod: worst, deployment };
  }

  private async events(namespace: string, name: string): Promise<KubeEvent[]> {
    const list = await this.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` }, this.deadline());
    return list.items
      .map(toEvent)
      .sort((a, b) => (b.last ?? '').localeCompare(a.last ?? ''))
      .slice(0, 20)
      .map((e) => ({ ...e, message: this.redactor.redact(e.message) }));
  }

  /** A container that crashed is read from its previous run: the current one has barely started. */
  private async logs(namespace: string, name: string, container: ContainerStatus | undefined): Promise<KubeData['logs']> {
    if (!container || this.options.logLines === 0) return null;
    const previous = container.restarts > 0 && !container.state.startsWith('running');
    const text = await this.core.readNamespacedPodLog(
      { namespace, name, container: container.name, tailLines: this.options.logLines, previous },
      this.deadline(),
    );
    const lines = this.redactor.redact(String(text)).split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return { container: container.name, previous, lines: lines.slice(-this.options.logLines) };
  }

  private deadline(): ConfigurationOptions {
    return abortable(AbortSignal.timeout(this.options.timeoutMs));
  }
}

function containerStatuses(pod: V1Pod): ContainerStatus[] {
  return (pod.status?.containerStatuses ?? []).map((c) => {
    const s = c.state;
    const state = s?.running ? 'running' : s?.waiting ? `waiting: ${s.waiting.reason ?? 'unknown'}` : s?.terminated ? `terminated: ${s.terminated.reason ?? `exit ${s.terminated.exitCode}`}` : 'unknown';
    const t = c.lastState?.terminated;
    const lastTermination = t ? `${t.reason ?? 'terminated'} (exit code ${t.exitCode})${t.finishedAt ? ` at ${new Date(t.finishedAt).toISOString()}` : ''}` : null;
    return { name: c.name, ready: c.ready, restarts: c.restartCount, state, lastTermination };
  });
}

function pickContainer(containers: ContainerStatus[], named: string | undefined): ContainerStatus | undefined {
  return containers.find((c) => c.name === named) ?? [...containers].sort((a, b) => b.restarts - a.restarts)[0];
}

function badness(pod: V1Pod): number {
  const statuses = pod.status?.containerStatuses ?? [];
  const notReady = statuses.some((c) => !c.ready) || pod.status?.phase !== 'Running' ? 1_000_000 : 0;
  return notReady + statuses.reduce((n, c) => n + c.restartCount, 0);
}

function toEvent(e: CoreV1Event): KubeEvent {
  const last = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp;
  return {
    type: e.type ?? '',
    reason: e.reason ?? '',
    message: e.message ?? '',
    count: e.count ?? 1,
    last: last ? new Date(last).toISOString() : null,
  };
}

/** One line for the report: the API's own message for a refusal, the cause for a network error. */
function explain(error: unknown): string {
  if (error instanceof ApiException) {
    const body = typeof error.body === 'string' ? parseMessage(error.body) : null;
    return `API server answered ${error.code}${body ? `: ${body}` : ''}`;
  }
  if (error instanceof Error) {
    if (error.name === 'AbortError' || error.name === 'TimeoutError') return 'timed out';
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

function parseMessage(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : null;
  } catch {
    return body.slice(0, 200) || null;
  }
}
