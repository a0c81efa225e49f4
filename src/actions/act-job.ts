import { Counter, Histogram, type Registry } from 'prom-client';
import type { JobKind, JobResult } from '../jobs/runner.js';
import { defaultRetryDelay } from '../jobs/runner.js';
import type { Log } from '../observability/log.js';
import type { Store } from '../store/database.js';
import { finishExecution, getExecution, lastAppliedAt, markExecutionRunning, readJournal, writeJournal } from '../store/executions.js';
import type { NotificationMeta } from '../store/ingest.js';
import type { ClaimedJob } from '../store/jobs.js';
import { getReceiver, recordTrigger, type ReceiverRecord } from '../store/receivers.js';
import type { SecretBox } from '../store/secrets.js';
import type { Action, ActionContext, ActionDeps, ActionOutcome, AlertSnapshot } from './action.js';
import { ACTION_KINDS } from './kinds.js';
import { openSecrets, type ReceiverSettings } from './receiver.js';

export const ACT = 'act';

/** Everything an action needs, snapshotted when the hook was called (the outbox payload). */
export interface ActPayload {
  receiverId: string;
  executionId: string;
  trigger: 'firing' | 'resolved';
  alerts: AlertSnapshot[];
  meta: NotificationMeta | null;
  payload: unknown;
}

function isActPayload(value: unknown): value is ActPayload {
  const v = value as Partial<ActPayload> | null;
  return typeof v?.receiverId === 'string' && typeof v.executionId === 'string' && Array.isArray(v.alerts);
}

export interface ActDeps {
  store: Store;
  secrets: SecretBox;
  actionDeps: ActionDeps;
  externalUrl: () => string;
  now: () => number;
  log: Log;
  registry: Registry;
  signal: AbortSignal;
}

/** Actions are built once per receiver version: commands keep their running processes there. */
class ActionCache {
  private readonly actions = new Map<string, { version: number; action: Action }>();
  /** Replaced versions keep running what they started (a command mid-run); closed at shutdown. */
  private readonly retired: Action[] = [];

  constructor(private readonly deps: ActDeps) {}

  get(receiver: ReceiverRecord, settings: ReceiverSettings): Action {
    const cached = this.actions.get(receiver.id);
    if (cached && cached.version === receiver.updatedAt) return cached.action;
    if (cached) this.retired.push(cached.action);
    const kind = ACTION_KINDS.get(receiver.kind);
    if (!kind) throw new Error(`unknown action kind "${receiver.kind}"`);
    const action = kind.create(settings.action, this.deps.actionDeps);
    this.actions.set(receiver.id, { version: receiver.updatedAt, action });
    return action;
  }

  async close(): Promise<void> {
    for (const action of [...this.retired, ...[...this.actions.values()].map((a) => a.action)]) await action.close?.();
  }
}

