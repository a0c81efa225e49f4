/**
 * The `scale` action kind: each firing notification moves a Kubernetes Deployment, StatefulSet
 * or ReplicaSet one step through its scale subresource (Rancher's semantics: Alertmanager's
 * repeats keep scaling until the alert resolves), bounded by min, max and a cooldown per target
 * and direction. A resolved notification steps the other way when the receiver asks for it.
 */
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { V1Scale } from '@kubernetes/client-node';
import type { Action, ActionContext, ActionDeps, ActionKind, ActionOutcome, SettingsIssue } from './action.js';
// Types only: the client is loaded on first use (see `connect` below).
import type { KubeFailure, KubeResult, ScaleClient } from './kubernetes.js';
import {
  cooldownUntil,
  decideStep,
  findHpaOwner,
  opposite,
  targetName,
  type Direction,
  type OutOfBounds,
  type StepDecision,
  type StepPlan,
  type WorkloadRef,
} from './scale-decision.js';

// Kubernetes naming rules: namespaces are DNS labels, workload names DNS subdomains.
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

const Workload = Type.Object(
  {
    kind: Type.Union([Type.Literal('Deployment'), Type.Literal('StatefulSet'), Type.Literal('ReplicaSet')]),
    namespace: Type.String({ minLength: 1, maxLength: 63, pattern: DNS_LABEL }),
    name: Type.String({ minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN }),
  },
  { additionalProperties: false },
);

