import { sql } from 'kysely';
import type { Alert } from '../model/alert.js';
import { statementOn, type Store } from './database.js';
import {
  alertRowFrom,
  loadAlertsForUpdate,
  loadReceipts,
  receiptKey,
  upsertAlerts,
  upsertOccurrences,
  upsertReceipts,
  type OccurrenceUpdate,
  type Trx,
} from './alerts.js';
import { insertExecutions, insertExecutionsQuery, type NewExecution } from './executions.js';
import { announceJobs, completeJobs, completeJobsSqlite, enqueueJobs, enqueueJobsSqlite, type JobSpec } from './jobs.js';
import type { AlertRow, NotificationRow, ReceiptRow } from './tables.js';
import type BetterSqlite3 from 'better-sqlite3';

/** The group-level fields of an inbound notification, as far as the payload had them. */
export interface NotificationMeta {
  receiver: string;
  status: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  truncatedAlerts: number;
  orgId?: number;
}

/** One inbound notification as intake accepted it. */
export interface InboundNotification {
  /** 'webhook', or 'receiver:<id>' for a receiver hook. */
  source: string;
  format: string;
  remoteAddr: string;
  body: string;
  receivedAt: number;
  alerts: Alert[];
  meta?: NotificationMeta;
  /** Work this notification causes beyond the common jobs, given its alerts that were stored. */
  plan?: (stored: readonly StoredAlert[]) => NotificationPlan;
  /**
   * Commit only the raw notification and an `ingest` job; its alerts are applied later, in a
   * large transaction of the job runner. The sender needs nothing the alerts' state decides.
   */
  deferApply?: boolean;
  /** The notifications row it was stored as, when it is applied after being appended. */
  id?: number;
}

/** The job that applies deferred notifications; its payload names their rows. */
export const INGEST_JOB = 'ingest';

export interface IngestJobPayload {
  notifications: number[];
}

/** Jobs and the execution records that let a caller follow them, written with the alerts. */
export interface NotificationPlan {
  jobs: JobSpec[];
  executions: NewExecution[];
}

/** An alert that was stored (not a duplicate), with what it changed. */
export interface StoredAlert {
  alert: Alert;
  notification: InboundNotification;
  newOccurrence: boolean;
  previousStatus: string | null;
  /** How many times this source has delivered this alert, this one included (repeats count). */
  receiptSeq: number;
}

export interface IngestOutcome {
  /** Per alert of the notification, in order: true when it was a duplicate and not stored. Empty when deferred. */
  deduplicated: boolean[];
}

export interface IngestResult {
  outcomes: IngestOutcome[];
  jobsEnqueued: number;
  /** The kinds of the jobs enqueued: only the runners of these kinds need waking. */
  enqueuedKinds: string[];
}

/** Decides which jobs the stored alerts cause; called inside the transaction (the outbox). */
export type JobPlanner = (stored: readonly StoredAlert[]) => JobSpec[];

export interface IngestOptions {
  dedupWindowMs: number;
  maxAttempts: number;
  planJobs: JobPlanner;
  now: () => number;
}

/**
 * A sender that omits startsAt (a curl, a script) repeats an alert that is still firing: it
 * belongs to the stored episode, as Alertmanager merges it, rather than opening a new one.
 */
function continueEpisode(alert: Alert, previous: AlertRow | undefined): Alert {
  if (!alert.startsAtImplied || !previous || previous.status !== 'firing') return alert;
  return { ...alert, startsAt: previous.starts_at };
}

/**
 * An episode older than the stored one, or news of the stored episode older than what is
 * stored (replicas applying out of order), only joins the history: it must not roll the alert back.
 */
function isStale(alert: Alert, at: number, previous: AlertRow): boolean {
  return alert.startsAt < previous.starts_at || (alert.startsAt === previous.starts_at && at < previous.last_seen);
}

/** Work accumulated across the notifications of one transaction. */
class IngestBatch {
  readonly dirty = new Map<string, AlertRow>();
  readonly dirtyReceipts = new Map<string, ReceiptRow>();
  readonly occurrences = new Map<string, OccurrenceUpdate>();
  readonly stored: StoredAlert[] = [];

  constructor(
    private readonly alerts: Map<string, AlertRow>,
    private readonly receipts: Map<string, ReceiptRow>,
    private readonly options: IngestOptions,
  ) {}

