import type { Alert } from '../model/alert.js';
import type { Store } from './database.js';
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
import { announceJobs, enqueueJobs, type JobSpec } from './jobs.js';
import type { AlertRow, ReceiptRow } from './tables.js';
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
  /** Per alert of the notification, in order: true when it was a duplicate and not stored. */
  deduplicated: boolean[];
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
    private readonly now: number,
  ) {}

  /** Applies one alert; returns true when it is a duplicate, from the same source, within the window. */
  apply(given: Alert, notification: InboundNotification): boolean {
    const previous = this.alerts.get(given.fingerprint);
    const alert = continueEpisode(given, previous);
    const key = receiptKey(notification.source, alert.fingerprint);
    const receipt = this.receipts.get(key);
    if (receipt && this.isDuplicate(receipt, alert)) return true;
    const seq = (receipt?.seq ?? 0) + 1;
    const nextReceipt = { source: notification.source, fingerprint: alert.fingerprint, status: alert.status, starts_at: alert.startsAt, last_at: this.now, seq };
    this.receipts.set(key, nextReceipt);
    this.dirtyReceipts.set(key, nextReceipt);
    this.recordOccurrence(alert);
    // An episode older than the stored one only joins the history; it must not roll the alert back.
    if (previous && alert.startsAt < previous.starts_at) return false;
    const row = alertRowFrom(alert, notification.source, previous, this.now);
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

  private isDuplicate(receipt: ReceiptRow, alert: Alert): boolean {
    return (
      receipt.status === alert.status &&
      receipt.starts_at === alert.startsAt &&
      this.now - receipt.last_at < this.options.dedupWindowMs
    );
  }

  private recordOccurrence(alert: Alert): void {
    const key = `${alert.fingerprint}\u0000${alert.startsAt}`;
    const seen = this.occurrences.get(key);
    if (seen) {
      seen.status = alert.status;
      seen.endsAt = alert.endsAt;
      seen.lastReceived = this.now;
      seen.receivedCount += 1;
      return;
    }
    this.occurrences.set(key, {
      fingerprint: alert.fingerprint,
      startsAt: alert.startsAt,
      endsAt: alert.endsAt,
      status: alert.status,
      firstReceived: this.now,
      lastReceived: this.now,
      receivedCount: 1,
    });
  }
}

/**
 * Stores notifications in one transaction: raw bodies, alert state, occurrences, and the jobs
 * they cause. Nothing is acknowledged before this commits.
 */
export async function ingestNotifications(
  store: Store,
  notifications: readonly InboundNotification[],
  options: IngestOptions,
): Promise<{ outcomes: IngestOutcome[]; jobsEnqueued: number }> {
  if (store.sqlite) {
    const raw = store.sqlite;
    return store.db.connection().execute(async () => ingestSqlite(store, raw, notifications, options));
  }
  const now = options.now();
  return store.db.transaction().execute(async (trx) => {
    const fingerprints = [...new Set(notifications.flatMap((n) => n.alerts.map((a) => a.fingerprint)))];
    const receiptKeys = notifications.flatMap((n) => n.alerts.map((a) => ({ source: n.source, fingerprint: a.fingerprint })));
    const batch = new IngestBatch(
      await loadAlertsForUpdate(trx, store, fingerprints),
      await loadReceipts(trx, store, receiptKeys),
      options,
      now,
    );
    const outcomes = notifications.map((n) => ({ deduplicated: n.alerts.map((a) => batch.apply(a, n)) }));
    await insertRawNotifications(trx, notifications);
    await upsertAlerts(trx, [...batch.dirty.values()]);
    await upsertReceipts(trx, [...batch.dirtyReceipts.values()]);
    await upsertOccurrences(trx, [...batch.occurrences.values()]);
    const { jobs, executions } = plannedWork(batch, notifications, options);
    await insertExecutions(trx, executions, now);
    const jobsEnqueued = await enqueueJobs(trx, jobs, now, options.maxAttempts);
    if (jobsEnqueued > 0) await announceJobs(trx, store);
    return { outcomes, jobsEnqueued };
  });
}

function plannedWork(batch: IngestBatch, notifications: readonly InboundNotification[], options: IngestOptions): NotificationPlan {
  const plans = notifications.flatMap((n) => (n.plan ? [n.plan(batch.stored.filter((st) => st.notification === n))] : []));
  return { jobs: [...options.planJobs(batch.stored), ...plans.flatMap((p) => p.jobs)], executions: plans.flatMap((p) => p.executions) };
}

const ALERT_COLUMNS = [
  'fingerprint', 'alertname', 'namespace', 'instance', 'job', 'status', 'labels', 'annotations', 'extra', 'generator_url',
  'starts_at', 'ends_at', 'source', 'first_seen', 'last_seen', 'last_change', 'received_count', 'occurrence_count',
] as const;

