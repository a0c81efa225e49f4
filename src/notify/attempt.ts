import { TemplateError } from '../template/index.js';
import type { OutboundNotification } from './outbound.js';
import { renderBody } from './payload.js';
import type { Verdict } from './retry.js';
import { sendAttempt, type AttemptReport, type SenderDeps, type SendingContactPoint } from './sender.js';

/** One attempt to make: the delivery's webhook-id, its body once rendered, and the snapshot it renders from. */
export interface AttemptRequest {
  id: string;
  /** null until the first attempt renders it; then every retry sends these bytes. */
  body: string | null;
  contentType: string | null;
  /** The delivery's OutboundNotification as stored (JSON). */
  notification: string;
}

/** What came of it: the body if it was rendered now, and the attempt's report or why the body could not be made. */
export type AttemptResult = { rendered?: { body: string; contentType: string }; report: AttemptReport } | { templateError: string };

/**
 * Renders the body at the first attempt, then sends it. A template that fails is reported
 * rather than thrown: the contact point's template can be fixed and the delivery tried again.
 */
export async function makeAttempt(cp: SendingContactPoint, request: AttemptRequest, deps: SenderDeps): Promise<AttemptResult> {
  const outbound = JSON.parse(request.notification) as OutboundNotification;
  let body = request.body;
  let contentType = request.contentType ?? 'application/json';
  let rendered: { body: string; contentType: string } | undefined;
  if (body === null) {
    try {
      rendered = renderBody(cp.settings, outbound, { externalUrl: deps.externalUrl(), now: deps.now(), templates: deps.templates });
    } catch (error) {
      if (error instanceof TemplateError) return { templateError: error.message };
      throw error;
    }
    body = rendered.body;
    contentType = rendered.contentType;
  }
  const report = await sendAttempt(cp, { id: request.id, body, contentType, outbound }, deps);
  return rendered ? { rendered: { body: rendered.body, contentType: rendered.contentType }, report } : { report };
}

/**
 * The report of an attempt that sent nothing because its body could not be rendered: a queued
 * delivery retries it (the template can be fixed), a test message fails.
 */
export function renderFailure(startedAt: number, method: string, message: string, verdict: Verdict): AttemptReport {
  return {
    startedAt,
    durationMs: 0,
    request: { method, url: '', headers: {} },
    requestBody: '',
    error: `rendering the body failed: ${message}`,
    verdict,
    retryAfterMs: null,
  };
}