export function actJobKind(deps: ActDeps): JobKind & { close(): Promise<void> } {
  const cache = new ActionCache(deps);
  const total = new Counter({
    name: 'alertwire_actions_total',
    help: 'Receiver actions by kind and decision',
    labelNames: ['kind', 'decision'] as const,
    registers: [deps.registry],
  });
  const duration = new Histogram({
    name: 'alertwire_action_duration_seconds',
    help: 'Time an action took, lock wait included',
    labelNames: ['kind'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [deps.registry],
  });
  return {
    kind: ACT,
    async run(jobs: readonly ClaimedJob[]): Promise<JobResult[]> {
      return Promise.all(
        jobs.map(async (job) => {
          const started = deps.now();
          const { result, kind, decision } = await actOnce(deps, cache, job);
          if (kind) {
            total.inc({ kind, decision });
            duration.observe({ kind }, (deps.now() - started) / 1000);
          }
          return result;
        }),
      );
    },
    async onDead(job, error) {
      if (!isActPayload(job.payload)) return;
      const now = deps.now();
      await finishExecution(deps.store, job.payload.executionId, { decision: 'failed', reason: `gave up: ${error}`, error, durationMs: 0, final: true }, now);
    },
    close: () => cache.close(),
  };
}

async function actOnce(deps: ActDeps, cache: ActionCache, job: ClaimedJob): Promise<{ result: JobResult; kind?: string; decision: string }> {
  if (!isActPayload(job.payload)) return { result: { ok: false, error: 'malformed act payload', retryAt: null }, decision: 'failed' };
  const p = job.payload;
  const execution = await getExecution(deps.store, p.executionId);
  // A rerun of a job whose execution already finished (a crash after the record) must not act twice.
  if (execution?.state === 'done') return { result: { ok: true }, decision: execution.decision ?? 'done' };
  const receiver = await getReceiver(deps.store, p.receiverId);
  const started = deps.now();
  if (!receiver) return finish(deps, p, undefined, { decision: 'skipped', reason: 'the receiver was deleted' }, started);
  if (!receiver.enabled) return finish(deps, p, receiver, { decision: 'skipped', reason: 'the receiver is disabled' }, started);
  const settings = openSecrets(receiver.settings as unknown as ReceiverSettings, receiver.kind, deps.secrets);
  await markExecutionRunning(deps.store, p.executionId);
  let action: Action;
  try {
    action = cache.get(receiver, settings);
  } catch (error) {
    return finish(deps, p, receiver, { decision: 'failed', reason: `cannot build the action: ${(error as Error).message}` }, started);
  }
  if (p.trigger === 'resolved') {
    action.onResolved?.(receiver.id, p.alerts.map((a) => a.fingerprint));
    if (settings.trigger.on_resolved !== 'reverse') {
      return finish(deps, p, receiver, { decision: 'skipped', reason: 'resolved notification; this receiver does nothing on resolve' }, started);
    }
  }
  const lockKey = ACTION_KINDS.get(receiver.kind)?.target(settings.action) ?? null;
  const context = actionContext(deps, p, receiver);
  let outcome: ActionOutcome;
  try {
    outcome = lockKey === null ? await action.run(context) : await deps.store.locks.withLock(lockKey, () => action.run(context));
  } catch (error) {
    outcome = { decision: 'failed', reason: `action failed: ${(error as Error).message}`, transient: true };
  }
  return finish(deps, p, receiver, outcome, started, job);
}

/** How long the outcome of an action that ran is retried before its job gives up (a database restart takes seconds). */
const RECORD_OUTCOME_FOR_MS = 30_000;

/**
 * Records what an action did, retrying while the store fails: the action has acted, and a job
 * failed at this point would run it again (a command's journal then refuses, and its real
 * outcome is lost).
 */
async function recordingThroughOutages(record: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + RECORD_OUTCOME_FOR_MS;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await record();
    } catch (error) {
      if (Date.now() + delay > deadline) throw error;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function actionContext(deps: ActDeps, p: ActPayload, receiver: ReceiverRecord): ActionContext {
  return {
    receiver: { id: receiver.id, name: receiver.name },
    trigger: p.trigger,
    alerts: p.alerts,
    meta: p.meta,
    payload: p.payload,
    externalUrl: deps.externalUrl(),
    now: deps.now,
    signal: deps.signal,
    lastApplied: (target, direction) => lastAppliedAt(deps.store, target, direction),
    tryHold: (keys) => deps.store.locks.tryHold(keys),
    journal: {
      read: () => readJournal(deps.store, p.executionId),
      write: (value) => writeJournal(deps.store, p.executionId, value),
    },
  };
}

async function finish(
  deps: ActDeps,
  p: ActPayload,
  receiver: ReceiverRecord | undefined,
  outcome: ActionOutcome,
  started: number,
  job?: ClaimedJob,
): Promise<{ result: JobResult; kind?: string; decision: string }> {
  const now = deps.now();
  const retrying = outcome.decision === 'failed' && outcome.transient === true && job !== undefined && job.attempts < job.maxAttempts;
  await recordingThroughOutages(() => finishExecution(
    deps.store,
    p.executionId,
    {
      decision: outcome.decision,
      reason: retrying ? `${outcome.reason} (attempt ${job?.attempts ?? 1}; retrying)` : outcome.reason,
      target: outcome.target,
      direction: outcome.direction,
      from: outcome.from,
      to: outcome.to,
      cooldownUntil: outcome.cooldownUntil,
      exitCode: outcome.exitCode,
      output: outcome.output,
      error: outcome.decision === 'failed' ? outcome.reason : null,
      durationMs: now - started,
      final: !retrying,
    },
    now,
  ));
  if (receiver) await recordTrigger(deps.store, receiver.id, outcome.decision, now);
  const result: JobResult = retrying
    ? { ok: false, error: outcome.reason, retryAt: now + defaultRetryDelay(job?.attempts ?? 1) }
    : { ok: true };
  return { result, kind: receiver?.kind, decision: outcome.decision };
}
