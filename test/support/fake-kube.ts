/**
 * A small Kubernetes API server for tests, speaking the real scale-subresource protocol so the
 * scale kind is driven through the real @kubernetes/client-node: autoscaling/v1 Scale bodies,
 * resourceVersion bumped on every write and 409 on a stale one, `dryRun=All`, Status bodies for
 * errors, bearer-token auth, and the autoscaling/v2 HPA list. It records every request.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type FakeWorkloadKind = 'Deployment' | 'StatefulSet' | 'ReplicaSet';

export interface FakeWorkload {
  kind: FakeWorkloadKind;
  namespace: string;
  name: string;
}

export interface FakeHpa {
  namespace: string;
  name: string;
  target: { kind: FakeWorkloadKind; name: string };
  minReplicas?: number;
  maxReplicas?: number;
}

/** A pod as the read-only analysis sees it (GET pod, list by labels, log, events). */
export interface FakePod {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  node?: string;
  phase?: string;
  containers: { name: string; ready: boolean; restarts: number; waiting?: string; lastTerminated?: { reason: string; exitCode: number } }[];
}

export interface FakeEvent {
  namespace: string;
  involvedObject: string;
  type: string;
  reason: string;
  message: string;
  count?: number;
  lastTimestamp?: string;
}

export interface FakeDeployment {
  namespace: string;
  name: string;
  matchLabels: Record<string, string>;
  replicas: number;
  readyReplicas: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string | undefined;
}

/** A 403 rule: every field given must match (verb get|update|patch|list, resource like `deployments/scale`). */
export interface ForbidRule {
  verb?: string;
  resource?: string;
  namespace?: string;
  name?: string;
}

export interface FakeKube {
  url: string;
  token: string;
  /** Writes a kubeconfig whose current-context is `context` (default `fake`); it also holds a `fake-wrong-token` context. */
  /** From now on only this token is accepted, as when a service account token is rotated. */
  rotateToken(token: string): void;
  kubeconfigPath(context?: string): string;
  /** Creates the workload or changes its replicas (a write: the resourceVersion moves). */
  setReplicas(workload: FakeWorkload, replicas: number): void;
  getReplicas(workload: FakeWorkload): number | undefined;
  resourceVersion(workload: FakeWorkload): string | undefined;
  addHpa(hpa: FakeHpa): void;
  forbid(rule: ForbidRule): void;
  /** The next `count` requests (with `method`, if given) answer `status` (500 by default) with a Status body. */
  failNext(count: number, status?: number, method?: string): void;
  /** Runs `fn` just before the next write to `workload` is handled: a race with another writer. */
  beforeNextWrite(workload: FakeWorkload, fn: () => void): void;
  addPod(pod: FakePod): void;
  addEvent(event: FakeEvent): void;
  addDeployment(deployment: FakeDeployment): void;
  /** Log text of a container; `previous` is the run before the last restart. */
  setLogs(namespace: string, pod: string, container: string, text: string, previous?: boolean): void;
  requests: RecordedRequest[];
  /** Writes only (PUT/PATCH on a scale subresource), in order. */
  writes(): RecordedRequest[];
  close(): Promise<void>;
}

const RESOURCE_KINDS: Record<string, FakeWorkloadKind> = {
  deployments: 'Deployment',
  statefulsets: 'StatefulSet',
  replicasets: 'ReplicaSet',
};

const POD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/;
const POD_LOG_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/;
const PODS_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/;
const EVENTS_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/events$/;
const DEPLOYMENT_PATH = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)$/;

/** A body the fake answers as text/plain (pod logs). */
class TextBody {
  constructor(readonly text: string) {}
}

const SCALE_PATH = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(deployments|statefulsets|replicasets)\/([^/]+)\/scale$/;
const HPA_PATH = /^\/apis\/autoscaling\/v2\/namespaces\/([^/]+)\/horizontalpodautoscalers$/;

