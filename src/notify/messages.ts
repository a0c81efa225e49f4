import { createHash } from 'node:crypto';
import type { DeliveryRow } from '../store/deliveries.js';
import { split, type OutboundNotification } from './outbound.js';
import type { LoadedContactPoint } from './registry.js';

/**
 * The webhook-id of a message: derived from the contact point and what caused the message, so
 * a rerun of the routing that made it yields the same id (and the same row), and every retry
 * carries it. Standard Webhooks receivers use it to drop repeats. It starts with the time of the
 * cause, so ids made together are neighbours in the deliveries' primary key: a random id cost
 * one page write per delivery.
 */
export function webhookId(contactPointId: string, cause: string, at: number): string {
  const hash = createHash('sha256').update(`${contactPointId}\u0000${cause}`).digest('base64url').slice(0, 18);
  return `msg_${Math.max(0, Math.floor(at)).toString(36).padStart(9, '0')}${hash}`;
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
    lease_owner: null,
    last_attempt_at: null,
    last_status: null,
    last_error: null,
    delivered_at: null,
  };
}

/**
 * The deliveries of one outbound notification, due now: one, or several when the contact point
 * splits notifications larger than maxAlerts instead of truncating them.
 */
export function messagesFor(cp: LoadedContactPoint, n: OutboundNotification, cause: { key: string; at: number }, now: number): DeliveryRow[] {
  const s = cp.settings;
  const parts = s.maxAlertsMode === 'split' ? split(n, s.maxAlerts) : [n];
  return parts.map((part, i) => {
    const partCause = parts.length > 1 ? `${cause.key}#${i + 1}` : cause.key;
    return deliveryRow(webhookId(cp.id, partCause, cause.at), cp, part, 'alert', now);
  });
}
