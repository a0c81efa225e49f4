/** Admin API calls the notify tests make against a running app. */
import { ADMIN_TOKEN, eventually, WEBHOOK_TOKEN, type RunningApp } from '../support/app.js';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export async function call<T = Record<string, unknown>>(s: { url: string }, method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
  const response = await fetch(s.url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function createContactPoint(s: { url: string }, input: Record<string, unknown>): Promise<Record<string, unknown> & { id: string }> {
  const r = await call<Record<string, unknown> & { id: string }>(s, 'POST', '/api/v1/contact-points', input);
  if (r.status !== 201) throw new Error(`creating a contact point answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

export interface DeliverySummary {
  id: string;
  contactPointId: string;
  state: string;
  status: string;
  attempts: number;
  alertCount: number;
  lastStatus: number | null;
  lastError: string | null;
  kind: string;
}

export async function deliveries(s: { url: string }, query = ''): Promise<DeliverySummary[]> {
  const r = await call<DeliverySummary[]>(s, 'GET', `/api/v1/deliveries${query}`);
  if (r.status !== 200) throw new Error(`GET /api/v1/deliveries answered ${r.status}`);
  return r.body;
}

/** An Alertmanager-style notification with the given label sets, all firing unless `status` says otherwise. */
/** Waits until at least `n` deliveries exist and none of them is pending any more. */
export async function settled(app: { url: string }, n = 1, query = ''): Promise<DeliverySummary[]> {
  return eventually(
    async () => {
      const ds = await deliveries(app, query);
      return ds.length >= n && ds.every((d) => d.state !== 'pending') ? ds : undefined;
    },
    15_000,
    `${n} settled deliveries`,
  );
}

export function notification(alerts: { labels: Record<string, string>; annotations?: Record<string, string>; status?: string }[], extra: Record<string, unknown> = {}) {
  return {
    version: '4',
    status: alerts.some((a) => (a.status ?? 'firing') === 'firing') ? 'firing' : 'resolved',
    receiver: 'alertwire',
    groupLabels: {},
    alerts: alerts.map((a, i) => ({
      status: a.status ?? 'firing',
      labels: a.labels,
      annotations: a.annotations ?? {},
      startsAt: new Date(Date.UTC(2024, 0, 15, 10, 30, i)).toISOString(),
      endsAt: a.status === 'resolved' ? new Date(Date.UTC(2024, 0, 15, 11, 0, i)).toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
    })),
    ...extra,
  };
}

export async function postAlerts(s: RunningApp, body: unknown): Promise<void> {
  const r = await s.postWebhook(body);
  if (r.status !== 200) throw new Error(`POST /webhook answered ${r.status}: ${await r.text()}`);
  await r.arrayBuffer().catch(() => undefined);
}

export { WEBHOOK_TOKEN };
