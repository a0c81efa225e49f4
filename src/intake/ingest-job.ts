import type { JobKind, JobResult } from '../jobs/runner.js';
import type { Log } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../store/database.js';
import {
  applyStoredNotifications,
  ingestJobIds,
  INGEST_JOB,
  loadNotifications,
  type InboundNotification,
  type IngestOptions,
} from '../store/ingest.js';
import type { ClaimedJob } from '../store/jobs.js';
import type { NotificationRow } from '../store/tables.js';
import { alertsOf, notificationMeta } from './webhook.js';
import { validateWebhookPayload } from './payload.js';
import { nextTurn } from '../jobs/turn.js';

export interface IngestJobDeps {
  store: Store;
  options: IngestOptions;
  metrics: Metrics;
  log: Log;
  /** Called after a transaction that enqueued jobs (analyses, routing) committed, with their kinds. */
  onApplied: (kinds: readonly string[]) => void;
  /** True while requests keep the event loop busy: applying then takes a fifth of the loop at most. */
  busy: () => boolean;
}

/** While busy, each chunk is followed by a pause this many times as long as it held the event loop. */
const BUSY_PAUSE_FACTOR = 4;
/**
 * …plus this many times as long as it waited for the database. A database on the same host
 * takes its CPU from the requests too: pausing for the loop time alone let applying take the
 * cores, and single-alert intake on PostgreSQL fell from 4,600 to 2,700 requests/s.
 */
const DATABASE_PAUSE_FACTOR = 1;

/**
 * Rebuilds a notification from its stored row exactly as POST /webhook read it: the same
 * validator (with its coercions) and the arrival time as "now" for implied times.
 */
export function reviveNotification(row: NotificationRow): InboundNotification {
  if (row.source !== 'webhook') throw new Error(`notification ${row.id}: source "${row.source}" is not applied by ingest jobs`);
  const payload: unknown = JSON.parse(row.body);
  if (!validateWebhookPayload(payload)) throw new Error(`notification ${row.id}: body no longer matches the webhook schema`);
  return {
    id: row.id,
    source: row.source,
    format: row.format,
    remoteAddr: row.remote_addr,
    body: row.body,
    receivedAt: row.received_at,
    alerts: alertsOf(payload, row.received_at),
    meta: notificationMeta(payload),
  };
}

/**
 * The second half of POST /webhook: applies appended notifications (alert state, receipts,
 * occurrences, the analyses and routing they cause) in one transaction per claim, which also
 * completes the claim's jobs. Claims must run one at a time, oldest first, so a resolve is
 * never applied before the firing it ends.
 */
export function ingestJobKind(deps: IngestJobDeps): JobKind {
  return {
    kind: INGEST_JOB,
    async run(jobs: readonly ClaimedJob[]): Promise<JobResult[]> {
      const results = new Map<ClaimedJob, JobResult>();
      for (const chunk of transactionsOf(jobs)) {
        let heldMs = 0;
        const started = performance.now();
        try {
          heldMs = await applyChunk(deps, chunk);
          for (const job of chunk) results.set(job, { ok: true, completed: true });
        } catch (error) {
          for (const job of chunk) results.set(job, { ok: false, error: error instanceof Error ? error.message : String(error) });
        }
        // Requests that arrived meanwhile are answered before the next chunk (or claim); while
        // they keep coming, alert state lags behind rather than the answers. The pause is as
        // long as the chunk held the event loop, times the factor: not its wall time (on
        // PostgreSQL mostly the database's work, when requests are served anyway), nor the
        // process's CPU time (which counts analyses and requests that ran meanwhile).
        const waitedMs = Math.max(0, performance.now() - started - heldMs);
        const pause = deps.busy() ? heldMs * BUSY_PAUSE_FACTOR + waitedMs * DATABASE_PAUSE_FACTOR : 0;
        await (pause > 0 ? new Promise((r) => setTimeout(r, pause)) : nextTurn());
      }
      return jobs.map((j) => results.get(j) ?? { ok: false, error: 'not applied' });
    },
  };
}

/**
 * About this many alerts per transaction: one that holds the event loop for a few
 * milliseconds on SQLite, and on PostgreSQL few enough round trips per alert that applying
 * keeps pace with intake however small each group commit's job is.
 */
const ALERTS_PER_TRANSACTION = 500;

/** Jobs written before their payload counted alerts hold about this many (the size they were cut to). */
const ALERTS_PER_UNCOUNTED_JOB = 100;

function alertsIn(job: ClaimedJob): number {
  const payload = job.payload as { alerts?: unknown } | null;
  return typeof payload?.alerts === 'number' ? payload.alerts : ALERTS_PER_UNCOUNTED_JOB;
}

/** The claim cut into transactions of about ALERTS_PER_TRANSACTION alerts, oldest first. */
function transactionsOf(jobs: readonly ClaimedJob[]): ClaimedJob[][] {
  const chunks: ClaimedJob[][] = [];
  let current: ClaimedJob[] = [];
  let alerts = 0;
  for (const job of jobs) {
    if (current.length > 0 && alerts + alertsIn(job) > ALERTS_PER_TRANSACTION) {
      chunks.push(current);
      current = [];
      alerts = 0;
    }
    current.push(job);
    alerts += alertsIn(job);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Applies one transaction's jobs; returns how long it held the event loop (ms). */
async function applyChunk(deps: IngestJobDeps, chunk: readonly ClaimedJob[]): Promise<number> {
  const rows = await loadNotifications(deps.store, chunk.flatMap((j) => ingestJobIds(j.payload)));
  const reviving = performance.now();
  const notifications = rows.flatMap((row) => revived(deps, row));
  const revivedMs = performance.now() - reviving;
  const { outcomes, jobsEnqueued, enqueuedKinds, loopMs } = await applyStoredNotifications(
    deps.store,
    notifications,
    chunk,
    deps.options,
  );
  notifications.forEach((n, i) =>
    n.alerts.forEach((a, j) => {
      if (outcomes[i]?.deduplicated[j]) deps.metrics.alertsDeduplicated.inc();
      else deps.metrics.alertsReceived.inc({ status: a.status });
    }),
  );
  if (jobsEnqueued > 0) deps.onApplied(enqueuedKinds);
  return revivedMs + loopMs;
}

function revived(deps: IngestJobDeps, row: NotificationRow): InboundNotification[] {
  try {
    return [reviveNotification(row)];
  } catch (error) {
    // Kept raw for inspection; the rest of the claim must not wait on it.
    deps.log.error({ err: error, notification: row.id }, 'a stored notification could not be applied');
    return [];
  }
}
