import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';

const StringMap = Type.Record(Type.String(), Type.String());

/** One alert of an Alertmanager (v4), Grafana (v1) or generic payload; unknown fields are ignored. */
export const InboundAlertSchema = Type.Object({
  status: Type.Optional(Type.String({ maxLength: 64 })),
  labels: Type.Optional(StringMap),
  annotations: Type.Optional(StringMap),
  startsAt: Type.Optional(Type.String({ maxLength: 64 })),
  endsAt: Type.Optional(Type.String({ maxLength: 64 })),
  generatorURL: Type.Optional(Type.String()),
  fingerprint: Type.Optional(Type.String({ maxLength: 256 })),
  silenceURL: Type.Optional(Type.String()),
  dashboardURL: Type.Optional(Type.String()),
  panelURL: Type.Optional(Type.String()),
  imageURL: Type.Optional(Type.String()),
  values: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()])), Type.Null()])),
  valueString: Type.Optional(Type.String()),
});

/** The notification body; only `alerts` is required, as in OnCallM's curl example. */
export const WebhookPayloadSchema = Type.Object({
  receiver: Type.Optional(Type.String()),
  status: Type.Optional(Type.String({ maxLength: 64 })),
  alerts: Type.Array(InboundAlertSchema),
  groupLabels: Type.Optional(StringMap),
  commonLabels: Type.Optional(StringMap),
  commonAnnotations: Type.Optional(StringMap),
  externalURL: Type.Optional(Type.String()),
  version: Type.Optional(Type.String({ maxLength: 16 })),
  groupKey: Type.Optional(Type.String()),
  truncatedAlerts: Type.Optional(Type.Integer({ minimum: 0 })),
  orgId: Type.Optional(Type.Integer()),
  title: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});

export type WebhookPayload = Static<typeof WebhookPayloadSchema>;

/**
 * One validator, with fastify's own options (numbers coerced to label strings, and so on), for
 * the request and for the `ingest` job that re-reads its raw body later: both must see the same
 * alerts, or the fingerprints answered would not be the ones stored.
 */
const ajv = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: true, allErrors: false });
export const validateWebhookPayload = ajv.compile<WebhookPayload>(WebhookPayloadSchema);

export type PayloadFormat = 'alertmanager' | 'grafana' | 'generic';

/** Grafana sends version "1" with an orgId; Alertmanager sends version "4". */
export function detectFormat(payload: WebhookPayload): PayloadFormat {
  if (payload.orgId !== undefined || payload.version === '1') return 'grafana';
  if (payload.version === '4' || payload.groupKey !== undefined) return 'alertmanager';
  return 'generic';
}

/** The answer to an accepted notification, exactly OnCallM's shape. */
export const WebhookResponseSchema = Type.Object({
  status: Type.Literal('success'),
  message: Type.String(),
  report_urls: Type.Array(
    Type.Object({
      fingerprint: Type.String(),
      alert_name: Type.String(),
      namespace: Type.String(),
      report_url: Type.String(),
    }),
  ),
});
