/**
 * Kubernetes access for the scale kind: building the client from a kubeconfig (path + context)
 * or the pod's service account, the three API calls the kind needs, and what an API error means
 * for the execution record.
 */
import {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  KubeConfig,
  Observable,
  type ConfigurationOptions,
  type ObservableMiddleware,
  type V1Scale,
} from '@kubernetes/client-node';
import type { ActionDeps } from './action.js';
import type { HpaTarget, WorkloadKind, WorkloadRef } from './scale-decision.js';

export type KubernetesAccess = ActionDeps['kubernetes'];

/**
 * In-cluster: the mounted service account (token re-read by the client as it rotates).
 * Otherwise the kubeconfig file, or the client's default lookup ($KUBECONFIG, ~/.kube/config)
 * when no path is configured; a named context must exist, because silently falling back to
 * `current-context` could scale the same name in another cluster.
 */
export function loadKubeConfig(access: KubernetesAccess): KubeConfig {
  const config = new KubeConfig();
  if (access.inCluster) {
    // Outside a pod the client would build https://undefined:undefined and fail on each call.
    if (!process.env.KUBERNETES_SERVICE_HOST) {
      throw new Error('in-cluster access needs a pod (KUBERNETES_SERVICE_HOST is not set); set actions.kubeconfig instead');
    }
    config.loadFromCluster();
    return config;
  }
  if (access.kubeconfig) config.loadFromFile(access.kubeconfig);
  else config.loadFromDefault();
  if (access.context) {
    if (!config.getContextObject(access.context)) {
      throw new Error(`context "${access.context}" is not in the kubeconfig${access.kubeconfig ? ` ${access.kubeconfig}` : ''}`);
    }
    config.setCurrentContext(access.context);
  }
  if (!config.getCurrentCluster()) throw new Error('the kubeconfig has no cluster for its current context');
  return config;
}

/** A call's value, or what its failure means (see classifyKubeError). */
export type KubeResult<T> = { ok: true; value: T } | { ok: false; failure: KubeFailure };

/** The calls the scale kind makes; each may be aborted through `signal` and never throws. */
export interface ScaleClient {
  readScale(workload: WorkloadRef, signal: AbortSignal): Promise<KubeResult<V1Scale>>;
  replaceScale(workload: WorkloadRef, scale: V1Scale, dryRun: boolean, signal: AbortSignal): Promise<KubeResult<V1Scale>>;
  listHpaTargets(namespace: string, signal: AbortSignal): Promise<KubeResult<HpaTarget[]>>;
}

type ScaleParams = { name: string; namespace: string };
type ReplaceParams = ScaleParams & { body: V1Scale; dryRun?: string };
type ScaleCalls = {
  read(apps: AppsV1Api, params: ScaleParams, options: ConfigurationOptions): Promise<V1Scale>;
  replace(apps: AppsV1Api, params: ReplaceParams, options: ConfigurationOptions): Promise<V1Scale>;
};

// The generated client has one method per workload kind; this table keeps the choice in one place.
const SCALE_CALLS: Record<WorkloadKind, ScaleCalls> = {
  Deployment: {
    read: (apps, p, o) => apps.readNamespacedDeploymentScale(p, o),
    replace: (apps, p, o) => apps.replaceNamespacedDeploymentScale(p, o),
  },
  StatefulSet: {
    read: (apps, p, o) => apps.readNamespacedStatefulSetScale(p, o),
    replace: (apps, p, o) => apps.replaceNamespacedStatefulSetScale(p, o),
  },
  ReplicaSet: {
    read: (apps, p, o) => apps.readNamespacedReplicaSetScale(p, o),
    replace: (apps, p, o) => apps.replaceNamespacedReplicaSetScale(p, o),
  },
};

export function createScaleClient(config: KubeConfig): ScaleClient {
  const apps = config.makeApiClient(AppsV1Api);
  const autoscaling = config.makeApiClient(AutoscalingV2Api);
  return {
    readScale: (w, signal) =>
      attempt(scaleOperation(w, 'get'), () => SCALE_CALLS[w.kind].read(apps, { name: w.name, namespace: w.namespace }, abortable(signal))),
    replaceScale: (w, body, dryRun, signal) =>
      attempt(scaleOperation(w, 'update'), () =>
        SCALE_CALLS[w.kind].replace(apps, { name: w.name, namespace: w.namespace, body, ...(dryRun ? { dryRun: 'All' } : {}) }, abortable(signal)),
      ),
    listHpaTargets: (namespace, signal) =>
      attempt({ verb: 'list', resource: 'horizontalpodautoscalers', group: 'autoscaling', namespace }, async () => {
        const list = await autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace }, abortable(signal));
        return list.items.map((hpa) => ({
          name: hpa.metadata?.name ?? '',
          targetKind: hpa.spec?.scaleTargetRef.kind ?? '',
          targetName: hpa.spec?.scaleTargetRef.name ?? '',
        }));
      }),
  };
}