  /**
   * Applies one alert; returns true when it is a duplicate, from the same source, within the
   * window. Times are the notification's arrival, not the moment it is applied: a deferred
   * notification is judged as it would have been when it came in.
   */
  apply(given: Alert, notification: InboundNotification): boolean {
    const at = notification.receivedAt;
    const previous = this.alerts.get(given.fingerprint);
    const alert = continueEpisode(given, previous);
    const key = receiptKey(notification.source, alert.fingerprint);
    const receipt = this.receipts.get(key);
    if (receipt && this.isDuplicate(receipt, alert, at)) return true;
    const seq = (receipt?.seq ?? 0) + 1;
    const nextReceipt = { source: notification.source, fingerprint: alert.fingerprint, status: alert.status, starts_at: alert.startsAt, last_at: at, seq };
    this.receipts.set(key, nextReceipt);
    this.dirtyReceipts.set(key, nextReceipt);
    this.recordOccurrence(alert, at);
    if (previous && isStale(alert, at, previous)) return false;
    const row = alertRowFrom(alert, notification.source, previous, at);
    this.alerts.set(alert.fingerprint, row);
    this.dirty.set(alert.fingerprint, row);
    this.stored.push({
      alert,
      notification,
      newOccurrence: !previous || previous.starts_at !== alert.startsAt,
      previousStatus: previous?.status ?? null,
      receiptSeq: seq,
    });
    return false;
  }

  private isDuplicate(receipt: ReceiptRow, alert: Alert, at: number): boolean {
    return receipt.status === alert.status && receipt.starts_at === alert.startsAt && at - receipt.last_at < this.options.dedupWindowMs;
  }

  private recordOccurrence(alert: Alert, at: number): void {
    const key = `${alert.fingerprint}\u0000${alert.startsAt}`;
    const seen = this.occurrences.get(key);
    if (seen) {
      seen.status = alert.status;
      seen.endsAt = alert.endsAt;
      seen.lastReceived = at;
      seen.receivedCount += 1;
      return;
    }
    this.occurrences.set(key, {
      fingerprint: alert.fingerprint,
      startsAt: alert.startsAt,
      endsAt: alert.endsAt,
      status: alert.status,
      firstReceived: at,
      lastReceived: at,
      receivedCount: 1,
    });
  }
}

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

interface WriteRequest {
  /** New notifications: each is stored raw, then applied now or deferred. */
  append: readonly InboundNotification[];
  /** Notifications stored earlier, to apply now. */
  stored?: readonly InboundNotification[];
  /** Jobs that finish with this transaction. */
  complete: readonly { id: number; owner: string }[];
  /** Commit without fsync: for work that is done again if a power cut loses it. */
  relaxed?: boolean;
}

function write(store: Store, request: WriteRequest, options: IngestOptions): Promise<IngestResult> {
  if (store.sqlite) {
    const raw = store.sqlite;
    const run = async () => writeSqlite(store, raw, request, options);
    // Both hold Kysely's lock on the one connection while the synchronous transaction runs.
    return request.relaxed ? store.relaxed(run) : store.db.connection().execute(run);
  }
  return store.db.transaction().execute(async (trx) => {
    const now = options.now();
    const ids = await insertRawNotifications(trx, request.append);
    const deferred = request.append.flatMap((n, i) => (n.deferApply ? [{ id: ids[i] ?? 0, alerts: n.alerts.length }] : []));
    const applied = await applyKysely(trx, store, toApplyNow(request), options);
    const jobs = [...ingestJobs(deferred), ...applied.jobs];
    const jobsEnqueued = await enqueueJobs(trx, jobs, now, options.maxAttempts);
    assertLeasesHeld(await completeJobs(trx, request.complete, now), request.complete.length);
    if (jobsEnqueued > 0) await announceJobs(trx, store);
    return { outcomes: outcomesInOrder(request, applied.outcomes), jobsEnqueued, enqueuedKinds: kindsOf(jobs) };
  });
}

/** The notifications a write applies in its own transaction: those stored earlier, then the new ones not deferred. */
function toApplyNow(request: WriteRequest): InboundNotification[] {
  return [...(request.stored ?? []), ...request.append.filter((n) => !n.deferApply)];
}

function kindsOf(jobs: readonly JobSpec[]): string[] {
  return [...new Set(jobs.map((j) => j.kind))];
}

/** A job whose lease passed to another worker is that worker's to apply: roll this one back. */
function assertLeasesHeld(completed: number, claimed: number): void {
  if (completed < claimed) throw new Error(`${claimed - completed} of ${claimed} jobs were reclaimed by another worker; not applied here`);
}

