import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/database.js';
import { countJobs } from '../store/jobs.js';

/** Every metric alertwire exports, on a registry of its own (tests run several apps at once). */
export class Metrics {
  readonly registry = new Registry();
  readonly webhookRequests = new Counter({
    name: 'alertwire_webhook_requests_total',
    help: 'Webhook requests by HTTP status code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly webhookDuration = new Histogram({
    name: 'alertwire_webhook_duration_seconds',
    help: 'Time from request to answer, including the durable commit',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly webhookErrors = new Counter({
    name: 'alertwire_webhook_errors_total',
    help: 'Webhook requests answered with an error, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly alertsReceived = new Counter({
    name: 'alertwire_alerts_received_total',
    help: 'Alerts received, by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly alertsDeduplicated = new Counter({
    name: 'alertwire_alerts_deduplicated_total',
    help: 'Alerts acknowledged but not stored again because they repeated within the dedup window',
    registers: [this.registry],
  });

  constructor(store: Store) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'alertwire_jobs',
      help: 'Jobs in the durable queue, by kind and state',
      labelNames: ['kind', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await countJobs(store)) this.set({ kind: row.kind, state: row.state }, row.count);
      },
    });
  }
}

const REASONS: Record<number, string> = {
  400: 'invalid_payload',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'body_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

export function errorReason(status: number, hint?: string): string {
  return hint ?? REASONS[status] ?? (status >= 500 ? 'internal' : 'client_error');
}