export const ScaleSettingsSchema = Type.Object(
  {
    workload: Workload,
    direction: Type.Union([Type.Literal('up'), Type.Literal('down')]),
    step: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
    // Rancher's default floor; 0 must be asked for explicitly since it takes a service down.
    min: Type.Optional(Type.Integer({ minimum: 0, default: 1 })),
    // No default ceiling: an alert storm must never scale further than someone decided.
    max: Type.Integer({ minimum: 0 }),
    out_of_bounds: Type.Optional(Type.Union([Type.Literal('clamp'), Type.Literal('reject')], { default: 'clamp' })),
    // HPA's defaults: scale up quickly, scale down only after things stayed calm for 5 minutes.
    cooldown_up: Type.Optional(Type.Integer({ minimum: 0, default: 60 })),
    cooldown_down: Type.Optional(Type.Integer({ minimum: 0, default: 300 })),
    dry_run: Type.Optional(Type.Boolean({ default: false })),
    allow_with_hpa: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

export type ScaleSettings = Static<typeof ScaleSettingsSchema>;

/** Settings with every default filled in, in the names the code uses. */
interface Scale {
  workload: WorkloadRef;
  direction: Direction;
  step: number;
  min: number;
  max: number;
  outOfBounds: OutOfBounds;
  cooldownSeconds: Record<Direction, number>;
  dryRun: boolean;
  allowWithHpa: boolean;
}

function resolve(settings: ScaleSettings): Scale {
  return {
    workload: settings.workload,
    direction: settings.direction,
    step: settings.step ?? 1,
    min: settings.min ?? 1,
    max: settings.max,
    outOfBounds: settings.out_of_bounds ?? 'clamp',
    cooldownSeconds: { up: settings.cooldown_up ?? 60, down: settings.cooldown_down ?? 300 },
    dryRun: settings.dry_run ?? false,
    allowWithHpa: settings.allow_with_hpa ?? false,
  };
}

export const scaleKind: ActionKind<ScaleSettings> = {
  kind: 'scale',
  settings: ScaleSettingsSchema,
  secretPaths: [],
  check: checkScaleSettings,
  // The lock key: the workload without the kube context, which lives in the server's deps (one
  // lock for a name in two clusters only serializes, it never lets two changes race).
  target: (settings) => targetName(settings.workload, null),
  create(settings, deps): Action {
    const scale = resolve(settings);
    const kubeContext = deps.kubernetes.inCluster ? null : deps.kubernetes.context || null;
    const clients = new ScaleClients(deps.kubernetes);
    return { run: (context) => runScale(scale, () => clients.get(), kubeContext, context) };
  },
};

/**
 * Everything wrong with the settings, each naming its field (`action.min`). Checks the schema
 * itself too, so settings from the YAML file get the same answers as settings from the API.
 */
export function checkScaleSettings(settings: ScaleSettings): SettingsIssue[] {
  const withDefaults: unknown = Value.Default(ScaleSettingsSchema, Value.Clone(settings));
  const issues = schemaIssues(withDefaults);
  if (issues.length > 0 || !Value.Check(ScaleSettingsSchema, withDefaults)) return issues;
  const { min, max } = resolve(withDefaults);
  return min > max ? [{ field: 'action.min', message: `must not exceed max (${min} > ${max})` }] : [];
}

function schemaIssues(settings: unknown): SettingsIssue[] {
  const byField = new Map<string, string>();
  for (const error of Value.Errors(ScaleSettingsSchema, settings)) {
    const field = ['action', ...error.path.split('/').filter(Boolean)].join('.');
    // TypeBox reports a failed union as "Expected union value"; name the allowed values instead.
    if (!byField.has(field)) byField.set(field, literalChoices(error.schema) ?? error.message);
  }
  return [...byField].map(([field, message]) => ({ field, message }));
}

function literalChoices(schema: TSchema): string | null {
  const options: unknown = schema.anyOf;
  if (!Array.isArray(options)) return null;
  const values = (options as unknown[])
    .map((option) => (typeof option === 'object' && option !== null && 'const' in option ? option.const : undefined))
    .filter((value) => typeof value === 'string');
  return values.length > 0 ? `must be one of ${values.join(', ')}` : null;
}

/**
 * Loads @kubernetes/client-node on first use rather than at import: the client (and its undici)
 * is large and has stricter Node.js requirements than the rest of the server, so a server that
 * never scales must neither pay for it nor fail on it.
 */
async function loadClient(access: ActionDeps['kubernetes']): Promise<ScaleClient> {
  let kube: typeof import('./kubernetes.js');
  try {
    kube = await import('./kubernetes.js');
  } catch (err) {
    throw new Error(`cannot load @kubernetes/client-node on Node.js ${process.version}: ${(err as Error).message}`);
  }
  return kube.createScaleClient(kube.loadKubeConfig(access));
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** The files the client's credentials come from, as @kubernetes/client-node finds them. */
function credentialFiles(access: ActionDeps['kubernetes']): string[] {
  if (access.inCluster) return [SERVICE_ACCOUNT_TOKEN];
  if (access.kubeconfig) return [access.kubeconfig];
  return process.env.KUBECONFIG ? process.env.KUBECONFIG.split(delimiter).filter(Boolean) : [join(homedir(), '.kube', 'config')];
}

/** Changes when any of those files is written, replaced or removed. */
function credentialStamp(access: ActionDeps['kubernetes']): string {
  return credentialFiles(access)
    .map((path) => {
      try {
        const stat = statSync(path);
        return `${path}:${stat.ino}:${stat.mtimeMs}:${stat.size}`;
      } catch {
        return `${path}:missing`;
      }
    })
    .join('|');
}

/**
 * The scale client, built on the first run rather than at creation: a missing kubeconfig then
 * shows up in the execution record of the receiver that needs it instead of failing every
 * receiver at start. It is built again when the kubeconfig (or service account token) file
 * changes, when building failed, and after the API server refused it or could not be
 * reached, so a fixed file or a rotated token is picked up by the next execution.
 */
class ScaleClients {
  private cached: { stamp: string; client: Promise<ScaleClient> } | null = null;

  constructor(private readonly access: ActionDeps['kubernetes']) {}

  get(): Promise<ScaleClient> {
    const stamp = credentialStamp(this.access);
    if (this.cached?.stamp === stamp) return this.cached.client;
    const client = loadClient(this.access).then((c) => this.watched(c));
    client.catch(() => this.forget(client));
    this.cached = { stamp, client };
    return client;
  }

  private forget(client: Promise<ScaleClient>): void {
    if (this.cached?.client === client) this.cached = null;
  }

  private watched(inner: ScaleClient): ScaleClient {
    const self = this.cached?.client;
    const check = <T>(result: KubeResult<T>): KubeResult<T> => {
      if (!result.ok && (result.failure.kind === 'unauthorized' || result.failure.kind === 'transient') && self) this.forget(self);
      return result;
    };
    return {
      readScale: async (workload, signal) => check(await inner.readScale(workload, signal)),
      replaceScale: async (workload, scale, dryRun, signal) => check(await inner.replaceScale(workload, scale, dryRun, signal)),
      listHpaTargets: async (namespace, signal) => check(await inner.listHpaTargets(namespace, signal)),
    };
  }
}

/** An outcome without the target and direction, which every path shares. */
type Verdict = Omit<ActionOutcome, 'target' | 'direction'>;

async function runScale(scale: Scale, connect: () => Promise<ScaleClient>, kubeContext: string | null, context: ActionContext): Promise<ActionOutcome> {
  // A resolved notification undoes the firing one: the same step the other way.
  const direction = context.trigger === 'firing' ? scale.direction : opposite(scale.direction);
  const target = targetName(scale.workload, kubeContext);
  const verdict = await decide(scale, direction, target, connect, context);
  return { target, direction, ...verdict };
}

async function decide(scale: Scale, direction: Direction, target: string, connect: () => Promise<ScaleClient>, context: ActionContext): Promise<Verdict> {
  const journal = (await context.journal?.read()) as WriteIntent | null | undefined;
  const cooling = journal ? null : await cooldownVerdict(scale, direction, target, context);
  if (cooling) return cooling;
  let client: ScaleClient;
  try {
    client = await connect();
  } catch (err) {
    return { decision: 'failed', reason: `kubernetes client: ${(err as Error).message}`, transient: false };
  }
  const resumed = journal ? await resumeIntent(client, scale, journal, context.signal) : null;
  if (resumed) return resumed;
  const refusal = scale.allowWithHpa ? null : await hpaVerdict(client, scale.workload, context.signal);
  return refusal ?? (await stepWithRetries(client, scale, direction, context));
}

/** What a write is about to do, journaled first so a crash mid-write is never a second step. */
interface WriteIntent {
  from: number;
  to: number;
  resourceVersion: string | undefined;
}

/**
 * A previous run of this execution journaled a write and died. If the workload moved on from
 * the version it read and now has the intended replicas, that write landed: report it, do not
 * step again. Otherwise decide afresh.
 */
async function resumeIntent(client: ScaleClient, scale: Scale, intent: WriteIntent, signal: AbortSignal): Promise<Verdict | null> {
  const current = await client.readScale(scale.workload, signal);
  if (!current.ok) return failureVerdict(current.failure, scale.workload);
  const replicas = current.value.spec?.replicas ?? 0;
  const moved = current.value.metadata?.resourceVersion !== intent.resourceVersion;
  if (!moved || replicas !== intent.to) return null;
  return {
    decision: 'applied',
    reason: `scaled ${describe(scale.workload)} from ${intent.from} to ${intent.to} (the write landed before a restart; not repeated)`,
    from: intent.from,
    to: intent.to,
  };
}

async function cooldownVerdict(scale: Scale, direction: Direction, target: string, context: ActionContext): Promise<Verdict | null> {
  const seconds = scale.cooldownSeconds[direction];
  const last = await context.lastApplied(target, direction);
  const until = cooldownUntil(last, seconds, context.now());
  if (until === null || last === null) return null;
  return {
    decision: 'skipped',
    reason: `cooling down: last scaled ${direction} at ${new Date(last).toISOString()}, cooldown_${direction} ${seconds} s runs until ${new Date(until).toISOString()}`,
    cooldownUntil: until,
  };
}

/** Refuses when an HPA owns the workload: it would undo our change within one sync period. */
async function hpaVerdict(client: ScaleClient, workload: WorkloadRef, signal: AbortSignal): Promise<Verdict | null> {
  const hpas = await client.listHpaTargets(workload.namespace, signal);
  if (!hpas.ok) {
    if (hpas.failure.kind !== 'forbidden') return failureVerdict(hpas.failure, workload);
    return { decision: 'rejected', reason: `cannot check for a HorizontalPodAutoscaler: ${hpas.failure.message}; or set allow_with_hpa` };
  }
  const owner = findHpaOwner(hpas.value, workload);
  if (!owner) return null;
  return {
    decision: 'rejected',
    reason: `HorizontalPodAutoscaler ${workload.namespace}/${owner.name} owns ${describe(workload)}; scaling it here would fight the autoscaler (set allow_with_hpa to override)`,
  };
}

// The first write plus three re-reads: enough to outlast a controller's burst of updates,
// few enough that a target under constant churn is reported rather than hammered.
const MAX_ATTEMPTS = 4;

async function stepWithRetries(client: ScaleClient, scale: Scale, direction: Direction, context: ActionContext): Promise<Verdict> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const verdict = await attemptStep(client, scale, direction, context);
    if (verdict !== 'conflict') return verdict;
  }
  return {
    decision: 'failed',
    reason: `${describe(scale.workload)} changed under us ${MAX_ATTEMPTS} times in a row (409 Conflict on its resourceVersion)`,
    transient: true,
  };
}

/**
 * Read the scale, decide, write it back with the resourceVersion just read: a concurrent change
 * makes the API server answer 409 and the caller starts over from a fresh read, so a step is
 * always computed from the replicas it replaces.
 */
async function attemptStep(client: ScaleClient, scale: Scale, direction: Direction, context: ActionContext): Promise<Verdict | 'conflict'> {
  const signal = context.signal;
  const current = await client.readScale(scale.workload, signal);
  if (!current.ok) return failureVerdict(current.failure, scale.workload);
  // Scale.spec.replicas is omitempty in the API: an absent value means 0.
  const decision = decideStep(current.value.spec?.replicas ?? 0, stepPlan(scale, direction));
  if (decision.kind !== 'change') return unchangedVerdict(decision, scale, direction);
  if (!scale.dryRun) {
    const intent: WriteIntent = { from: decision.from, to: decision.to, resourceVersion: current.value.metadata?.resourceVersion };
    await context.journal?.write(intent);
  }
  const written = await client.replaceScale(scale.workload, nextScale(current.value, scale.workload, decision.to), scale.dryRun, signal);
  if (written.ok) return changedVerdict(decision, written.value.spec?.replicas ?? decision.to, scale, direction);
  return written.failure.kind === 'conflict' ? 'conflict' : { ...failureVerdict(written.failure, scale.workload), from: decision.from };
}

function stepPlan(scale: Scale, direction: Direction): StepPlan {
  return { direction, step: scale.step, min: scale.min, max: scale.max, outOfBounds: scale.outOfBounds };
}

function nextScale(current: V1Scale, workload: WorkloadRef, replicas: number): V1Scale {
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: workload.name, namespace: workload.namespace, resourceVersion: current.metadata?.resourceVersion },
    spec: { replicas },
  };
}

