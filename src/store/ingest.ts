import { statementOn, type Store } from './database.js';
import { receiptKey } from './alerts.js';
import { insertExecutionsQuery } from './executions.js';
import {
  assertLeasesHeld,
  IngestBatch,
  INGEST_JOB,
  ingestJobs,
  kindsOf,
  outcomesInOrder,
  plannedWork,
  toApplyNow,
  type InboundNotification,
  type IngestOptions,
  type IngestOutcome,
  type IngestResult,
  type WriteRequest,
} from './ingest-batch.js';
import { writePostgres } from './ingest-postgres.js';
import { completeJobsSqlite, enqueueJobsSqlite, type JobSpec } from './jobs.js';
import type { AlertRow, NotificationRow, ReceiptRow } from './tables.js';
import type BetterSqlite3 from 'better-sqlite3';

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

const ALERT_COLUMNS = [
  'fingerprint', 'alertname', 'namespace', 'instance', 'job', 'status', 'labels', 'annotations', 'extra', 'generator_url',
  'starts_at', 'ends_at', 'source', 'first_seen', 'last_seen', 'last_change', 'received_count', 'occurrence_count',
] as const;

/** The SQL of the ingest transaction on SQLite, built once. */
const INGEST_SQL = {
  alert: 'select * from alerts where fingerprint = ?',
  receipt: 'select * from receipts where source = ? and fingerprint = ?',
  notification: 'insert into notifications (received_at, source, format, remote_addr, alert_count, body) values (?, ?, ?, ?, ?, ?)',
  upsertAlert: `insert into alerts (${ALERT_COLUMNS.join(', ')}) values (${ALERT_COLUMNS.map((c) => `@${c}`).join(', ')})
    on conflict (fingerprint) do update set ${ALERT_COLUMNS.filter((c) => c !== 'fingerprint' && c !== 'first_seen')
      .map((c) => `${c} = excluded.${c}`)
      .join(', ')}`,
  upsertReceipt: `insert into receipts (source, fingerprint, status, starts_at, last_at, seq) values (@source, @fingerprint, @status, @starts_at, @last_at, @seq)
    on conflict (source, fingerprint) do update set status = excluded.status, starts_at = excluded.starts_at, last_at = excluded.last_at, seq = excluded.seq`,
  upsertOccurrence: `insert into occurrences (fingerprint, starts_at, ends_at, status, first_received, last_received, received_count) values (?, ?, ?, ?, ?, ?, ?)
    on conflict (fingerprint, starts_at) do update set ends_at = excluded.ends_at, status = excluded.status,
      last_received = excluded.last_received, received_count = occurrences.received_count + excluded.received_count`,
} as const;

/** The ingest statements of one SQLite connection, prepared once (statementOn). */
function sqliteStatements(raw: BetterSqlite3.Database) {
  const on = (name: keyof typeof INGEST_SQL) => statementOn(raw, INGEST_SQL[name]);
  return {
    alert: on('alert'),
    receipt: on('receipt'),
    notification: on('notification'),
    upsertAlert: on('upsertAlert'),
    upsertReceipt: on('upsertReceipt'),
    upsertOccurrence: on('upsertOccurrence'),
  };
}

type SqliteStatements = ReturnType<typeof sqliteStatements>;

/**
 * The same transaction on SQLite: prepared statements run synchronously in one BEGIN…COMMIT.
 * Building multi-row INSERTs with Kysely (an AST node per value, a new statement to prepare for
 * every batch size) cost more than SQLite's own work, and every await between statements was a
 * trip through the microtask queue.
 */
function writeSqlite(store: Store, raw: BetterSqlite3.Database, request: WriteRequest, options: IngestOptions): IngestResult {
  const s = sqliteStatements(raw);
  const now = options.now();
  return raw.transaction(() => {
    const deferred: { id: number; alerts: number }[] = [];
    for (const n of request.append) {
      const { lastInsertRowid } = s.notification.run(n.receivedAt, n.source, n.format, n.remoteAddr, n.alerts.length, n.body);
      if (n.deferApply) deferred.push({ id: Number(lastInsertRowid), alerts: n.alerts.length });
    }
    const applied = applySqlite(store, raw, s, toApplyNow(request), options, now);
    const jobs = [...ingestJobs(deferred), ...applied.jobs];
    const jobsEnqueued = enqueueJobsSqlite(raw, jobs, now, options.maxAttempts);
    assertLeasesHeld(completeJobsSqlite(raw, request.complete, now), request.complete.length);
    return { outcomes: outcomesInOrder(request, applied.outcomes), jobsEnqueued, enqueuedKinds: kindsOf(jobs) };
  })();
}

function applySqlite(
  store: Store,
  raw: BetterSqlite3.Database,
  s: SqliteStatements,
  notifications: readonly InboundNotification[],
  options: IngestOptions,
  now: number,
): { outcomes: Map<InboundNotification, IngestOutcome>; jobs: JobSpec[] } {
  if (notifications.length === 0) return { outcomes: new Map(), jobs: [] };
  const alerts = new Map<string, AlertRow>();
  const receipts = new Map<string, ReceiptRow>();
  for (const n of notifications) {
    for (const a of n.alerts) {
      if (!alerts.has(a.fingerprint)) {
        const row = s.alert.get(a.fingerprint) as AlertRow | undefined;
        if (row) alerts.set(a.fingerprint, row);
      }
      const key = receiptKey(n.source, a.fingerprint);
      if (!receipts.has(key)) {
        const row = s.receipt.get(n.source, a.fingerprint) as ReceiptRow | undefined;
        if (row) receipts.set(key, row);
      }
    }
  }
  const batch = new IngestBatch(alerts, receipts, options);
  const outcomes = new Map(notifications.map((n) => [n, { deduplicated: n.alerts.map((a) => batch.apply(a, n)) }]));
  for (const row of batch.dirty.values()) s.upsertAlert.run(row);
  for (const row of batch.dirtyReceipts.values()) s.upsertReceipt.run(row);
  for (const o of batch.occurrences.values()) {
    s.upsertOccurrence.run(o.fingerprint, o.startsAt, o.endsAt, o.status, o.firstReceived, o.lastReceived, o.receivedCount);
  }
  const { jobs, executions } = plannedWork(batch, notifications, options);
  const insertExecutions = insertExecutionsQuery(store.db, executions, now)?.compile();
  if (insertExecutions) raw.prepare(insertExecutions.sql).run(...insertExecutions.parameters);
  return { outcomes, jobs };
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
