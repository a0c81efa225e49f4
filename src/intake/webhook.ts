import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AlertFormatError, alertName, alertNamespace, normalizeAlert, type Alert } from '../model/alert.js';
import type { GroupCommitter } from '../store/group-commit.js';
import type { NotificationMeta } from '../store/ingest.js';
import type { Metrics } from '../observability/metrics.js';
import { errorReason } from '../observability/metrics.js';
import type { Readiness } from '../observability/health.js';
import { requireToken } from './auth.js';
import { HttpError } from './errors.js';
import { detectFormat, validateWebhookPayload, WebhookPayloadSchema, WebhookResponseSchema, type WebhookPayload } from './payload.js';
import type { RateLimits } from './rate-limit.js';

export interface WebhookDeps {
  committer: GroupCommitter;
  rateLimits: RateLimits;
  metrics: Metrics;
  readiness: Readiness;
  webhookToken: string;
  externalUrl: string;
  now: () => number;
}

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

/** Turns the payload's alerts into Alerts, naming the first field that cannot be read. */
export function alertsOf(payload: WebhookPayload, now: number): Alert[] {
  try {
    return payload.alerts.map((a, i) => normalizeAlert(a, i, { groupStatus: payload.status, now, orgId: payload.orgId }));
  } catch (error) {
    if (error instanceof AlertFormatError) throw new HttpError(400, error.message);
    throw error;
  }
}

/** The group-level fields, with what Alertmanager would have sent where the payload is silent. */
export function notificationMeta(payload: WebhookPayload): NotificationMeta {
  return {
    receiver: payload.receiver ?? '',
    status: payload.status ?? (payload.alerts.some((a) => a.status !== 'resolved') ? 'firing' : 'resolved'),
    groupKey: payload.groupKey ?? '',
    groupLabels: payload.groupLabels ?? {},
    commonLabels: payload.commonLabels ?? {},
    commonAnnotations: payload.commonAnnotations ?? {},
    externalURL: payload.externalURL ?? '',
    truncatedAlerts: payload.truncatedAlerts ?? 0,
    ...(payload.orgId !== undefined ? { orgId: payload.orgId } : {}),
  };
}

export function reportUrl(externalUrl: string, fingerprint: string): string {
  return `${externalUrl}/report/${encodeURIComponent(fingerprint)}`;
}

/** POST /webhook: OnCallM's contract, made durable, authenticated and rate limited. */
export async function webhookRoutes(app: FastifyInstance, deps: WebhookDeps): Promise<void> {
  // Notifications are JSON: Fastify's text/plain parser would hand the validator a string
  // and answer 400, where the contract is 415 for anything but application/json.
  app.removeContentTypeParser('text/plain');
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.post(
    '/webhook',
    {
      schema: { body: WebhookPayloadSchema, response: { 200: WebhookResponseSchema } },
      validatorCompiler: () => validateWebhookPayload,
      onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
        if (!deps.readiness.ready()) throw new HttpError(503, 'Service not initialised', { 'Retry-After': '5' });
        const { headers } = await deps.rateLimits.consume(request.ip);
        void reply.headers(headers);
        requireToken(request.headers.authorization, deps.webhookToken);
      },
      onResponse: async (request: FastifyRequest, reply: FastifyReply) => {
        deps.metrics.webhookRequests.inc({ code: String(reply.statusCode) });
        deps.metrics.webhookDuration.observe(reply.elapsedTime / 1000);
        if (reply.statusCode >= 400) deps.metrics.webhookErrors.inc({ reason: errorReason(reply.statusCode) });
      },
    },
    async (request) => {
      const receivedAt = deps.now();
      const payload = request.body;
      const alerts = alertsOf(payload, receivedAt);
      try {
        // The answer needs no stored state (fingerprints and report URLs are computed), so only
        // the raw notification is written now: alerts are applied by the ingest job.
        await deps.committer.submit({
          source: 'webhook',
          format: detectFormat(payload),
          remoteAddr: request.ip,
          body: request.rawBody ?? JSON.stringify(payload),
          receivedAt,
          alerts,
          meta: notificationMeta(payload),
          deferApply: true,
        });
      } catch (error) {
        request.log.error({ err: error }, 'storing a notification failed');
        // 503 makes Alertmanager retry; nothing was acknowledged.
        throw new HttpError(503, 'Storage unavailable; the notification was not stored, retry later', { 'Retry-After': '5' });
      }
      return {
        status: 'success' as const,
        message: 'Alerts queued for analysis',
        report_urls: alerts.map((a) => ({
          fingerprint: a.fingerprint,
          alert_name: alertName(a),
          namespace: alertNamespace(a),
          report_url: reportUrl(deps.externalUrl, a.fingerprint),
        })),
      };
    },
  );
}
