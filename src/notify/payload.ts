import type { NamedText, TemplateScope } from '../template/index.js';
import type { ContactPointSettings } from './contact-point.js';
import { truncate, type OutboundNotification, type SnapshotAlert } from './outbound.js';
import { alertmanagerAlert, goTime, renderField, templateData } from './render.js';

/** A rendered request body. It is stored with the delivery at the first attempt and resent as is. */
export interface RenderedBody {
  body: string;
  contentType: string;
  alertCount: number;
  truncatedAlerts: number;
}

export interface RenderContext {
  externalUrl: string;
  now: number;
  /** The user's template files (alertwire.yaml `templates:`). */
  templates: readonly NamedText[];
}

/** Grafana's defaults: the title and message are Grafana's fields, and custom bodies see the superset. */
function grafanaScope(ctx: RenderContext): TemplateScope {
  return { namespace: 'grafana', library: ctx.templates };
}

const JSON_TYPE = 'application/json';

/** Grafana's ExtendedAlert in Go's field order: Alertmanager's fields, then Grafana's; the omitempty ones only when set. */
function grafanaAlert(a: SnapshotAlert) {
  const x = a.extras;
  // Added one by one in the same order for every alert: one object shape, where spreads were slow.
  const alert: Record<string, unknown> = alertmanagerAlert(a);
  alert.silenceURL = x.silenceURL ?? '';
  alert.dashboardURL = x.dashboardURL ?? '';
  alert.panelURL = x.panelURL ?? '';
  alert.values = x.values ?? null;
  alert.valueString = x.valueString ?? '';
  if (x.imageURL) alert.imageURL = x.imageURL;
  if (x.orgId !== undefined) alert.orgId = x.orgId;
  return alert;
}

/** Grafana's webhook message (version "1"): truncation first, then status, state and texts from what is kept. */
function grafanaBody(s: ContactPointSettings, n: OutboundNotification, ctx: RenderContext): string {
  const data = templateData(n, ctx.externalUrl);
  const body = {
    receiver: n.receiver,
    status: n.status,
    alerts: n.alerts.map(grafanaAlert),
    groupLabels: n.groupLabels,
    commonLabels: n.commonLabels,
    commonAnnotations: n.commonAnnotations,
    externalURL: ctx.externalUrl,
    version: '1',
    groupKey: n.groupKey,
    truncatedAlerts: n.truncatedAlerts,
    orgId: n.orgId ?? 1,
    title: renderField('title', s.title, data, ctx.now, grafanaScope(ctx)),
    state: n.status === 'firing' ? 'alerting' : 'ok',
    message: renderField('message', s.message, data, ctx.now, grafanaScope(ctx)),
  };
  return JSON.stringify(body);
}

/** Alertmanager's webhook message, version "4". */
function alertmanagerBody(n: OutboundNotification, ctx: RenderContext): string {
  return JSON.stringify({
    receiver: n.receiver,
    status: n.status,
    alerts: n.alerts.map(alertmanagerAlert),
    groupLabels: n.groupLabels,
    commonLabels: n.commonLabels,
    commonAnnotations: n.commonAnnotations,
    externalURL: ctx.externalUrl,
    version: '4',
    groupKey: n.groupKey,
    truncatedAlerts: n.truncatedAlerts,
  });
}

/** KubeSphere notification-manager's webhook body; it labels every alert with its receiver. */
function kubesphereBody(n: OutboundNotification, ctx: RenderContext): string {
  const labelled = n.alerts.map((a) => ({ ...a, labels: { ...a.labels, receiver: a.labels.receiver ?? n.receiver } }));
  const common = (pick: (a: SnapshotAlert) => Record<string, string>) =>
    Object.fromEntries(Object.entries(pick(labelled[0] as SnapshotAlert)).filter(([k, v]) => labelled.every((a) => pick(a)[k] === v)));
  const notificationTime = goTime(ctx.now);
  return JSON.stringify({
    alerts: labelled.map((a) => ({
      id: a.fingerprint,
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: goTime(a.startsAt),
      endsAt: goTime(a.endsAt),
      notificationTime,
      receiver: n.receiver,
    })),
    groupLabels: n.groupLabels,
    commonLabels: labelled.length ? common((a) => a.labels) : {},
    commonAnnotations: labelled.length ? common((a) => a.annotations) : {},
  });
}

/** A custom body from the payload template; `.Vars` holds the configured variables. */
function customBody(s: ContactPointSettings, n: OutboundNotification, ctx: RenderContext): string {
  const data = templateData(n, ctx.externalUrl, s.payload.vars ?? {});
  return renderField('payload.template', s.payload.template ?? '', data, ctx.now, grafanaScope(ctx));
}

/**
 * Renders the body of a notification for a contact point's payload profile. A truncating
 * maxAlerts applies here; a splitting one was applied when the deliveries were made.
 * Throws TemplateError when a template fails.
 */
export function renderBody(settings: ContactPointSettings, outbound: OutboundNotification, ctx: RenderContext): RenderedBody {
  const n = settings.maxAlertsMode === 'truncate' ? truncate(outbound, settings.maxAlerts) : outbound;
  let body: string;
  switch (settings.payload.profile) {
    case 'grafana':
      body = grafanaBody(settings, n, ctx);
      break;
    case 'alertmanager':
      body = alertmanagerBody(n, ctx);
      break;
    case 'kubesphere':
      body = kubesphereBody(n, ctx);
      break;
    case 'custom':
      body = customBody(settings, n, ctx);
      break;
  }
  return { body, contentType: JSON_TYPE, alertCount: n.alerts.length, truncatedAlerts: n.truncatedAlerts };
}