function unchangedVerdict(decision: Exclude<StepDecision, { kind: 'change' }>, scale: Scale, direction: Direction): Verdict {
  if (decision.kind === 'hold') {
    return { decision: 'skipped', reason: `${describe(scale.workload)} ${decision.reason}`, from: decision.from, to: decision.from };
  }
  return {
    decision: 'rejected',
    reason: `scaling ${describe(scale.workload)} ${direction} by ${scale.step} from ${decision.from}: ${decision.reason}`,
    from: decision.from,
    to: decision.wouldBe,
  };
}

function changedVerdict(decision: Extract<StepDecision, { kind: 'change' }>, to: number, scale: Scale, direction: Direction): Verdict {
  const bound = direction === 'up' ? `max ${scale.max}` : `min ${scale.min}`;
  const move = `${describe(scale.workload)} ${direction} from ${decision.from} to ${to}${decision.clamped ? ` (clamped to ${bound})` : ''}`;
  if (scale.dryRun) {
    return { decision: 'dry-run', reason: `dry run: would scale ${move}; the API server accepted it with dryRun=All, nothing changed`, from: decision.from, to };
  }
  return { decision: 'applied', reason: `scaled ${move}`, from: decision.from, to };
}

function failureVerdict(failure: KubeFailure, workload: WorkloadRef): Verdict {
  switch (failure.kind) {
    case 'not-found':
      return { decision: 'rejected', reason: `${describe(workload)} not found (${failure.message})` };
    case 'forbidden':
      return { decision: 'rejected', reason: failure.message };
    case 'invalid':
      return { decision: 'rejected', reason: `the API server refused the change to ${describe(workload)}: ${failure.message}` };
    case 'transient':
    case 'conflict':
      return { decision: 'failed', reason: failure.message, transient: true };
    case 'unauthorized':
    case 'fatal':
      return { decision: 'failed', reason: failure.message, transient: false };
  }
}

function describe(workload: WorkloadRef): string {
  return `${workload.kind} ${workload.namespace}/${workload.name}`;
}
