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

export interface IngestJobDeps {
  store: Store;
  options: IngestOptions;
  metrics: Metrics;
  log: Log;
  /** Called after a transaction that enqueued jobs (analyses, routing) committed. */
  onApplied: (jobsEnqueued: number) => void;
}

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
      const rows = await loadNotifications(deps.store, jobs.flatMap((j) => ingestJobIds(j.payload)));
      const notifications = rows.flatMap((row) => {
        try {
          return [reviveNotification(row)];
        } catch (error) {
          // Kept raw for inspection; the rest of the claim must not wait on it.
          deps.log.error({ err: error, notification: row.id }, 'a stored notification could not be applied');
          return [];
        }
      });
      const { outcomes, jobsEnqueued } = await applyStoredNotifications(deps.store, notifications, jobs, deps.options);
      notifications.forEach((n, i) =>
        n.alerts.forEach((a, j) => {
          if (outcomes[i]?.deduplicated[j]) deps.metrics.alertsDeduplicated.inc();
          else deps.metrics.alertsReceived.inc({ status: a.status });
        }),
      );
      if (jobsEnqueued > 0) deps.onApplied(jobsEnqueued);
      return jobs.map(() => ({ ok: true, completed: true }));
    },
  };
}