/** The ingest statements of one SQLite connection, prepared once. */
function sqliteStatements(raw: BetterSqlite3.Database) {
  return {
    alert: raw.prepare('select * from alerts where fingerprint = ?'),
    receipt: raw.prepare('select * from receipts where source = ? and fingerprint = ?'),
    notification: raw.prepare(
      'insert into notifications (received_at, source, format, remote_addr, alert_count, body) values (?, ?, ?, ?, ?, ?)',
    ),
    upsertAlert: raw.prepare(
      `insert into alerts (${ALERT_COLUMNS.join(', ')}) values (${ALERT_COLUMNS.map((c) => `@${c}`).join(', ')})
       on conflict (fingerprint) do update set ${ALERT_COLUMNS.filter((c) => c !== 'fingerprint' && c !== 'first_seen')
         .map((c) => `${c} = excluded.${c}`)
         .join(', ')}`,
    ),
    upsertReceipt: raw.prepare(
      `insert into receipts (source, fingerprint, status, starts_at, last_at, seq) values (@source, @fingerprint, @status, @starts_at, @last_at, @seq)
       on conflict (source, fingerprint) do update set status = excluded.status, starts_at = excluded.starts_at, last_at = excluded.last_at, seq = excluded.seq`,
    ),
    upsertOccurrence: raw.prepare(
      `insert into occurrences (fingerprint, starts_at, ends_at, status, first_received, last_received, received_count) values (?, ?, ?, ?, ?, ?, ?)
       on conflict (fingerprint, starts_at) do update set ends_at = excluded.ends_at, status = excluded.status,
         last_received = excluded.last_received, received_count = occurrences.received_count + excluded.received_count`,
    ),
    job: raw.prepare(
      `insert into jobs (kind, idempotency_key, payload, state, attempts, max_attempts, run_at, lease_owner, lease_expires_at, last_error, created_at, updated_at)
       values (?, ?, ?, 'pending', 0, ?, ?, null, null, null, ?, ?) on conflict (idempotency_key) do nothing`,
    ),
  };
}

const prepared = new WeakMap<BetterSqlite3.Database, ReturnType<typeof sqliteStatements>>();

/**
 * The same transaction as ingestNotifications', on SQLite: prepared statements run synchronously
 * in one BEGIN…COMMIT. Building multi-row INSERTs with Kysely (an AST node per value, a new
 * statement to prepare for every batch size) cost more than SQLite's own work, and every await
 * between statements was a trip through the microtask queue.
 */
function ingestSqlite(
  store: Store,
  raw: BetterSqlite3.Database,
  notifications: readonly InboundNotification[],
  options: IngestOptions,
): { outcomes: IngestOutcome[]; jobsEnqueued: number } {
  let st = prepared.get(raw);
  if (!st) prepared.set(raw, (st = sqliteStatements(raw)));
  const s = st;
  const now = options.now();
  return raw.transaction(() => {
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
    const batch = new IngestBatch(alerts, receipts, options, now);
    const outcomes = notifications.map((n) => ({ deduplicated: n.alerts.map((a) => batch.apply(a, n)) }));
    for (const n of notifications) s.notification.run(n.receivedAt, n.source, n.format, n.remoteAddr, n.alerts.length, n.body);
    for (const row of batch.dirty.values()) s.upsertAlert.run(row);
    for (const row of batch.dirtyReceipts.values()) s.upsertReceipt.run(row);
    for (const o of batch.occurrences.values()) {
      s.upsertOccurrence.run(o.fingerprint, o.startsAt, o.endsAt, o.status, o.firstReceived, o.lastReceived, o.receivedCount);
    }
    const { jobs, executions } = plannedWork(batch, notifications, options);
    const insertExecutions = insertExecutionsQuery(store.db, executions, now)?.compile();
    if (insertExecutions) raw.prepare(insertExecutions.sql).run(...insertExecutions.parameters);
    let jobsEnqueued = 0;
    for (const j of jobs) {
      jobsEnqueued += s.job.run(j.kind, j.idempotencyKey, JSON.stringify(j.payload), j.maxAttempts ?? options.maxAttempts, j.runAt ?? now, now, now).changes;
    }
    return { outcomes, jobsEnqueued };
  })();
}

async function insertRawNotifications(trx: Trx, notifications: readonly InboundNotification[]): Promise<void> {
  const CHUNK = 500;
  for (let i = 0; i < notifications.length; i += CHUNK) {
    await trx
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
      .execute();
  }
}

/** Deletes raw notifications past their age, and the oldest beyond the count limit. */
export async function purgeRawNotifications(store: Store, olderThan: number, keepAtMost: number): Promise<number> {
  let deleted = Number((await store.db.deleteFrom('notifications').where('received_at', '<', olderThan).executeTakeFirst()).numDeletedRows);
  const cutoff = await store.db
    .selectFrom('notifications')
    .select('id')
    .orderBy('id', 'desc')
    .offset(keepAtMost)
    .limit(1)
    .executeTakeFirst();
  if (cutoff) {
    deleted += Number((await store.db.deleteFrom('notifications').where('id', '<=', cutoff.id).executeTakeFirst()).numDeletedRows);
  }
  return deleted;
}
