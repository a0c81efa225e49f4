// What every dialect's ingest shares: the notification and outcome types, the rules that
// decide what an alert's arrival changes (dedup, episodes, staleness), and the shape of a write.
import type { Alert } from '../model/alert.js';
import { continueEpisode, isDuplicate, isStale, opensEpisode } from '../model/episode.js';
import { alertRowFrom, receiptKey, type OccurrenceUpdate } from './alerts.js';
import type { NewExecution } from './executions.js';
import type { JobSpec } from './jobs.js';
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
  /** How many alerts those notifications carry: the job runner sizes its transactions by it. */
  alerts?: number;
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
  /**
   * How long the write held the event loop (its synchronous work; on SQLite all of it, on
   * PostgreSQL not the waits for the server): what a caller pacing itself against requests counts.
   */
  loopMs: number;
}

/** The synchronous sections of a write, timed and summed. */
export class LoopTime {
  ms = 0;

  held<T>(fn: () => T): T {
    const started = performance.now();
    try {
      return fn();
    } finally {
      this.ms += performance.now() - started;
    }
  }
}

/** Decides which jobs the stored alerts cause; called inside the transaction (the outbox). */
export type JobPlanner = (stored: readonly StoredAlert[]) => JobSpec[];

export interface IngestOptions {
  dedupWindowMs: number;
  maxAttempts: number;
  planJobs: JobPlanner;
  now: () => number;
}

/** The columns of an alert row, in the order both dialects' upserts write them. */
export const ALERT_COLUMNS = [
  'fingerprint', 'alertname', 'namespace', 'instance', 'job', 'status', 'labels', 'annotations', 'extra', 'generator_url',
  'starts_at', 'ends_at', 'source', 'first_seen', 'last_seen', 'last_change', 'received_count', 'occurrence_count',
] as const satisfies readonly (keyof AlertRow)[];

/** Work accumulated across the notifications of one transaction. */
export class IngestBatch {
  readonly dirty = new Map<string, AlertRow>();
  readonly dirtyReceipts = new Map<string, ReceiptRow>();
  readonly occurrences = new Map<string, OccurrenceUpdate>();
  readonly stored: StoredAlert[] = [];

  constructor(
    private readonly alerts: Map<string, AlertRow>,
    private readonly receipts: Map<string, ReceiptRow>,
    private readonly options: IngestOptions,
  ) {}

  /** Applies every alert of the notifications, in order: each notification's outcome. */
  applyAll(notifications: readonly InboundNotification[]): Map<InboundNotification, IngestOutcome> {
    return new Map(notifications.map((n) => [n, { deduplicated: n.alerts.map((a) => this.apply(a, n)) }]));
  }

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
    if (receipt && isDuplicate(receipt, alert, at, this.options.dedupWindowMs)) return true;
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
      newOccurrence: opensEpisode(alert, previous),
      previousStatus: previous?.status ?? null,
      receiptSeq: seq,
    });
    return false;
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

export interface WriteRequest {
  /** New notifications: each is stored raw, then applied now or deferred. */
  append: readonly InboundNotification[];
  /** Notifications stored earlier, to apply now. */
  stored?: readonly InboundNotification[];
  /** Jobs that finish with this transaction. */
  complete: readonly { id: number; owner: string }[];
  /** Commit without fsync: for work that is done again if a power cut loses it. */
  relaxed?: boolean;
}


/** The notifications a write applies in its own transaction: those stored earlier, then the new ones not deferred. */
export function toApplyNow(request: WriteRequest): InboundNotification[] {
  return [...(request.stored ?? []), ...request.append.filter((n) => !n.deferApply)];
}

export function kindsOf(jobs: readonly JobSpec[]): string[] {
  return [...new Set(jobs.map((j) => j.kind))];
}

/** A job whose lease passed to another worker is that worker's to apply: roll this one back. */
export function assertLeasesHeld(completed: number, claimed: number): void {
  if (completed < claimed) throw new Error(`${claimed - completed} of ${claimed} jobs were reclaimed by another worker; not applied here`);
}

/** The outcome of every notification the caller passed, in its order; deferred ones have none yet. */
export function outcomesInOrder(request: WriteRequest, applied: Map<InboundNotification, IngestOutcome>): IngestOutcome[] {
  return [...(request.stored ?? []), ...request.append].map((n) => applied.get(n) ?? { deduplicated: [] });
}

/**
 * About this many alerts per ingest job: a job is the unit a busy process applies between
 * requests, so it must stay small; an idle one claims many and applies them together.
 */
export const ALERTS_PER_INGEST_JOB = 100;

/** Ingest jobs for deferred notifications (row id and alert count), in order. */
export function ingestJobs(deferred: readonly { id: number; alerts: number }[]): JobSpec[] {
  const jobs: JobSpec[] = [];
  let ids: number[] = [];
  let alerts = 0;
  const flush = () => {
    if (ids.length === 0) return;
    const payload: IngestJobPayload = { notifications: ids, alerts };
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

export function plannedWork(batch: IngestBatch, notifications: readonly InboundNotification[], options: IngestOptions): NotificationPlan {
  const plans = notifications.flatMap((n) => (n.plan ? [n.plan(batch.stored.filter((st) => st.notification === n))] : []));
  return { jobs: [...options.planJobs(batch.stored), ...plans.flatMap((p) => p.jobs)], executions: plans.flatMap((p) => p.executions) };
}
