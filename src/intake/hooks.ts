import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { AlertSnapshot } from '../actions/action.js';
import { ACT, type ActPayload } from '../actions/act-job.js';
import type { ReceiverSettings } from '../actions/receiver.js';
import { planTrigger } from '../actions/trigger.js';
import type { Alert } from '../model/alert.js';
import type { Readiness } from '../observability/health.js';
import type { Store } from '../store/database.js';
import { findExecutionByAlerts, getExecution } from '../store/executions.js';
import type { GroupCommitter } from '../store/group-commit.js';
import type { InboundNotification, NotificationPlan, StoredAlert } from '../store/ingest.js';
import { getReceiver, type ReceiverRecord } from '../store/receivers.js';
import type { ExecutionRow } from '../store/tables.js';
import type { SecretBox } from '../store/secrets.js';
import { describeSchemaIssue, HttpError } from './errors.js';
import { detectFormat, WebhookPayloadSchema, type WebhookPayload } from './payload.js';
import type { RateLimits } from './rate-limit.js';
import { authenticateHook } from './receiver-auth.js';
import { alertsOf, notificationMeta } from './webhook.js';

export interface HookDeps {
  store: Store;
  committer: GroupCommitter;
  secrets: SecretBox;
  rateLimits: RateLimits;
  readiness: Readiness;
  now: () => number;
  /** How long a hook waits for its action before answering "queued". */
  answerTimeoutMs: number;
}

const payloadCheck = TypeCompiler.Compile(WebhookPayloadSchema);

/** What a hook call carried: Alertmanager/Grafana alerts, other JSON, or nothing. */
interface HookBody {
  payload: unknown;
  webhook: WebhookPayload | null;
}

function parseHookBody(raw: string): HookBody {
  if (raw.trim() === '') return { payload: null, webhook: null };
  let payload: unknown;
  try {
    payload = JSON.parse(raw);
  } catch (error) {
    throw new HttpError(400, `invalid JSON: ${(error as Error).message}`);
  }
  const hasAlerts = typeof payload === 'object' && payload !== null && 'alerts' in payload;
  if (!hasAlerts) return { payload, webhook: null };
  const issue = payloadCheck.Errors(payload).First();
  if (issue) throw new HttpError(400, describeSchemaIssue({ instancePath: issue.path, keyword: 'schema', params: {}, message: issue.message }));
  return { payload, webhook: payload as WebhookPayload };
}

const REDACTED_HEADERS = /^(authorization|cookie|x-grafana-alerting-signature|x-hub-signature.*|webhook-signature|x-.*-signature)$/i;

/** What the execution log keeps of a request: enough to audit, nothing secret. */
function requestSummary(request: FastifyRequest, raw: string) {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = REDACTED_HEADERS.test(name) ? '[redacted]' : String(value).slice(0, 300);
  }
  return {
    sourceIp: request.ip,
    method: request.method,
    url: request.url.replace(/([?&](?:key|token)=)[^&]*/gi, '$1[redacted]'),
    headers,
    bodyBytes: Buffer.byteLength(raw),
    bodySha256: createHash('sha256').update(raw).digest('hex'),
  };
}

function snapshot(a: Alert): AlertSnapshot {
  return { fingerprint: a.fingerprint, status: a.status, labels: a.labels, annotations: a.annotations, startsAt: a.startsAt, endsAt: a.endsAt, generatorURL: a.generatorURL, extras: a.extras };
}

function alertsHash(receiverId: string, alerts: readonly Alert[]): string {
  const keys = alerts.map((a) => `${a.fingerprint}:${a.startsAt}:${a.status}`).sort();
  return createHash('sha256').update(`${receiverId}\n${keys.join('\n')}`).digest('hex').slice(0, 32);
}

/** Decisions answer 2xx when nothing should be retried, 5xx when Alertmanager should retry. */
function answerStatus(e: ExecutionRow): number {
  if (e.state !== 'done' && e.decision === 'failed') return 503;
  if (e.state !== 'done') return 202;
  if (e.decision === 'rejected') return 422;
  if (e.decision === 'failed') return 500;
  return 200;
}

export function executionAnswer(e: ExecutionRow) {
  return {
    decision: e.state === 'done' || e.decision === 'failed' ? (e.decision ?? 'queued') : 'queued',
    reason: e.reason,
    target: e.target,
    from: e.from_replicas,
    to: e.to_replicas,
    cooldownUntil: e.cooldown_until === null ? null : new Date(e.cooldown_until).toISOString(),
    executionId: e.id,
  };
}

/** 503 makes Alertmanager retry; nothing was stored, so nothing runs twice. */
function storageUnavailable(): HttpError {
  return new HttpError(503, 'Storage unavailable; nothing was run, retry later', { 'Retry-After': '5' });
}