/** The outcome of every notification the caller passed, in its order; deferred ones have none yet. */
function outcomesInOrder(request: WriteRequest, applied: Map<InboundNotification, IngestOutcome>): IngestOutcome[] {
  return [...(request.stored ?? []), ...request.append].map((n) => applied.get(n) ?? { deduplicated: [] });
}

/**
 * About this many alerts per ingest job: a job is the unit a busy process applies between
 * requests, so it must stay small; an idle one claims many and applies them together.
 */
const ALERTS_PER_INGEST_JOB = 100;

/** Ingest jobs for deferred notifications (row id and alert count), in order. */
function ingestJobs(deferred: readonly { id: number; alerts: number }[]): JobSpec[] {
  const jobs: JobSpec[] = [];
  let ids: number[] = [];
  let alerts = 0;
  const flush = () => {
    if (ids.length === 0) return;
    const payload: IngestJobPayload = { notifications: ids };
    jobs.push({ kind: INGEST_JOB, idempotencyKey: `${INGEST_JOB}:${ids[0]}`, payload });
    ids = [];
    alerts = 0;
  };
  for (const n of deferred) {
    if (alerts > 0 && alerts + n.alerts > ALERTS_PER_INGEST_JOB) flush();
    ids.push(n.id);
    alerts += n.alerts;
  }
  flush();
  return jobs;
}

async function applyKysely(
  trx: Trx,
  store: Store,
  notifications: readonly InboundNotification[],
  options: IngestOptions,
): Promise<{ outcomes: Map<InboundNotification, IngestOutcome>; jobs: JobSpec[] }> {
  if (notifications.length === 0) return { outcomes: new Map(), jobs: [] };
  const now = options.now();
  const fingerprints = [...new Set(notifications.flatMap((n) => n.alerts.map((a) => a.fingerprint)))];
  await lockFingerprints(trx, fingerprints);
  const receiptKeys = notifications.flatMap((n) => n.alerts.map((a) => ({ source: n.source, fingerprint: a.fingerprint })));
  const batch = new IngestBatch(await loadAlertsForUpdate(trx, store, fingerprints), await loadReceipts(trx, store, receiptKeys), options);
  const outcomes = new Map(notifications.map((n) => [n, { deduplicated: n.alerts.map((a) => batch.apply(a, n)) }]));
  await upsertAlerts(trx, [...batch.dirty.values()]);
  await upsertReceipts(trx, [...batch.dirtyReceipts.values()]);
  await upsertOccurrences(trx, [...batch.occurrences.values()]);
  const { jobs, executions } = plannedWork(batch, notifications, options);
  await insertExecutions(trx, executions, now);
  return { outcomes, jobs };
}

/**
 * Serializes the transactions that apply the same alerts, on every replica, until commit.
 * `FOR UPDATE` locks only rows that exist: two replicas applying a notification that an
 * Alertmanager HA pair sent to both would each find no receipt of a new alert and notify
 * twice. Waiting here, the second reads the first one's receipt and finds a duplicate. Locks
 * are taken in one order, so two transactions never wait for each other.
 */
async function lockFingerprints(trx: Trx, fingerprints: readonly string[]): Promise<void> {
  if (fingerprints.length === 0) return;
  await sql`select count(pg_advisory_xact_lock(h)) from (
      select distinct hashtextextended('alert:' || f, 0) as h from unnest(${fingerprints}::text[]) as f order by h offset 0
    ) as ordered`.execute(trx);
}

function plannedWork(batch: IngestBatch, notifications: readonly InboundNotification[], options: IngestOptions): NotificationPlan {
  const plans = notifications.flatMap((n) => (n.plan ? [n.plan(batch.stored.filter((st) => st.notification === n))] : []));
  return { jobs: [...options.planJobs(batch.stored), ...plans.flatMap((p) => p.jobs)], executions: plans.flatMap((p) => p.executions) };
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

/** Inserts raw notifications; returns their ids (for the ingest job that applies them). */
async function insertRawNotifications(trx: Trx, notifications: readonly InboundNotification[]): Promise<number[]> {
  const CHUNK = 500;
  const ids: number[] = [];
  for (let i = 0; i < notifications.length; i += CHUNK) {
    const rows = await trx
      .insertInto('notifications')
      .values(
        notifications.slice(i, i + CHUNK).map((n) => ({
          received_at: n.receivedAt,
          source: n.source,
          format: n.format,
          remote_addr: n.remoteAddr,
          alert_count: n.alerts.length,
          body: n.body,
        })),
      )
      .returning('id')
      .execute();
    ids.push(...rows.map((r) => Number(r.id)));
  }
  return ids;
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
