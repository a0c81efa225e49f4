import type { Transaction } from 'kysely';
import { alertName, type Alert, type AlertStatus } from '../model/alert.js';
import { opensEpisode } from '../model/episode.js';
import type { Store } from './database.js';
import type { DeliveryRow } from './deliveries.js';
import type { AlertRow, Database, OccurrenceRow } from './tables.js';

export type Trx = Transaction<Database>;

export function receiptKey(source: string, fingerprint: string): string {
  return `${source}\u0000${fingerprint}`;
}

export function alertRowFrom(alert: Alert, source: string, previous: AlertRow | undefined, now: number): AlertRow {
  const newOccurrence = opensEpisode(alert, previous);
  return {
    fingerprint: alert.fingerprint,
    alertname: alertName(alert),
    namespace: alert.labels.namespace ?? null,
    instance: alert.labels.instance ?? null,
    job: alert.labels.job ?? null,
    status: alert.status,
    labels: JSON.stringify(alert.labels),
    annotations: JSON.stringify(alert.annotations),
    extra: JSON.stringify(alert.extras),
    generator_url: alert.generatorURL,
    starts_at: alert.startsAt,
    ends_at: alert.endsAt,
    source,
    first_seen: previous?.first_seen ?? now,
    last_seen: now,
    last_change: previous && previous.status === alert.status && !newOccurrence ? previous.last_change : now,
    received_count: (previous?.received_count ?? 0) + 1,
    occurrence_count: (previous?.occurrence_count ?? 0) + (newOccurrence ? 1 : 0),
  };
}

/** The JSON columns of a stored alert, decoded: callers read these instead of parsing columns. */
export interface AlertDetails {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  extra: Record<string, string | undefined>;
}

export function alertDetails(row: Pick<AlertRow, 'labels' | 'annotations'> & Partial<Pick<AlertRow, 'extra'>>): AlertDetails {
  return {
    labels: JSON.parse(row.labels) as Record<string, string>,
    annotations: JSON.parse(row.annotations) as Record<string, string>,
    extra: row.extra === undefined ? {} : (JSON.parse(row.extra) as Record<string, string | undefined>),
  };
}

/** One firing episode's receipts within a write, merged before they reach the table. */
export interface OccurrenceUpdate {
  fingerprint: string;
  startsAt: number;
  endsAt: number | null;
  status: AlertStatus;
  firstReceived: number;
  lastReceived: number;
  receivedCount: number;
}

export async function getAlert(store: Store, fingerprint: string): Promise<AlertRow | undefined> {
  return store.db.selectFrom('alerts').selectAll().where('fingerprint', '=', fingerprint).executeTakeFirst();
}

export async function countAlerts(store: Store): Promise<number> {
  const row = await store.db.selectFrom('alerts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listOccurrences(store: Store, fingerprint: string, limit = 100): Promise<OccurrenceRow[]> {
  return store.db
    .selectFrom('occurrences')
    .selectAll()
    .where('fingerprint', '=', fingerprint)
    .orderBy('starts_at', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Firing alerts other than `fingerprint` that share its instance, namespace or job, newest
 * first. One indexed query per key, so a storm of thousands of alerts on one job stays cheap.
 */
export async function findFiringNeighbours(
  store: Store,
  alert: Pick<AlertRow, 'fingerprint' | 'instance' | 'namespace' | 'job'>,
  limit = 50,
): Promise<AlertRow[]> {
  const found = new Map<string, AlertRow>();
  for (const key of ['instance', 'namespace', 'job'] as const) {
    const value = alert[key];
    if (value === null) continue;
    const rows = await store.db
      .selectFrom('alerts')
      .selectAll()
      .where('status', '=', 'firing')
      .where(key, '=', value)
      .where('fingerprint', '!=', alert.fingerprint)
      .orderBy('starts_at', 'desc')
      .limit(limit)
      .execute();
    for (const row of rows) found.set(row.fingerprint, row);
  }
  return [...found.values()].sort((a, b) => b.starts_at - a.starts_at).slice(0, limit);
}

/** Sort columns of the alert list. */
export const ALERT_SORTS = { lastSeen: 'last_seen', startsAt: 'starts_at', alertname: 'alertname', status: 'status' } as const;
export type AlertSort = keyof typeof ALERT_SORTS;

export interface AlertListQuery {
  status?: AlertStatus;
  /** The `source` column: `webhook`, or `receiver:<id>` for hook calls. */
  source?: string;
  sort: AlertSort;
  direction: 'asc' | 'desc';
  limit: number;
}

/** Alerts for the console list; label filters run on the result, so `limit` is a scan bound. */
export async function listAlertRows(store: Store, q: AlertListQuery): Promise<AlertRow[]> {
  let query = store.db.selectFrom('alerts').selectAll();
  if (q.status) query = query.where('status', '=', q.status);
  if (q.source) query = query.where('source', '=', q.source);
  return query.orderBy(ALERT_SORTS[q.sort], q.direction).orderBy('fingerprint').limit(q.limit).execute();
}

/** Alerts received at or after `since` (the `alerts_last_seen` index), oldest first: the live feed. */
export async function alertsSeenSince(store: Store, since: number, limit = 500): Promise<AlertRow[]> {
  return store.db.selectFrom('alerts').selectAll().where('last_seen', '>=', since).orderBy('last_seen', 'asc').limit(limit).execute();
}

/**
 * Deliveries whose notification carried this alert, newest first, for its report. The outbound
 * notification is stored as JSON, so this is a bounded scan of the retained deliveries; a
 * fingerprint is hex and cannot carry LIKE wildcards.
 */
export async function deliveriesForAlert(store: Store, fingerprint: string, limit = 50): Promise<DeliveryRow[]> {
  if (!/^[0-9a-zA-Z]+$/.test(fingerprint)) return [];
  return store.db
    .selectFrom('deliveries')
    .selectAll()
    .where('notification', 'like', `%"fingerprint":"${fingerprint}"%`)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
}
