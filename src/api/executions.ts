import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ACT, type ActPayload } from '../actions/act-job.js';
import { HttpError } from '../intake/errors.js';
import type { Store } from '../store/database.js';
import { executionDetails, getExecution, listExecutions, queueExecution } from '../store/executions.js';
import type { ExecutionRow } from '../store/tables.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function executionJson(e: ExecutionRow) {
  const details = executionDetails(e);
  return {
    id: e.id,
    receiverId: e.receiver_id,
    kind: e.kind,
    trigger: e.trigger,
    state: e.state,
    decision: e.decision,
    reason: e.reason,
    target: e.target,
    direction: e.direction,
    from: e.from_replicas,
    to: e.to_replicas,
    cooldownUntil: iso(e.cooldown_until),
    exitCode: e.exit_code,
    output: e.output,
    error: e.error,
    durationMs: e.duration_ms,
    attempts: e.attempts,
    fingerprints: details.fingerprints,
    request: details.request,
    matchedConditions: details.matched,
    rerunOf: e.rerun_of,
    createdAt: iso(e.created_at),
    finishedAt: iso(e.finished_at),
  };
}

const ListQuery = Type.Object({
  receiver: Type.Optional(Type.String()),
  alert: Type.Optional(Type.String({ description: 'an alert fingerprint' })),
  decision: Type.Optional(Type.Union(['applied', 'skipped', 'dry-run', 'rejected', 'failed'].map((d) => Type.Literal(d)))),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  before: Type.Optional(Type.String({ format: 'date-time' })),
});

export async function executionApiRoutes(app: FastifyInstance, deps: { store: Store; now: () => number; wake: () => void }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get('/api/v1/executions', { schema: { querystring: ListQuery } }, async (request) => {
    const q = request.query;
    const rows = await listExecutions(deps.store, {
      receiverId: q.receiver,
      fingerprint: q.alert,
      decision: q.decision,
      limit: q.limit,
      before: q.before ? Date.parse(q.before) : undefined,
    });
    return { executions: rows.map(executionJson) };
  });

  api.get('/api/v1/executions/:id', { schema: { params: Type.Object({ id: Type.String() }) } }, async (request) => {
    const e = await getExecution(deps.store, request.params.id);
    if (!e) throw new HttpError(404, `no execution with id "${request.params.id}"`);
    return executionJson(e);
  });

  /** Runs the same trigger again, as a new execution that points at the original. */
  api.post('/api/v1/executions/:id/rerun', { schema: { params: Type.Object({ id: Type.String() }) } }, async (request, reply) => {
    const original = await getExecution(deps.store, request.params.id);
    if (!original) throw new HttpError(404, `no execution with id "${request.params.id}"`);
    const now = deps.now();
    const jobKey = `${ACT}:rerun:${original.id}:${randomBytes(8).toString('hex')}`;
    const id = `exe_${createHash('sha256').update(jobKey).digest('base64url').slice(0, 20)}`;
    const details = executionDetails(original);
    const payload: ActPayload = { ...(details.payload as ActPayload), executionId: id };
    await queueExecution(
      deps.store,
      {
        id,
        receiverId: original.receiver_id,
        kind: original.kind,
        jobKey,
        alertsHash: original.alerts_hash,
        trigger: original.trigger === 'resolved' ? 'resolved' : 'firing',
        fingerprints: details.fingerprints,
        request: { rerunOf: original.id, by: 'api' },
        matched: details.matched,
        payload,
        rerunOf: original.id,
      },
      { kind: ACT, idempotencyKey: jobKey, payload },
      5,
      now,
    );
    deps.wake();
    const created = await getExecution(deps.store, id);
    if (!created) throw new HttpError(500, 'the rerun was not recorded');
    return reply.code(202).send(executionJson(created));
  });
}
