import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { HttpError } from '../intake/errors.js';
import type { ContactPointManager } from '../notify/manage.js';
import type { Store } from '../store/database.js';
import { getDelivery, listAttempts, listDeliveries, type AttemptRow, type DeliveryRow } from '../store/deliveries.js';
import { parseTime } from './contact-points.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function summary(d: DeliveryRow) {
  return {
    id: d.id,
    webhookId: d.id,
    contactPointId: d.contact_point_id,
    kind: d.kind,
    state: d.state,
    status: d.status,
    alertCount: d.alert_count,
    summary: d.summary,
    attempts: d.attempts,
    createdAt: iso(d.created_at),
    updatedAt: iso(d.updated_at),
    nextAttemptAt: iso(d.next_attempt_at),
    lastAttemptAt: iso(d.last_attempt_at),
    lastStatus: d.last_status,
    lastError: d.last_error,
    deliveredAt: iso(d.delivered_at),
  };
}

function attemptView(a: AttemptRow, deliveryBody: string | null) {
  return {
    attempt: a.attempt,
    startedAt: iso(a.started_at),
    durationMs: a.duration_ms,
    outcome: a.outcome,
    request: { ...(parseJson(a.request) as object), body: a.request_body || deliveryBody },
    response: a.response_status === null ? null : { status: a.response_status, headers: parseJson(a.response_headers), body: a.response_body },
    error: a.error,
  };
}

const ListQuery = Type.Object(
  {
    contactPoint: Type.Optional(Type.String()),
    state: Type.Optional(Type.Union(['pending', 'paused', 'delivered', 'failed', 'dropped'].map((s) => Type.Literal(s)))),
    status: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('resolved')])),
    kind: Type.Optional(Type.Union([Type.Literal('alert'), Type.Literal('test')])),
    since: Type.Optional(Type.String({ description: 'RFC 3339 or epoch ms; created at or after' })),
    until: Type.Optional(Type.String({ description: 'RFC 3339 or epoch ms; created before' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });

/** /api/v1/deliveries: the delivery log with every attempt, and redelivery. */
export async function deliveryRoutes(app: FastifyInstance, deps: { store: Store; manager: ContactPointManager }): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.get('/api/v1/deliveries', { schema: { querystring: ListQuery } }, async (request) => {
    const q = request.query;
    const rows = await listDeliveries(deps.store, {
      ...(q.contactPoint ? { contactPointId: q.contactPoint } : {}),
      ...(q.state ? { state: q.state } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.since ? { since: parseTime(q.since, 'since') } : {}),
      ...(q.until ? { until: parseTime(q.until, 'until') } : {}),
      limit: q.limit ?? 100,
    });
    return rows.map(summary);
  });

  typed.get('/api/v1/deliveries/:id', { schema: { params: IdParams } }, async (request) => {
    const d = await getDelivery(deps.store, request.params.id);
    if (!d) throw new HttpError(404, `no delivery with id "${request.params.id}"`);
    const attempts = await listAttempts(deps.store, d.id);
    return {
      ...summary(d),
      contentType: d.content_type,
      body: d.body,
      notification: parseJson(d.notification),
      attemptLog: attempts.map((a) => attemptView(a, d.body)),
    };
  });

  typed.post('/api/v1/deliveries/:id/redeliver', { schema: { params: IdParams } }, async (request, reply) => {
    if (!(await deps.manager.redeliver(request.params.id))) throw new HttpError(404, `no delivery with id "${request.params.id}"`);
    const d = await getDelivery(deps.store, request.params.id);
    return reply.code(202).send(d ? summary(d) : { id: request.params.id });
  });
}
