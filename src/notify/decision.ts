import type { AttemptOutcome, CircuitBreakers, FailurePolicy } from '../outbound/circuit-breakers.js';
import type { DeliveryUpdate } from '../store/delivery-queue.js';
import type { DeliveryRow, NewAttempt } from '../store/deliveries.js';
import { renderFailure, type AttemptResult } from './attempt.js';
import type { Attempts } from './attempt-thread.js';
import type { NotifyMetrics } from './metrics.js';
import type { LoadedContactPoint } from './registry.js';
import { retryDelay } from './retry.js';
import type { AttemptReport } from './sender.js';

/** What an attempt needs besides the delivery: the attempt thread, the breakers, the metrics, the clock. */
export interface DeliverDeps {
  attempts: Attempts;
  breakers: CircuitBreakers;
  metrics: NotifyMetrics;
  now: () => number;
}

/** What to write about a delivery after its turn: its new state, the attempt made, a contact point to disable. */
export interface Decision {
  update: DeliveryUpdate;
  attempt?: NewAttempt;
  gone?: { contactPointId: string; reason: string };
}

function attemptRow(d: DeliveryRow, n: number, r: AttemptReport): NewAttempt {
  return {
    delivery_id: d.id,
    contact_point_id: d.contact_point_id,
    attempt: n,
    started_at: r.startedAt,
    duration_ms: Math.round(r.durationMs),
    outcome: r.verdict,
    request: JSON.stringify(r.request),
    // The body is the delivery's own, the same at every attempt: kept once, there.
    request_body: '',
    response_status: r.status ?? null,
    response_headers: r.responseHeaders ? JSON.stringify(r.responseHeaders) : null,
    response_body: r.responseBody ?? null,
    error: r.error ?? null,
  };
}

/**
 * Makes one due delivery's attempt, or decides not to: honours the enabled toggle and the
 * circuit breaker, keeps the body the first attempt rendered, and schedules retries by the
 * contact point's schedule within its max age. Returns what to write, under the claim `owner`.
 */
export async function decide(row: DeliveryRow, owner: string, cp: LoadedContactPoint | undefined, deps: DeliverDeps): Promise<Decision> {
  const now = deps.now();
  const base = { id: row.id, owner, updated_at: now };
  if (!cp) return { update: { ...base, state: 'dropped', last_error: 'contact point deleted', next_attempt_at: null } };
  // Disabled: nothing is sent; the delivery waits, and is queued again when the contact point is enabled.
  if (!cp.enabled) return { update: { ...base, state: 'paused', next_attempt_at: null } };
  const s = cp.settings;
  const maxAgeMs = s.retry.maxAge * 1000;
  if (now - row.series_started_at > maxAgeMs) return giveUp(base, `gave up: no success within the max age of ${s.retry.maxAge} s`);

  const circuit = circuitOf(cp);
  const admission = await deps.breakers.admit(circuit.name, circuit.policy, now);
  if (!admission.allowed) {
    const retryAt = admission.retryAt + Math.round(Math.random() * 1000);
    // Circuit open: the endpoint keeps failing; the delivery waits for the breaker's probe.
    return { update: { ...base, next_attempt_at: retryAt } };
  }
  const record = (outcome: AttemptOutcome) => deps.breakers.record(circuit.name, circuit.policy, outcome, deps.now(), admission.probe);
  let result: AttemptResult;
  try {
    result = await deps.attempts.attempt(cp, { id: row.id, body: row.body, contentType: row.content_type, notification: row.notification });
  } catch (error) {
    // Nothing reached the endpoint: a probe that was let through is not its verdict.
    await record('neutral');
    throw error;
  }
  if ('templateError' in result) {
    await record('neutral');
    return afterAttempt(row, cp, base, renderFailure(now, s.method, result.templateError, 'retry'), deps);
  }
  const { report, rendered } = result;
  const fresh: Partial<DeliveryUpdate> = rendered ? { body: rendered.body, content_type: rendered.contentType } : {};
  await record(report.verdict === 'success' ? 'success' : report.verdict === 'retry' ? 'failure' : 'neutral');
  deps.metrics.deliveries.inc({ contact_point: s.name, outcome: report.verdict });
  if (report.durationMs > 0) deps.metrics.duration.observe({ contact_point: s.name }, report.durationMs / 1000);
  return afterAttempt(row, cp, { ...base, ...fresh }, report, deps);
}

/** The name under which every replica keeps a contact point's circuit. */
export function contactPointCircuit(id: string): string {
  return `contact-point:${id}`;
}

function circuitOf(cp: LoadedContactPoint): { name: string; policy: FailurePolicy } {
  const { failureThreshold, cooldown } = cp.settings.circuitBreaker;
  return { name: contactPointCircuit(cp.id), policy: { threshold: failureThreshold, cooldownMs: cooldown * 1000 } };
}

function giveUp(base: DeliveryUpdate, reason: string): Decision {
  return { update: { ...base, state: 'failed', last_error: reason, next_attempt_at: null } };
}

/** The delivery's new state after an attempt, and when to try again. */
function afterAttempt(row: DeliveryRow, cp: LoadedContactPoint, base: DeliveryUpdate, r: AttemptReport, deps: DeliverDeps): Decision {
  const attempts = row.attempts + 1;
  const recorded = {
    ...base,
    attempts,
    last_attempt_at: r.startedAt,
    last_status: r.status ?? null,
    last_error: r.error ?? null,
  };
  const attempt = attemptRow(row, attempts, r);
  switch (r.verdict) {
    case 'success':
      return { attempt, update: { ...recorded, state: 'delivered', delivered_at: deps.now(), next_attempt_at: null } };
    case 'gone': {
      const reason = `disabled: the endpoint answered 410 Gone at ${new Date(r.startedAt).toISOString()}`;
      return { attempt, update: { ...recorded, state: 'failed', next_attempt_at: null }, gone: { contactPointId: cp.id, reason } };
    }
    case 'failed':
      return { attempt, update: { ...recorded, state: 'failed', next_attempt_at: null } };
    case 'retry': {
      const s = cp.settings;
      const retryAt = deps.now() + retryDelay(attempts, s.retry.schedule, r.retryAfterMs);
      if (retryAt - row.series_started_at > s.retry.maxAge * 1000) {
        return { attempt, update: { ...recorded, state: 'failed', next_attempt_at: null, last_error: `gave up after ${attempts} attempts: ${r.error ?? 'failed'}` } };
      }
      return { attempt, update: { ...recorded, next_attempt_at: retryAt } };
    }
  }
}
