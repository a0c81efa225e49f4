import type { Store } from './database.js';
import type { Trx } from './alerts.js';
import { enqueueJobs, type JobSpec } from './jobs.js';
import type { ExecutionRow } from './tables.js';

export type ExecutionState = 'queued' | 'running' | 'done';

/** The record of a hook's action, created queued in the transaction that stores its trigger. */
export interface NewExecution {
  id: string;
  receiverId: string;
  kind: string;
  jobKey: string;
  alertsHash: string;
  trigger: 'firing' | 'resolved';
  fingerprints: string[];
  request: unknown;
  matched: unknown;
  /** The job payload, kept so the execution can be rerun after its job is purged. */
  payload: unknown;
  rerunOf?: string;
}

export interface ExecutionResult {
  decision: string;
  reason: string;
  target?: string | null;
  direction?: string | null;
  from?: number | null;
  to?: number | null;
  cooldownUntil?: number | null;
  exitCode?: number | null;
  output?: string | null;
  error?: string | null;
  durationMs: number;
  /** False while a transient failure waits for its retry. */
  final: boolean;
}

export async function insertExecutions(trx: Trx | Store['db'], executions: readonly NewExecution[], now: number): Promise<void> {
  await insertExecutionsQuery(trx, executions, now)?.execute();
}

/** The INSERT of insertExecutions, unexecuted (SQLite ingest compiles it and runs it synchronously). */
export function insertExecutionsQuery(trx: Trx | Store['db'], executions: readonly NewExecution[], now: number) {
  if (executions.length === 0) return undefined;
  return trx
    .insertInto('executions')
    .values(
      executions.map((e) => ({
        id: e.id,
        receiver_id: e.receiverId,
        kind: e.kind,
        job_key: e.jobKey,
        alerts_hash: e.alertsHash,
        trigger: e.trigger,
        fingerprints: JSON.stringify(e.fingerprints),
        state: 'queued',
        decision: null,
        reason: 'queued',
        target: null,
        direction: null,
        from_replicas: null,
        to_replicas: null,
        cooldown_until: null,
        exit_code: null,
        output: null,
        error: null,
        duration_ms: null,
        attempts: 0,
        request: JSON.stringify(e.request),
        matched: JSON.stringify(e.matched),
        payload: JSON.stringify(e.payload),
        journal: null,
        rerun_of: e.rerunOf ?? null,
        created_at: now,
        finished_at: null,
      })),
    )
    .onConflict((oc) => oc.column('job_key').doNothing());
}

/** The JSON columns of an execution, decoded: what a caller reads instead of parsing them itself. */
export interface ExecutionDetails {
  fingerprints: string[];
  request: unknown;
  matched: unknown;
  payload: unknown;
}

export function executionDetails(row: ExecutionRow): ExecutionDetails {
  return {
    fingerprints: JSON.parse(row.fingerprints) as string[],
    request: JSON.parse(row.request) as unknown,
    matched: JSON.parse(row.matched) as unknown,
    payload: JSON.parse(row.payload) as unknown,
  };
}

/**
 * Records an execution and queues the job that runs it, in one transaction: an execution is
 * never shown as queued without its job, nor a job run without its record.
 */
export async function queueExecution(store: Store, execution: NewExecution, job: JobSpec, maxAttempts: number, now: number): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await insertExecutions(trx, [execution], now);
    await enqueueJobs(trx, [job], now, maxAttempts);
  });
}

export async function markExecutionRunning(store: Store, id: string): Promise<void> {
  await store.db
    .updateTable('executions')
    .set((eb) => ({ state: 'running', attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .execute();
}

export async function finishExecution(store: Store, id: string, r: ExecutionResult, now: number): Promise<void> {
  await store.db
    .updateTable('executions')
    .set({
      state: r.final ? 'done' : 'queued',
      decision: r.decision,
      reason: r.reason.slice(0, 2000),
      target: r.target ?? null,
      direction: r.direction ?? null,
      from_replicas: r.from ?? null,
      to_replicas: r.to ?? null,
      cooldown_until: r.cooldownUntil ?? null,
      exit_code: r.exitCode ?? null,
      output: r.output ?? null,
      error: r.error ?? null,
      duration_ms: r.durationMs,
      finished_at: now,
    })
    .where('id', '=', id)
    .execute();
}

export async function getExecution(store: Store, id: string): Promise<ExecutionRow | undefined> {
  return store.db.selectFrom('executions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The latest execution for the same receiver and alerts: what a retried notification is told. */
export async function findExecutionByAlerts(store: Store, receiverId: string, alertsHash: string): Promise<ExecutionRow | undefined> {
  return store.db
    .selectFrom('executions')
    .selectAll()
    .where('receiver_id', '=', receiverId)
    .where('alerts_hash', '=', alertsHash)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export interface ExecutionFilter {
  receiverId?: string;
  fingerprint?: string;
  decision?: string;
  limit: number;
  before?: number;
}

export async function listExecutions(store: Store, f: ExecutionFilter): Promise<ExecutionRow[]> {
  let q = store.db.selectFrom('executions').selectAll();
  if (f.receiverId) q = q.where('receiver_id', '=', f.receiverId);
  if (f.decision) q = q.where('decision', '=', f.decision);
  if (f.fingerprint) q = q.where('fingerprints', 'like', `%${JSON.stringify(f.fingerprint)}%`);
  if (f.before !== undefined) q = q.where('created_at', '<', f.before);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}

/** When an action last changed `target` in `direction`: the start of its cooldown. */
export async function lastAppliedAt(store: Store, target: string, direction: string): Promise<number | null> {
  const row = await store.db
    .selectFrom('executions')
    .select((eb) => eb.fn.max('finished_at').as('at'))
    .where('target', '=', target)
    .where('direction', '=', direction)
    .where('decision', '=', 'applied')
    .executeTakeFirst();
  return row?.at === null || row?.at === undefined ? null : Number(row.at);
}

/** An action's note to itself, written before it changes the world, read if it runs again. */
export async function writeJournal(store: Store, id: string, value: unknown): Promise<void> {
  await store.db.updateTable('executions').set({ journal: JSON.stringify(value) }).where('id', '=', id).execute();
}

export async function readJournal(store: Store, id: string): Promise<unknown> {
  const row = await store.db.selectFrom('executions').select('journal').where('id', '=', id).executeTakeFirst();
  return row?.journal ? (JSON.parse(row.journal) as unknown) : null;
}