async function attempt<T>(operation: KubeOperation, call: () => Promise<T>): Promise<KubeResult<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (err) {
    return { ok: false, failure: classifyKubeError(err, operation) };
  }
}

function scaleOperation(workload: WorkloadRef, verb: 'get' | 'update'): KubeOperation {
  return { verb, resource: `${workload.kind.toLowerCase()}s/scale`, group: 'apps', namespace: workload.namespace };
}

/**
 * Per-call options that hand the shutdown signal to fetch. The client has no signal parameter;
 * a middleware appended after its own (user agent) sets it on the request context.
 */
export function abortable(signal: AbortSignal): ConfigurationOptions {
  const middleware: ObservableMiddleware = {
    pre(request) {
      request.setSignal(signal);
      return new Observable(Promise.resolve(request));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

/** Which request failed, so a 403 can name the exact RBAC rule that is missing. */
export interface KubeOperation {
  verb: 'get' | 'update' | 'list';
  resource: string;
  group: string;
  namespace: string;
}

export interface KubeFailure {
  kind: 'not-found' | 'forbidden' | 'conflict' | 'invalid' | 'unauthorized' | 'transient' | 'fatal';
  message: string;
}

/**
 * Sorts an error from the client into what the execution record needs: 409 is retried by the
 * caller, 404/403/422 are final answers about the target, 429/5xx/network/abort are worth a
 * retry later; anything else is final.
 */
export function classifyKubeError(error: unknown, operation: KubeOperation): KubeFailure {
  if (!(error instanceof ApiException)) return networkFailure(error);
  const code = Number(error.code);
  const detail = statusMessage(error.body) ?? `HTTP ${code}`;
  if (code === 404) return { kind: 'not-found', message: detail };
  if (code === 403) return { kind: 'forbidden', message: `${missingPermission(operation)} (${detail})` };
  if (code === 409) return { kind: 'conflict', message: detail };
  if (code === 401) return { kind: 'unauthorized', message: 'unauthorized: the API server refused the credentials in the kubeconfig or service account token' };
  if (code === 400 || code === 422) return { kind: 'invalid', message: detail };
  if (code === 429 || code >= 500) return { kind: 'transient', message: `API server answered ${code}: ${detail}` };
  return { kind: 'fatal', message: `API server answered ${code}: ${detail}` };
}

function missingPermission(op: KubeOperation): string {
  const group = op.group === '' ? 'the core API group' : `API group "${op.group}"`;
  return `forbidden: grant verb "${op.verb}" on resource "${op.resource}" in ${group} in namespace "${op.namespace}" to alertwire's identity (see docs/kubernetes.md)`;
}

function networkFailure(error: unknown): KubeFailure {
  if (!(error instanceof Error)) return { kind: 'fatal', message: `kubernetes client: ${String(error)}` };
  if (error.name === 'AbortError') return { kind: 'transient', message: 'aborted: the server is shutting down' };
  // undici reports "fetch failed" and keeps the useful part (ECONNREFUSED, a timeout, a TLS
  // error) in cause; anything else comes from the client itself, i.e. from the configuration.
  const cause = error.cause instanceof Error ? error.cause : null;
  if (error.message === 'fetch failed' || (cause && 'code' in cause)) {
    return { kind: 'transient', message: `cannot reach the API server: ${error.message}${cause ? `: ${cause.message}` : ''}` };
  }
  return { kind: 'fatal', message: `kubernetes client: ${error.message}` };
}

/** The `message` of a Kubernetes Status body, which the client hands over as raw text. */
function statusMessage(body: unknown): string | null {
  const parsed = typeof body === 'string' ? parseJson(body) : body;
  if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') {
    return parsed.message;
  }
  return typeof body === 'string' && body.length > 0 ? body.slice(0, 300) : null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
