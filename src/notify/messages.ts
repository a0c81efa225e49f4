import { createHash } from 'node:crypto';
import type { DeliveryRow } from '../store/deliveries.js';
import type { JobSpec } from '../store/jobs.js';
import { deliverJob } from './deliver-job.js';
import { split, type OutboundNotification } from './outbound.js';
import type { LoadedContactPoint } from './registry.js';

/**
 * The webhook-id of a message: derived from the contact point and what caused the message, so
 * a rerun of the routing that made it yields the same id (and the same row), and every retry
 * carries it. Standard Webhooks receivers use it to drop repeats.
 */
export function webhookId(contactPointId: string, cause: string): string {
  return `msg_${createHash('sha256').update(`${contactPointId}\u0000${cause}`).digest('base64url').slice(0, 27)}`;
}

/** "HighCPU, DiskFull +3 more": what a delivery is about, for the log. */
export function summarize(n: OutboundNotification): string {
  const names = [...new Set(n.alerts.map((a) => a.labels.alertname || 'Unknown'))];
  const shown = names.slice(0, 3).join(', ');
  return names.length > 3 ? `${shown} +${names.length - 3} more` : shown;
}

export function deliveryRow(id: string, cp: LoadedContactPoint, n: OutboundNotification, kind: 'alert' | 'test', now: number): DeliveryRow {
  return {
    id,
    contact_point_id: cp.id,
    kind,
    state: 'pending',
    generation: 1,
    status: n.status,
    alert_count: n.alerts.length,
    summary: summarize(n),
    notification: JSON.stringify(n),
    body: null,
    content_type: null,
    attempts: 0,
    created_at: now,
    series_started_at: now,
    updated_at: now,
    next_attempt_at: now,
    last_attempt_at: null,
    last_status: null,
    last_error: null,
    delivered_at: null,
  };
}

/**
 * The deliveries (and their jobs) of one outbound notification: one, or several when the
 * contact point splits notifications larger than maxAlerts instead of truncating them.
 */
export function messagesFor(cp: LoadedContactPoint, n: OutboundNotification, cause: string, now: number): { rows: DeliveryRow[]; jobs: JobSpec[] } {
  const s = cp.settings;
  const parts = s.maxAlertsMode === 'split' ? split(n, s.maxAlerts) : [n];
  const rows: DeliveryRow[] = [];
  const jobs: JobSpec[] = [];
  parts.forEach((part, i) => {
    const partCause = parts.length > 1 ? `${cause}#${i + 1}` : cause;
    const id = webhookId(cp.id, partCause);
    rows.push(deliveryRow(id, cp, part, 'alert', now));
    jobs.push(deliverJob(`deliver:${cp.id}:${partCause}`, id, 1));
  });
  return { rows, jobs };
}
