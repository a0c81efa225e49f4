import { notificationData, parseTemplate, type NotificationAlert, type NotificationInput, type TemplateData } from '../template/index.js';
import type { Template } from '../template/index.js';
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

export function renderField(field: string, text: string, data: TemplateData, now: number): string {
  return templateFor(field, text).execute(data, { now: new Date(now) });
}

/** Go's time.Time in JSON (RFC 3339 with nanoseconds, trailing zeros dropped); null is the zero time. */
export function goTime(ms: number | null): string {
  if (ms === null) return '0001-01-01T00:00:00Z';
  return new Date(ms).toISOString().replace(/\.(\d*?)0+Z$/, (_m, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

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

function templateAlert(a: SnapshotAlert): NotificationAlert {
  const x = a.extras;
  return {
    ...alertmanagerAlert(a),
    ...(x.silenceURL ? { silenceURL: x.silenceURL } : {}),
    ...(x.dashboardURL ? { dashboardURL: x.dashboardURL } : {}),
    ...(x.panelURL ? { panelURL: x.panelURL } : {}),
    ...(x.imageURL ? { imageURL: x.imageURL } : {}),
    values: numericValues(x.values),
    ...(x.valueString ? { valueString: x.valueString } : {}),
  };
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
