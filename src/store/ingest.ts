import type { Store } from './database.js';
import { INGEST_JOB, type InboundNotification, type IngestOptions, type IngestResult, type WriteRequest } from './ingest-batch.js';
import { writePostgres } from './ingest-postgres.js';
import { writeSqlite } from './ingest-sqlite.js';
import type { NotificationRow } from './tables.js';

export {
  INGEST_JOB,
  type IngestJobPayload,
  type IngestOptions,
  type IngestOutcome,
  type IngestResult,
  type InboundNotification,
  type JobPlanner,
  type NotificationMeta,
  type NotificationPlan,
  type StoredAlert,
} from './ingest-batch.js';

/**
 * Stores notifications in one transaction: raw bodies, then either their alert state,
 * occurrences and the jobs they cause, or (deferApply) one `ingest` job that applies them later.
 * Nothing is acknowledged before this commits.
 */
export async function ingestNotifications(
  store: Store,
  notifications: readonly InboundNotification[],
  options: IngestOptions,
): Promise<IngestResult> {
  return write(store, { append: notifications, complete: [] }, options);
}

/**
 * Applies notifications appended earlier (each with its row `id`) and completes the `ingest`
 * jobs that named them, in one transaction: a rerun after a crash finds the jobs done.
 */
export async function applyStoredNotifications(
  store: Store,
  notifications: readonly InboundNotification[],
  jobs: readonly { id: number; owner: string }[],
  options: IngestOptions,
): Promise<IngestResult> {
  // The raw notifications are durable; lost to a power cut, this transaction is applied again.
  return write(store, { append: [], stored: notifications, complete: jobs, relaxed: true }, options);
}

function write(store: Store, request: WriteRequest, options: IngestOptions): Promise<IngestResult> {
  if (store.sqlite) {
    const raw = store.sqlite;
    const run = async () => writeSqlite(store, raw, request, options);
    // Both hold Kysely's lock on the one connection while the synchronous transaction runs.
    return request.relaxed ? store.relaxed(run) : store.db.connection().execute(run);
  }
  return writePostgres(store, request, options);
}

/** The stored notifications with these ids, oldest first (missing ones were purged). */
export async function loadNotifications(store: Store, ids: readonly number[]): Promise<NotificationRow[]> {
  const rows: NotificationRow[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    rows.push(...(await store.db.selectFrom('notifications').selectAll().where('id', 'in', ids.slice(i, i + 500)).execute()));
  }
  return rows.map((r) => ({ ...r, id: Number(r.id) })).sort((a, b) => a.id - b.id);
}

/**
 * Deletes raw notifications past their age, and the oldest beyond the count limit, but never
 * one an unfinished `ingest` job has still to apply.
 */
export async function purgeRawNotifications(store: Store, olderThan: number, keepAtMost: number): Promise<number> {
  const floor = (await oldestUnapplied(store)) ?? Number.MAX_SAFE_INTEGER;
  const purge = () => store.db.deleteFrom('notifications').where('id', '<', floor);
  let deleted = Number((await purge().where('received_at', '<', olderThan).executeTakeFirst()).numDeletedRows);
  const cutoff = await store.db
    .selectFrom('notifications')
    .select('id')
    .orderBy('id', 'desc')
    .offset(keepAtMost)
    .limit(1)
    .executeTakeFirst();
  if (cutoff) {
    deleted += Number((await purge().where('id', '<=', cutoff.id).executeTakeFirst()).numDeletedRows);
  }
  return deleted;
}

/**
 * True while acknowledged notifications wait for their ingest job: an alert not found may be
 * among them, so a report link handed out a moment ago must not answer "unknown" yet. False
 * means everything acknowledged before the call is applied: a caller that missed an alert
 * before asking must look again after (it may have been applied in between).
 */
export async function hasUnappliedNotifications(store: Store): Promise<boolean> {
  const row = await store.db
    .selectFrom('jobs')
    .select('id')
    .where('state', 'in', ['pending', 'running'])
    .where('kind', '=', INGEST_JOB)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** The lowest notification id an unfinished ingest job names, or null when none is waiting. */
async function oldestUnapplied(store: Store): Promise<number | null> {
  const jobs = await store.db
    .selectFrom('jobs')
    .select('payload')
    .where('kind', '=', INGEST_JOB)
    .where('state', 'in', ['pending', 'running'])
    .execute();
  const ids = jobs.flatMap((j) => ingestJobIds(JSON.parse(j.payload)));
  return ids.reduce<number | null>((min, id) => (min === null || id < min ? id : min), null);
}

/** The notification ids of an ingest job's payload; none when it is not one. */
export function ingestJobIds(payload: unknown): number[] {
  if (typeof payload !== 'object' || payload === null || !('notifications' in payload) || !Array.isArray(payload.notifications)) return [];
  return payload.notifications.filter((id): id is number => Number.isInteger(id));
}
