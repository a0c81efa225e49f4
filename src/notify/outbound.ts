import type { AlertSnapshot, AlertStatus } from '../model/alert.js';
import type { LabelMatcher } from '../model/matchers.js';
import type { NotificationMeta } from '../store/ingest.js';

/** An alert as routing carries it: self-contained, so nothing is read back from the alerts table. */
export type SnapshotAlert = AlertSnapshot;

/** One stored inbound notification, as offered to every contact point. */
export interface RouteSnapshot {
  source: string;
  receivedAt: number;
  meta?: NotificationMeta;
  alerts: SnapshotAlert[];
}

/** What one contact point is sent: a subset of alerts with its group fields recomputed. */
export interface OutboundNotification {
  receiver: string;
  status: AlertStatus;
  alerts: SnapshotAlert[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  groupKey: string;
  /** Alerts left out by a truncating maxAlerts (set when the body is rendered). */
  truncatedAlerts: number;
  orgId?: number;
}

/** The alerts a contact point takes: those meeting its conditions, resolved ones only if it wants them. */
export function selectAlerts(alerts: readonly SnapshotAlert[], matcher: LabelMatcher, sendResolved: boolean): SnapshotAlert[] {
  return alerts.filter((a) => (sendResolved || a.status === 'firing') && matcher.matches(a.labels));
}

/** The label pairs every alert shares, as Alertmanager computes commonLabels. */
export function commonPairs(maps: readonly Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = maps;
  if (!first) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(first)) {
    if (rest.every((m) => Object.hasOwn(m, k) && m[k] === v)) out[k] = v;
  }
  return out;
}

/** A label set printed as Alertmanager's LabelSet.String(): `{a="1", b="2"}`, names sorted. */
export function labelSetString(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  return `{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(', ')}}`;
}

/** Alertmanager's groupKey shape, with the contact point standing in for the route. */
export function groupKeyFor(contactPointName: string, groupLabels: Readonly<Record<string, string>>): string {
  return `{}/{contact_point=${JSON.stringify(contactPointName)}}:${labelSetString(groupLabels)}`;
}

function statusOf(alerts: readonly SnapshotAlert[]): AlertStatus {
  return alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved';
}

/** Builds the notification for a subset, recomputing everything that depends on the subset. */
export function outboundFor(
  receiver: string,
  alerts: SnapshotAlert[],
  groupLabels: Record<string, string>,
  orgId: number | undefined,
): OutboundNotification {
  return {
    receiver,
    status: statusOf(alerts),
    alerts,
    groupLabels,
    commonLabels: commonPairs(alerts.map((a) => a.labels)),
    commonAnnotations: commonPairs(alerts.map((a) => a.annotations)),
    groupKey: groupKeyFor(receiver, groupLabels),
    truncatedAlerts: 0,
    ...(orgId !== undefined ? { orgId } : {}),
  };
}

/** The inbound group labels that still hold for every alert of the subset. */
export function groupLabelsForSubset(meta: NotificationMeta | undefined, alerts: readonly SnapshotAlert[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta?.groupLabels ?? {})) {
    if (alerts.every((a) => a.labels[k] === v)) out[k] = v;
  }
  return out;
}

/** Keeps the first `max` alerts (0 = all) and counts the rest, as Grafana and Alertmanager do. */
export function truncate(n: OutboundNotification, max: number): OutboundNotification {
  if (max <= 0 || n.alerts.length <= max) return n;
  const kept = n.alerts.slice(0, max);
  return {
    ...n,
    alerts: kept,
    status: statusOf(kept),
    commonLabels: commonPairs(kept.map((a) => a.labels)),
    commonAnnotations: commonPairs(kept.map((a) => a.annotations)),
    truncatedAlerts: n.truncatedAlerts + n.alerts.length - max,
  };
}

/** Splits into notifications of at most `max` alerts each, so none is dropped. */
export function split(n: OutboundNotification, max: number): OutboundNotification[] {
  if (max <= 0 || n.alerts.length <= max) return [n];
  const parts: OutboundNotification[] = [];
  for (let i = 0; i < n.alerts.length; i += max) {
    parts.push(outboundFor(n.receiver, n.alerts.slice(i, i + max), n.groupLabels, n.orgId));
    const part = parts[parts.length - 1] as OutboundNotification;
    part.groupKey = n.groupKey;
  }
  return parts;
}
