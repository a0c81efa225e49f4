import { notificationData, parseTemplate, type NotificationAlert, type NotificationInput, type TemplateData } from '../template/index.js';
import type { Template, TemplateNamespace, TemplateScope } from '../template/index.js';
import type { PayloadProfile } from './contact-point.js';
import { memoized } from './memo.js';
import type { OutboundNotification, SnapshotAlert } from './outbound.js';

/**
 * Templates of contact points (title, message, URL, custom payload), parsed once per text.
 * Parsing errors surface as TemplateError with the field as template name, so a message reads
 * `template: title:1:5: …`.
 */
const templateFor = memoized(
  500,
  (field: string, text: string) => `${field}\u0000${text}`,
  (field: string, text: string): Template => parseTemplate(field, text),
);

export function renderField(field: string, text: string, data: TemplateData, now: number, scope: TemplateScope): string {
  return templateFor(field, text).execute(data, { ...scope, now: new Date(now) });
}

/**
 * Whose default templates a contact point's templates see. Alertmanager's and KubeSphere's
 * bodies are fixed, so only their URL is a template, and it sees Alertmanager's definitions;
 * Grafana's profile and custom bodies see Grafana's, the superset.
 */
export function namespaceFor(profile: PayloadProfile): TemplateNamespace {
  return profile === 'alertmanager' || profile === 'kubesphere' ? 'alertmanager' : 'grafana';
}

/** Go's time.Time in JSON (RFC 3339 with nanoseconds, trailing zeros dropped); null is the zero time. */
export function goTime(ms: number | null): string {
  if (ms === null) return ZERO_TIME;
  const iso = new Date(ms).toISOString();
  // Four-digit years, the rule: YYYY-MM-DDTHH:MM:SS.mmmZ. Trimmed by hand, once per alert and body.
  if (iso.length === 24) {
    if (iso.endsWith('.000Z')) return `${iso.slice(0, 19)}Z`;
    if (iso.endsWith('00Z')) return `${iso.slice(0, 21)}Z`;
    if (iso.endsWith('0Z')) return `${iso.slice(0, 22)}Z`;
    return iso;
  }
  return iso.replace(/\.(\d*?)0+Z$/, (_m, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function numericValues(values: Record<string, number | null> | undefined): Record<string, number> | null {
  if (!values) return null;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === 'number') out[k] = v;
  return out;
}

/** Alertmanager's alert fields, in its order; Grafana's payload and the template data start with them. */
export function alertmanagerAlert(a: SnapshotAlert) {
  return {
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: goTime(a.startsAt),
    endsAt: goTime(a.endsAt),
    generatorURL: a.generatorURL,
    fingerprint: a.fingerprint,
  };
}

/** An alert as templates see it. Times go in as epoch milliseconds: no text to format and parse back. */
function templateAlert(a: SnapshotAlert): NotificationAlert {
  const x = a.extras;
  const alert: NotificationAlert = {
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    endsAt: a.endsAt ?? undefined,
    generatorURL: a.generatorURL,
    fingerprint: a.fingerprint,
    values: numericValues(x.values),
  };
  if (x.silenceURL) alert.silenceURL = x.silenceURL;
  if (x.dashboardURL) alert.dashboardURL = x.dashboardURL;
  if (x.panelURL) alert.panelURL = x.panelURL;
  if (x.imageURL) alert.imageURL = x.imageURL;
  if (x.valueString) alert.valueString = x.valueString;
  return alert;
}

/** The `.` of every template: Alertmanager's Data with Grafana's extensions and `.Vars`. */
export function templateData(n: OutboundNotification, externalUrl: string, vars?: Record<string, string>): TemplateData {
  const input: NotificationInput = {
    receiver: n.receiver,
    status: n.status,
    alerts: n.alerts.map(templateAlert),
    groupLabels: n.groupLabels,
    commonLabels: n.commonLabels,
    commonAnnotations: n.commonAnnotations,
    externalURL: externalUrl,
    groupKey: n.groupKey,
    truncatedAlerts: n.truncatedAlerts,
    ...(n.orgId !== undefined ? { orgId: n.orgId } : {}),
  };
  return notificationData(input, vars ? { vars } : {});
}