interface Stored {
  replicas: number;
  resourceVersion: string;
  uid: string;
  created: string;
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startFakeKube(): Promise<FakeKube> {
  const state = new FakeState();
  const server = createServer((req, res) => {
    void state.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'fake-kube-'));
  return {
    url,
    token: state.token,
    kubeconfigPath: (context = 'fake') => writeKubeconfig(dir, url, state.token, context),
    rotateToken: (token) => {
      state.token = token;
    },
    setReplicas: (w, replicas) => state.write(w, replicas),
    getReplicas: (w) => state.workloads.get(key(w))?.replicas,
    resourceVersion: (w) => state.workloads.get(key(w))?.resourceVersion,
    addHpa: (hpa) => void state.hpas.push(hpa),
    forbid: (rule) => void state.forbidden.push(rule),
    failNext(count, status = 500, method) {
      state.failures.push(...Array.from({ length: count }, () => ({ status, method })));
    },
    beforeNextWrite: (w, fn) => void state.races.set(key(w), fn),
    addPod: (pod) => void state.pods.set(`${pod.namespace}/${pod.name}`, pod),
    addEvent: (event) => void state.events.push(event),
    addDeployment: (d) => void state.deployments.set(`${d.namespace}/${d.name}`, d),
    setLogs: (namespace, pod, container, text, previous = false) => void state.logs.set(`${namespace}/${pod}/${container}/${previous}`, text),
    requests: state.requests,
    writes: () => state.requests.filter((r) => r.method === 'PUT' || r.method === 'PATCH'),
    async close() {
      // The client opens a keep-alive agent per request; without this close() would wait for them.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function key(w: FakeWorkload): string {
  return `${w.kind}/${w.namespace}/${w.name}`;
}

function writeKubeconfig(dir: string, url: string, token: string, context: string): string {
  const path = join(dir, `kubeconfig-${context.replace(/[^a-zA-Z0-9-]/g, '_')}.yaml`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    // The client refuses plain http unless TLS verification is explicitly off.
    clusters: [{ name: 'fake-cluster', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [
      { name: 'fake-user', user: { token } },
      { name: 'wrong-user', user: { token: 'not-the-token' } },
    ],
    contexts: [
      { name: context, context: { cluster: 'fake-cluster', user: 'fake-user', namespace: 'default' } },
      { name: 'fake-wrong-token', context: { cluster: 'fake-cluster', user: 'wrong-user' } },
    ],
    'current-context': context,
  };
  // JSON is YAML, and keeps this file free of a YAML writer.
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

class FakeState {
  token = `fake-token-${Math.random().toString(36).slice(2)}`;
  readonly workloads = new Map<string, Stored>();
  readonly hpas: FakeHpa[] = [];
  readonly forbidden: ForbidRule[] = [];
  readonly failures: { status: number; method: string | undefined }[] = [];
  readonly races = new Map<string, () => void>();
  readonly requests: RecordedRequest[] = [];
  readonly pods = new Map<string, FakePod>();
  readonly events: FakeEvent[] = [];
  readonly deployments = new Map<string, FakeDeployment>();
  readonly logs = new Map<string, string>();
  // One counter for every object, like etcd's revision.
  private revision = 1000;

  write(w: FakeWorkload, replicas: number): void {
    const existing = this.workloads.get(key(w));
    this.revision += 1;
    this.workloads.set(key(w), {
      replicas,
      resourceVersion: String(this.revision),
      uid: existing?.uid ?? `uid-${this.revision}`,
      created: existing?.created ?? new Date().toISOString(),
    });
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const text = await readBody(req);
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: text ? parseJson(text) : null,
      authorization: req.headers.authorization,
    };
    this.requests.push(record);
    try {
      const body = this.route(record, req.headers['content-type']);
      if (body instanceof TextBody) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(body.text);
        return;
      }
      send(res, 200, body);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      send(res, err.code, statusBody(err));
    }
  }

  private route(r: RecordedRequest, contentType: string | undefined): unknown {
    if (r.authorization !== `Bearer ${this.token}`) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
    this.injectFailure(r.method);
    const scale = SCALE_PATH.exec(r.path);
    if (scale) return this.scaleRoute(r, scale, contentType);
    const hpa = HPA_PATH.exec(r.path);
    if (hpa && r.method === 'GET') return this.listHpas(decodeURIComponent(hpa[1] ?? ''));
    if (r.method === 'GET') {
      const read = this.readOnlyRoute(r);
      if (read !== undefined) return read;
    }
    throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
  }

  /** The reads of the analysis: pods, their logs and events, deployments. */
  private readOnlyRoute(r: RecordedRequest): unknown {
    const part = (m: RegExpExecArray, i: number) => decodeURIComponent(m[i] ?? '');
    let m = POD_LOG_PATH.exec(r.path);
    if (m) {
      this.authorize('get', 'pods/log', { namespace: part(m, 1), name: part(m, 2) });
      const text = this.logs.get(`${part(m, 1)}/${part(m, 2)}/${r.query.container ?? ''}/${r.query.previous === 'true'}`);
      if (text === undefined) throw new HttpError(400, 'BadRequest', `previous terminated container "${r.query.container}" in pod "${part(m, 2)}" not found`);
      const tail = Number(r.query.tailLines ?? 0);
      const lines = text.split('\n');
      return new TextBody(tail > 0 ? lines.slice(-tail).join('\n') : text);
    }
    m = POD_PATH.exec(r.path);
    if (m) {
      this.authorize('get', 'pods', { namespace: part(m, 1), name: part(m, 2) });
      const pod = this.pods.get(`${part(m, 1)}/${part(m, 2)}`);
      if (!pod) throw new HttpError(404, 'NotFound', `pods "${part(m, 2)}" not found`);
      return podBody(pod);
    }
    m = PODS_PATH.exec(r.path);
    if (m) {
      const namespace = part(m, 1);
      this.authorize('list', 'pods', { namespace });
      const selector = Object.fromEntries((r.query.labelSelector ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
      const items = [...this.pods.values()].filter((p) => p.namespace === namespace && Object.entries(selector).every(([k, v]) => p.labels?.[k] === v));
      return { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: items.map(podBody) };
    }
    m = EVENTS_PATH.exec(r.path);
    if (m) {
      const namespace = part(m, 1);
      this.authorize('list', 'events', { namespace });
      const name = /involvedObject\.name=([^,]+)/.exec(r.query.fieldSelector ?? '')?.[1];
      const items = this.events.filter((e) => e.namespace === namespace && (!name || e.involvedObject === name));
      return { kind: 'EventList', apiVersion: 'v1', metadata: {}, items: items.map(eventBody) };
    }
    m = DEPLOYMENT_PATH.exec(r.path);
    if (m) {
      this.authorize('get', 'deployments', { namespace: part(m, 1), name: part(m, 2) });
      const d = this.deployments.get(`${part(m, 1)}/${part(m, 2)}`);
      if (!d) throw new HttpError(404, 'NotFound', `deployments.apps "${part(m, 2)}" not found`);
      return deploymentBody(d);
    }
    return undefined;
  }

  private injectFailure(method: string): void {
    const index = this.failures.findIndex((f) => f.method === undefined || f.method === method);
    if (index < 0) return;
    const [{ status } = { status: 500 }] = this.failures.splice(index, 1);
    throw new HttpError(status, status >= 500 ? 'InternalError' : 'BadRequest', `injected failure ${status}`);
  }

  private scaleRoute(r: RecordedRequest, match: RegExpExecArray, contentType: string | undefined): unknown {
    const [, namespace = '', resource = '', name = ''] = match.map((part) => decodeURIComponent(part));
    const w: FakeWorkload = { kind: RESOURCE_KINDS[resource] ?? 'Deployment', namespace, name };
    const verb = r.method === 'GET' ? 'get' : r.method === 'PUT' ? 'update' : r.method === 'PATCH' ? 'patch' : '';
    if (!verb) throw new HttpError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    this.authorize(verb, `${resource}/scale`, w);
    const stored = this.workloads.get(key(w));
    if (!stored) throw new HttpError(404, 'NotFound', `${resource}.apps "${name}" not found`);
    if (verb === 'get') return scaleBody(w, stored);
    return this.writeScale(r, w, resource, verb, contentType);
  }

  private authorize(verb: string, resource: string, w: { namespace: string; name?: string }): void {
    const denied = this.forbidden.some(
      (rule) =>
        (rule.verb === undefined || rule.verb === verb) &&
        (rule.resource === undefined || rule.resource === resource) &&
        (rule.namespace === undefined || rule.namespace === w.namespace) &&
        (rule.name === undefined || rule.name === w.name),
    );
    if (!denied) return;
    const [plural = resource, sub] = resource.split('/');
    const group = plural === 'horizontalpodautoscalers' ? 'autoscaling' : 'apps';
    throw new HttpError(
      403,
      'Forbidden',
      `${plural}.${group}${w.name ? ` "${w.name}"` : ''} is forbidden: User "system:serviceaccount:alertwire:alertwire" cannot ${verb} resource "${plural}"${sub ? ` subresource "${sub}"` : ''} in API group "${group}" in the namespace "${w.namespace}"`,
    );
  }

  private writeScale(r: RecordedRequest, w: FakeWorkload, resource: string, verb: string, contentType: string | undefined): unknown {
    this.runRace(w);
    const dryRun = r.query.dryRun;
    if (dryRun !== undefined && dryRun !== 'All') throw new HttpError(400, 'BadRequest', `Invalid dry run value: ${dryRun}`);
    const stored = this.workloads.get(key(w)) as Stored;
    const replicas = verb === 'update' ? this.validatePut(r.body, w, stored, resource) : this.validatePatch(r.body, contentType);
    if (dryRun === 'All') return scaleBody(w, { ...stored, replicas });
    if (replicas !== stored.replicas) this.write(w, replicas);
    return scaleBody(w, this.workloads.get(key(w)) as Stored);
  }

  private runRace(w: FakeWorkload): void {
    const race = this.races.get(key(w));
    this.races.delete(key(w));
    race?.();
  }

  private validatePut(body: unknown, w: FakeWorkload, stored: Stored, resource: string): number {
    const scale = body as { kind?: unknown; metadata?: { name?: unknown; resourceVersion?: unknown }; spec?: { replicas?: unknown } } | null;
    if (!scale || scale.kind !== 'Scale') throw new HttpError(400, 'BadRequest', 'the body must be an autoscaling/v1 Scale');
    if (scale.metadata?.name !== w.name) throw new HttpError(400, 'BadRequest', `the name of the object (${String(scale.metadata?.name)}) does not match the name on the URL (${w.name})`);
    const rv = scale.metadata.resourceVersion;
    if (rv !== undefined && rv !== stored.resourceVersion) {
      throw new HttpError(409, 'Conflict', `Operation cannot be fulfilled on ${resource}.apps "${w.name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    return validReplicas(scale.spec?.replicas ?? 0);
  }

  private validatePatch(body: unknown, contentType: string | undefined): number {
    if (!contentType?.startsWith('application/merge-patch+json')) throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json`);
    const patch = body as { spec?: { replicas?: unknown } } | null;
    return validReplicas(patch?.spec?.replicas);
  }

  private listHpas(namespace: string): unknown {
    this.authorize('list', 'horizontalpodautoscalers', { namespace });
    return {
      kind: 'HorizontalPodAutoscalerList',
      apiVersion: 'autoscaling/v2',
      metadata: { resourceVersion: String(this.revision) },
      items: this.hpas.filter((h) => h.namespace === namespace).map(hpaBody),
    };
  }
}

function podBody(p: FakePod): unknown {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: p.name, namespace: p.namespace, labels: p.labels ?? {} },
    spec: { nodeName: p.node, containers: p.containers.map((c) => ({ name: c.name, image: `${c.name}:latest` })) },
    status: {
      phase: p.phase ?? 'Running',
      containerStatuses: p.containers.map((c) => ({
        name: c.name,
        ready: c.ready,
        restartCount: c.restarts,
        image: `${c.name}:latest`,
        imageID: '',
        state: c.waiting ? { waiting: { reason: c.waiting } } : { running: { startedAt: '2024-01-01T00:00:00Z' } },
        lastState: c.lastTerminated ? { terminated: { ...c.lastTerminated, finishedAt: '2024-01-01T00:00:00Z' } } : {},
      })),
    },
  };
}

function eventBody(e: FakeEvent): unknown {
  return {
    metadata: { name: `${e.involvedObject}.${e.reason}`, namespace: e.namespace },
    involvedObject: { kind: 'Pod', name: e.involvedObject, namespace: e.namespace },
    type: e.type,
    reason: e.reason,
    message: e.message,
    count: e.count ?? 1,
    lastTimestamp: e.lastTimestamp ?? '2024-01-01T00:00:00Z',
  };
}

function deploymentBody(d: FakeDeployment): unknown {
  return {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name: d.name, namespace: d.namespace },
    spec: { replicas: d.replicas, selector: { matchLabels: d.matchLabels }, template: { metadata: { labels: d.matchLabels }, spec: { containers: [] } } },
    status: { replicas: d.replicas, readyReplicas: d.readyReplicas, availableReplicas: d.readyReplicas, updatedReplicas: d.replicas },
  };
}

function validReplicas(replicas: unknown): number {
  if (typeof replicas === 'number' && Number.isInteger(replicas) && replicas >= 0) return replicas;
  throw new HttpError(422, 'Invalid', `Scale.autoscaling "x" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
}

function scaleBody(w: FakeWorkload, s: Stored): unknown {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: w.name, namespace: w.namespace, uid: s.uid, resourceVersion: s.resourceVersion, creationTimestamp: s.created },
    // Like the real API server: replicas is omitempty, so 0 replicas is an empty spec.
    spec: s.replicas === 0 ? {} : { replicas: s.replicas },
    status: { replicas: s.replicas, selector: `app=${w.name}` },
  };
}

function hpaBody(h: FakeHpa): unknown {
  return {
    metadata: { name: h.name, namespace: h.namespace },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: h.target.kind, name: h.target.name },
      minReplicas: h.minReplicas ?? 1,
      maxReplicas: h.maxReplicas ?? 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    },
    status: { currentReplicas: 1, desiredReplicas: 1 },
  };
}

function statusBody(err: HttpError): unknown {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: err.message, reason: err.reason, code: err.code };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
