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
import { insertExecutions, type NewExecution } from './executions.js';
import { announceJobs, enqueueJobs, type JobSpec } from './jobs.js';
import type { AlertRow, ReceiptRow } from './tables.js';

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
    const plans = notifications.flatMap((n) => (n.plan ? [n.plan(batch.stored.filter((st) => st.notification === n))] : []));
    const jobs = [...options.planJobs(batch.stored), ...plans.flatMap((p) => p.jobs)];
    await insertExecutions(trx, plans.flatMap((p) => p.executions), now);
    const jobsEnqueued = await enqueueJobs(trx, jobs, now, options.maxAttempts);
    if (jobsEnqueued > 0) await announceJobs(trx, store);
    return { outcomes, jobsEnqueued };
  });
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
