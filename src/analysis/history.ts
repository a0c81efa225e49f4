import type { AlertRow, OccurrenceRow } from '../store/tables.js';

/** A related alert as the report lists it. */
export interface RelatedAlert {
  fingerprint: string;
  alertname: string;
  startsAt: number;
  shared: string[];
}

/** What the store's history says about one alert, computed without any network. */
export interface HistoryFacts {
  alertname: string;
  status: string;
  startsAt: number;
  endsAt: number | null;
  firstSeen: number;
  lastSeen: number;
  notificationsReceived: number;
  occurrences: number;
  firingForMs: number;
  meanTimeBetweenFiringsMs: number | null;
  stateChangesInWindow: number;
  flapping: boolean;
  related: RelatedAlert[];
}

/** A firing alert beside this one: only what the related list shows. */
export type Neighbour = Pick<AlertRow, 'fingerprint' | 'alertname' | 'starts_at' | 'instance' | 'namespace' | 'job'>;

export const FLAPPING_WINDOW_MS = 60 * 60 * 1000;
/** Four state changes within an hour: at least two firings that each came back. */
export const FLAPPING_THRESHOLD = 4;

/** Pure: facts from the alert row, its recent occurrences (newest first) and firing neighbours. */
export function historyFacts(alert: AlertRow, occurrences: readonly OccurrenceRow[], neighbours: readonly Neighbour[], now: number): HistoryFacts {
  const windowStart = now - FLAPPING_WINDOW_MS;
  let stateChanges = 0;
  for (const o of occurrences) {
    if (o.starts_at >= windowStart) stateChanges++;
    if (o.ends_at !== null && o.ends_at >= windowStart && o.ends_at <= now) stateChanges++;
  }
  const starts = occurrences.map((o) => o.starts_at).sort((a, b) => a - b);
  const first = starts[0];
  const last = starts[starts.length - 1];
  const meanGap = starts.length > 1 && first !== undefined && last !== undefined ? (last - first) / (starts.length - 1) : null;
  const end = alert.status === 'resolved' && alert.ends_at !== null ? alert.ends_at : now;
  return {
    alertname: alert.alertname,
    status: alert.status,
    startsAt: alert.starts_at,
    endsAt: alert.ends_at,
    firstSeen: alert.first_seen,
    lastSeen: alert.last_seen,
    notificationsReceived: alert.received_count,
    occurrences: Math.max(alert.occurrence_count, occurrences.length),
    firingForMs: Math.max(0, end - alert.starts_at),
    meanTimeBetweenFiringsMs: meanGap,
    stateChangesInWindow: stateChanges,
    flapping: stateChanges >= FLAPPING_THRESHOLD,
    related: neighbours.map((n) => ({
      fingerprint: n.fingerprint,
      alertname: n.alertname,
      startsAt: n.starts_at,
      shared: (['instance', 'namespace', 'job'] as const).filter((k) => n[k] !== null && n[k] === alert[k]),
    })),
  };
}
