import { labelsFingerprint } from './fingerprint.js';

export type AlertStatus = 'firing' | 'resolved';

/** Grafana's per-alert additions, kept as received so outbound payloads can carry them on. */
export interface AlertExtras {
  silenceURL?: string;
  dashboardURL?: string;
  panelURL?: string;
  imageURL?: string;
  values?: Record<string, number | null>;
  valueString?: string;
  orgId?: number;
}

/** One alert as alertwire keeps it, whatever format it arrived in. Times are epoch ms. */
export interface Alert {
  fingerprint: string;
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  /** null stands for Go's zero time: the alert has no known end. */
  endsAt: number | null;
  generatorURL: string;
  extras: AlertExtras;
  /** The payload gave no startsAt; the store continues the current episode instead of opening one. */
  startsAtImplied?: boolean;
}

/** An alert as a job carries it: a self-contained snapshot of what the notification said. */
export type AlertSnapshot = Omit<Alert, 'startsAtImplied'>;

/** An alert as it appears in an inbound payload, after schema validation. */
export interface InboundAlert {
  status?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
  fingerprint?: string;
  silenceURL?: string;
  dashboardURL?: string;
  panelURL?: string;
  imageURL?: string;
  values?: Record<string, number | null> | null;
  valueString?: string;
}

export class AlertFormatError extends Error {
  constructor(readonly field: string, detail: string) {
    super(`${field}: ${detail}`);
    this.name = 'AlertFormatError';
  }
}

/** Go's zero time, which Alertmanager sends as endsAt of an alert with no end. */
const GO_ZERO_TIME = Date.UTC(1, 0, 1);

/** What Alertmanager sends as the endsAt of every firing alert; Date.parse takes its time over it. */
const GO_ZERO_TIME_TEXT = '0001-01-01T00:00:00Z';

function parseTime(value: string | undefined, field: string): number | null {
  if (value === undefined || value === '' || value === GO_ZERO_TIME_TEXT) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    throw new AlertFormatError(field, `expected an RFC 3339 time, got "${value.slice(0, 40)}"`);
  }
  return ms <= GO_ZERO_TIME ? null : ms;
}

/**
 * Turns a validated inbound alert into an Alert. Status falls back to the notification's, then
 * to what endsAt implies; a missing startsAt means "now", as Alertmanager assumes.
 */
export function normalizeAlert(
  inbound: InboundAlert,
  index: number,
  context: { groupStatus?: string; now: number; orgId?: number },
): Alert {
  const field = `alerts[${index}]`;
  // Alertmanager and Prometheus treat an empty label as absent; so must the fingerprint.
  const labels = withoutEmpty(inbound.labels ?? {});
  const startsAt = parseTime(inbound.startsAt, `${field}.startsAt`) ?? context.now;
  const endsAt = parseTime(inbound.endsAt, `${field}.endsAt`);
  const status = resolveStatus(inbound.status ?? context.groupStatus, endsAt, context.now, `${field}.status`);
  return {
    fingerprint: inbound.fingerprint ? inbound.fingerprint : labelsFingerprint(labels),
    status,
    labels,
    annotations: inbound.annotations ?? {},
    startsAt,
    endsAt,
    generatorURL: inbound.generatorURL ?? '',
    extras: pickExtras(inbound, context.orgId),
    ...(inbound.startsAt ? {} : { startsAtImplied: true }),
  };
}

function withoutEmpty(labels: Record<string, string>): Record<string, string> {
  for (const name in labels) {
    if (labels[name] === '') return Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== ''));
  }
  return { ...labels };
}

function resolveStatus(given: string | undefined, endsAt: number | null, now: number, field: string): AlertStatus {
  if (given === 'firing' || given === 'resolved') return given;
  if (given !== undefined && given !== '') {
    throw new AlertFormatError(field, `expected "firing" or "resolved", got "${given.slice(0, 40)}"`);
  }
  return endsAt !== null && endsAt <= now ? 'resolved' : 'firing';
}

function pickExtras(a: InboundAlert, orgId: number | undefined): AlertExtras {
  const extras: AlertExtras = {};
  if (a.silenceURL) extras.silenceURL = a.silenceURL;
  if (a.dashboardURL) extras.dashboardURL = a.dashboardURL;
  if (a.panelURL) extras.panelURL = a.panelURL;
  if (a.imageURL) extras.imageURL = a.imageURL;
  if (a.values) extras.values = a.values;
  if (a.valueString) extras.valueString = a.valueString;
  if (orgId !== undefined) extras.orgId = orgId;
  return extras;
}

/** The name a person knows the alert by; "Unknown" when the payload gives none. */
export function alertName(alert: Pick<Alert, 'labels'>): string {
  return alert.labels.alertname || 'Unknown';
}

/** The namespace OnCallM reports, "Unknown" for alerts without one (node-level alerts). */
export function alertNamespace(alert: Pick<Alert, 'labels'>): string {
  return alert.labels.namespace || 'Unknown';
}