async function awaitExecution(store: Store, id: string, timeoutMs: number): Promise<ExecutionRow | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = await getExecution(store, id);
    if (!e || e.state === 'done' || e.decision === 'failed' || Date.now() >= deadline) return e;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function hookRoutes(app: FastifyInstance, deps: HookDeps): Promise<void> {
  // Any body is read as text: JSON of any shape, or nothing at all (an empty POST acts, as in Rancher).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    done(null, null);
  });

  app.post<{ Params: { id: string }; Querystring: { key?: string } }>(
    '/hooks/:id',
    {
      onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
        if (!deps.readiness.ready()) throw new HttpError(503, 'Service not initialised', { 'Retry-After': '5' });
        const { headers } = await deps.rateLimits.consume(request.ip);
        void reply.headers(headers);
      },
    },
    async (request, reply) => {
      const receiver = await getReceiver(deps.store, request.params.id).catch((error: unknown) => {
        request.log.error({ err: error }, 'reading a receiver failed');
        throw storageUnavailable();
      });
      if (!receiver) throw new HttpError(404, `no receiver with id "${request.params.id}"`);
      const settings = receiver.settings as unknown as ReceiverSettings;
      const raw = request.rawBody ?? '';
      const hmacSecret = settings.auth.hmac ? deps.secrets.open(settings.auth.hmac.secret) : undefined;
      authenticateHook({ ip: request.ip, headers: request.headers, rawBody: raw, queryKey: request.query.key }, settings.auth, hmacSecret, receiver.tokenHashes, deps.now());
      const body = parseHookBody(raw);
      const receivedAt = deps.now();
      const alerts = body.webhook ? alertsOf(body.webhook, receivedAt) : [];
      const answer = await handleTrigger(deps, receiver, settings, body, alerts, receivedAt, request);
      return reply.code(answer.status).send(answer.body);
    },
  );
}

async function handleTrigger(
  deps: HookDeps,
  receiver: ReceiverRecord,
  settings: ReceiverSettings,
  body: HookBody,
  alerts: Alert[],
  receivedAt: number,
  request: FastifyRequest,
): Promise<{ status: number; body: unknown }> {
  const raw = request.rawBody ?? '';
  const plan = receiver.enabled ? planTrigger(alerts, settings.conditions, body.webhook !== null) : { act: false as const, reason: 'the receiver is disabled' };
  const hash = alertsHash(receiver.id, plan.act ? plan.matched : alerts);
  let executionId: string | undefined;
  const notification: InboundNotification = {
    source: `receiver:${receiver.id}`,
    format: body.webhook ? detectFormat(body.webhook) : body.payload === null ? 'empty' : 'json',
    remoteAddr: request.ip,
    body: raw,
    receivedAt,
    alerts,
    ...(body.webhook ? { meta: notificationMeta(body.webhook) } : {}),
  };
  if (plan.act) {
    notification.plan = (stored) => {
      const p = planAct(receiver, plan, stored, body, hash, requestSummary(request, raw), alerts.length > 0);
      executionId = p.executions[0]?.id;
      return p;
    };
  }
  try {
    await deps.committer.submit(notification);
  } catch (error) {
    request.log.error({ err: error }, 'storing a hook notification failed');
    throw storageUnavailable();
  }
  if (!plan.act) return { status: 200, body: { decision: 'skipped', reason: plan.reason, target: null, from: null, to: null, cooldownUntil: null, executionId: null } };
  if (!executionId) return duplicateAnswer(deps, receiver.id, hash);
  // Stored and queued: if the store fails now, the retry this 503 asks for is answered from the first execution.
  const execution = await awaitExecution(deps.store, executionId, deps.answerTimeoutMs).catch(() => {
    throw new HttpError(503, 'Storage unavailable while waiting for the action; retry to learn its outcome', { 'Retry-After': '5' });
  });
  if (!execution) throw new HttpError(500, 'the execution record vanished');
  return { status: answerStatus(execution), body: executionAnswer(execution) };
}

/** Every alert repeated a notification already handled: say what happened then, act no more. */
async function duplicateAnswer(deps: HookDeps, receiverId: string, hash: string): Promise<{ status: number; body: unknown }> {
  const previous = await findExecutionByAlerts(deps.store, receiverId, hash);
  if (!previous) return { status: 200, body: { decision: 'skipped', reason: 'duplicate notification', target: null, from: null, to: null, cooldownUntil: null, executionId: null } };
  const answer = executionAnswer(previous);
  return { status: answerStatus(previous), body: { ...answer, reason: `duplicate notification, already handled: ${answer.reason}` } };
}

function planAct(
  receiver: ReceiverRecord,
  plan: Extract<ReturnType<typeof planTrigger>, { act: true }>,
  stored: readonly StoredAlert[],
  body: HookBody,
  hash: string,
  request: unknown,
  hadAlerts: boolean,
): NotificationPlan {
  const matched = new Set(plan.matched.map((a) => a.fingerprint));
  const fresh = stored.filter((s) => matched.has(s.alert.fingerprint));
  if (hadAlerts && fresh.length === 0) return { jobs: [], executions: [] };
  // Retries of a notification are deduplicated before this point; a repeat (a later receipt) is a new step.
  const seq = hadAlerts ? Math.max(...fresh.map((s) => s.receiptSeq)) : randomBytes(8).toString('hex');
  const jobKey = `${ACT}:${receiver.id}:${hash}:${seq}`;
  const executionId = `exe_${createHash('sha256').update(jobKey).digest('base64url').slice(0, 20)}`;
  const payload: ActPayload = {
    receiverId: receiver.id,
    executionId,
    trigger: plan.trigger,
    alerts: plan.matched.map(snapshot),
    meta: body.webhook ? notificationMeta(body.webhook) : null,
    payload: body.payload,
  };
  return {
    jobs: [{ kind: ACT, idempotencyKey: jobKey, payload }],
    executions: [
      {
        id: executionId,
        receiverId: receiver.id,
        kind: receiver.kind,
        jobKey,
        alertsHash: hash,
        trigger: plan.trigger,
        fingerprints: plan.matched.map((a) => a.fingerprint),
        request,
        matched: (receiver.settings as unknown as ReceiverSettings).conditions,
        payload,
      },
    ],
  };
}
