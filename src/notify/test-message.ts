import { randomUUID } from 'node:crypto';
import { labelsFingerprint } from '../model/fingerprint.js';
import type { DeliveryRow, NewAttempt } from '../store/deliveries.js';
import { makeAttempt, renderFailure } from './attempt.js';
import { deliveryRow, webhookId } from './messages.js';
import { outboundFor, type SnapshotAlert } from './outbound.js';
import type { LoadedContactPoint } from './registry.js';
import type { AttemptReport, SenderDeps } from './sender.js';

export type TestKind = 'grafana' | 'kubesphere';

/** Grafana's test alert, or KubeSphere's "Send Test Message" verify alert. */
export function testAlert(kind: TestKind, now: number): SnapshotAlert {
  const labels: Record<string, string> =
    kind === 'grafana'
      ? { alertname: 'TestAlert', instance: 'Grafana' }
      : { alertname: 'verify', alerttype: 'verify', alerttime: new Date(now).toISOString() };
  const annotations: Record<string, string> =
    kind === 'grafana' ? { summary: 'Notification test' } : { message: 'Congratulations, your notification configuration is correct!' };
  return { fingerprint: labelsFingerprint(labels), status: 'firing', labels, annotations, startsAt: now, endsAt: null, generatorURL: '', extras: {} };
}

export interface TestResult {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  body: string;
  error: string | null;
  webhookId: string;
}

const EXCERPT = 2048;

/**
 * Sends a test message through the real pipeline (payload profile, templates, auth, signing,
 * TLS, URL policy) but outside the queue: no conditions, no breaker, no retries. Works on a
 * disabled or unsaved contact point. Returns what happened, and the rows to log it with.
 */
export async function sendTest(
  cp: LoadedContactPoint,
  kind: TestKind,
  deps: SenderDeps,
): Promise<{ result: TestResult; delivery: DeliveryRow; attempt: Omit<NewAttempt, 'delivery_id' | 'contact_point_id'> }> {
  const now = deps.now();
  const outbound = outboundFor(cp.settings.name, [testAlert(kind, now)], {}, undefined);
  const id = webhookId(cp.id, `test:${randomUUID()}`, now);
  const delivery = deliveryRow(id, cp, outbound, 'test', now);
  const made = await makeAttempt(cp, { id, body: null, contentType: null, notification: delivery.notification }, deps);
  let report: AttemptReport;
  if ('templateError' in made) {
    report = renderFailure(now, cp.settings.method, made.templateError, 'failed');
  } else {
    report = made.report;
    delivery.body = made.rendered?.body ?? null;
    delivery.content_type = made.rendered?.contentType ?? null;
  }
  const ok = report.verdict === 'success';
  Object.assign(delivery, {
    state: ok ? 'delivered' : 'failed',
    attempts: 1,
    last_attempt_at: report.startedAt,
    last_status: report.status ?? null,
    last_error: report.error ?? null,
    delivered_at: ok ? deps.now() : null,
    next_attempt_at: null,
  });
  const result: TestResult = {
    ok,
    status: report.status ?? null,
    latencyMs: report.durationMs,
    body: (report.responseBody ?? '').slice(0, EXCERPT),
    error: report.error ?? null,
    webhookId: id,
  };
  const attempt = {
    attempt: 1,
    started_at: report.startedAt,
    duration_ms: Math.round(report.durationMs),
    outcome: report.verdict,
    request: JSON.stringify(report.request),
    request_body: report.requestBody,
    response_status: report.status ?? null,
    response_headers: report.responseHeaders ? JSON.stringify(report.responseHeaders) : null,
    response_body: report.responseBody ?? null,
    error: report.error ?? null,
  };
  return { result, delivery, attempt };
}
