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

/** While busy, each chunk is followed by a pause this many times as long as the chunk took. */
const BUSY_PAUSE_FACTOR = 4;

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
      for (let i = 0; i < jobs.length; i += JOBS_PER_TRANSACTION) {
        const chunk = jobs.slice(i, i + JOBS_PER_TRANSACTION);
        const started = performance.now();
        try {
          await applyChunk(deps, chunk);
          for (const job of chunk) results.set(job, { ok: true, completed: true });
        } catch (error) {
          for (const job of chunk) results.set(job, { ok: false, error: error instanceof Error ? error.message : String(error) });
        }
        // Requests that arrived meanwhile are answered before the next chunk (or claim); while
        // they keep coming, alert state lags behind rather than the answers.
        const pause = deps.busy() ? (performance.now() - started) * BUSY_PAUSE_FACTOR : 0;
        await (pause > 0 ? new Promise((r) => setTimeout(r, pause)) : nextTurn());
      }
      return jobs.map((j) => results.get(j) ?? { ok: false, error: 'not applied' });
    },
  };
}

/**
 * Ingest jobs hold about 100 alerts each: five make a transaction that holds the event loop for
 * a few milliseconds. Rows are read per chunk, so they are garbage before the next one.
 */
const JOBS_PER_TRANSACTION = 5;

async function applyChunk(deps: IngestJobDeps, chunk: readonly ClaimedJob[]): Promise<void> {
  const rows = await loadNotifications(deps.store, chunk.flatMap((j) => ingestJobIds(j.payload)));
  const notifications = rows.flatMap((row) => revived(deps, row));
  const { outcomes, jobsEnqueued, enqueuedKinds } = await applyStoredNotifications(
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
