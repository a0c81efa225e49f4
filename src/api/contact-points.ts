import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { HttpError } from '../intake/errors.js';
import type { CircuitState } from '../outbound/circuit-breakers.js';
import { ContactPointInputSchema, ContactPointPatchSchema } from '../notify/contact-point.js';
import { ContactPointError, type ContactPointManager } from '../notify/manage.js';
import type { LoadedContactPoint } from '../notify/registry.js';
import { redactSecrets } from '../notify/secret-fields.js';
import type { TestKind, TestResult } from '../notify/test-message.js';
import { describeIssue, SettingsError } from '../notify/validate.js';
import { outboundFor, type SnapshotAlert } from '../notify/outbound.js';
import { renderBody, type RenderContext } from '../notify/payload.js';
import { renderField, templateData } from '../notify/render.js';
import { labelsFingerprint } from '../model/fingerprint.js';
import { TemplateError, type NamedText } from '../template/index.js';
import type { Store } from '../store/database.js';
import { attemptStats } from '../store/deliveries.js';

export interface ContactPointApiDeps {
  store: Store;
  manager: ContactPointManager;
  circuit: (id: string) => Promise<CircuitState>;
  test: (cp: LoadedContactPoint, kind: TestKind, log: boolean) => Promise<TestResult>;
  now: () => number;
  /** Base URL of the templates' .ExternalURL in previews; default: the origin the request came to. */
  externalUrl?: () => string;
  /** The user's template files, which previews render with as deliveries do. */
  templates: readonly NamedText[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const DAY = 86_400_000;

/** A time in a query or body: RFC 3339, or Unix epoch milliseconds. */
export function parseTime(value: string | number, field: string): number {
  if (typeof value === 'number') return value;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(ms)) throw new HttpError(400, `${field}: expected an RFC 3339 time or epoch milliseconds, got "${value.slice(0, 40)}"`);
  return ms;
}

/** The API form of a contact point: settings with secrets shown as "[set]". */
function view(cp: LoadedContactPoint) {
  const { name, ...settings } = redactSecrets(cp.settings);
  return {
    id: cp.id,
    name,
    enabled: cp.enabled,
    provisioned: cp.provisioned,
    disabledReason: cp.disabledReason,
    createdAt: iso(cp.createdAt),
    updatedAt: iso(cp.updatedAt),
    ...settings,
  };
}

async function viewWithStats(cp: LoadedContactPoint, deps: ContactPointApiDeps) {
  const now = deps.now();
  const s = await attemptStats(deps.store, cp.id, now - DAY);
  return {
    ...view(cp),
    stats: {
      lastSuccessAt: iso(s.lastSuccessAt),
      lastErrorAt: iso(s.lastErrorAt),
      lastError: s.lastError,
      attempts24h: s.attempts,
      successRate24h: s.attempts === 0 ? null : s.successes / s.attempts,
      queueDepth: s.queued + s.paused,
      paused: s.paused,
      circuit: await deps.circuit(cp.id),
    },
  };
}

/** Manager and validation errors as HTTP answers; a template error names its line and column. */
async function answering<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SettingsError) {
      return reply.code(400).send({ detail: describeIssue(error.issue), ...error.issue });
    }
    if (error instanceof ContactPointError) {
      const status = { not_found: 404, conflict: 409, read_only: 403 }[error.kind];
      throw new HttpError(status, error.message);
    }
    throw error;
  }
}

const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });
const TestBody = Type.Object({ kind: Type.Optional(Type.Union([Type.Literal('grafana'), Type.Literal('kubesphere')])) }, { additionalProperties: false });
const DraftTestBody = Type.Object(
  {
    contactPoint: ContactPointInputSchema,
    basedOn: Type.Optional(Type.String({ description: 'Id of a saved contact point whose stored secrets "[set]" refers to' })),
    kind: Type.Optional(Type.Union([Type.Literal('grafana'), Type.Literal('kubesphere')])),
  },
  { additionalProperties: false },
);
const PreviewBody = Type.Object(
  {
    contactPoint: ContactPointInputSchema,
    basedOn: Type.Optional(Type.String({ description: 'Id of a saved contact point whose stored secrets "[set]" refers to' })),
  },
  { additionalProperties: false },
);
const RecoverBody = Type.Object({ since: Type.Union([Type.String(), Type.Number()]) }, { additionalProperties: false });

/** /api/v1/contact-points: CRUD, enable toggle, test messages, recovery of failed deliveries. */
export async function contactPointRoutes(app: FastifyInstance, deps: ContactPointApiDeps): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const base = '/api/v1/contact-points';

  typed.get(base, async () => Promise.all((await deps.manager.list()).map((cp) => viewWithStats(cp, deps))));

  typed.get(`${base}/:id`, { schema: { params: IdParams } }, async (request, reply) =>
    answering(reply, async () => viewWithStats(await deps.manager.get(request.params.id), deps)),
  );

  typed.post(base, { schema: { body: ContactPointInputSchema } }, async (request, reply) =>
    answering(reply, async () => {
      const cp = await deps.manager.create(request.body);
      return reply.code(201).send(await viewWithStats(cp, deps));
    }),
  );

  typed.put(`${base}/:id`, { schema: { params: IdParams, body: ContactPointInputSchema } }, async (request, reply) =>
    answering(reply, async () => viewWithStats(await deps.manager.replace(request.params.id, request.body), deps)),
  );

  typed.patch(`${base}/:id`, { schema: { params: IdParams, body: ContactPointPatchSchema } }, async (request, reply) =>
    answering(reply, async () => viewWithStats(await deps.manager.patch(request.params.id, request.body), deps)),
  );

  typed.delete(`${base}/:id`, { schema: { params: IdParams } }, async (request, reply) =>
    answering(reply, async () => {
      await deps.manager.remove(request.params.id);
      return reply.code(204).send();
    }),
  );

  typed.post(`${base}/:id/test`, { schema: { params: IdParams, body: Type.Optional(TestBody) } }, async (request, reply) =>
    answering(reply, async () => deps.test(await deps.manager.get(request.params.id), request.body?.kind ?? 'grafana', true)),
  );

  typed.post(`${base}/test`, { schema: { body: DraftTestBody } }, async (request, reply) =>
    answering(reply, async () => deps.test(await deps.manager.draft(request.body.contactPoint, request.body.basedOn), request.body.kind ?? 'grafana', false)),
  );

  typed.post(`${base}/:id/recover`, { schema: { params: IdParams, body: RecoverBody } }, async (request, reply) =>
    answering(reply, async () => ({ requeued: await deps.manager.recover(request.params.id, parseTime(request.body.since, 'since')) })),
  );

  typed.post(`${base}/preview`, { schema: { body: PreviewBody } }, async (request, reply) =>
    answering(reply, async () => {
      const cp = await deps.manager.draft(request.body.contactPoint, request.body.basedOn);
      const origin = deps.externalUrl?.() ?? `${request.protocol}://${request.host}`;
      return renderPreview(cp, { externalUrl: origin, now: deps.now(), templates: deps.templates });
    }),
  );
}

/** Two firing alerts of one group, after Grafana's documented example: what a preview renders. */
export function sampleGroup(now: number): SnapshotAlert[] {
  const alert = (name: string, zone: string, summary: string): SnapshotAlert => {
    const labels = { alertname: name, team: 'blue', zone, severity: 'critical' };
    return { fingerprint: labelsFingerprint(labels), status: 'firing', labels, annotations: { summary }, startsAt: now - 300_000, endsAt: null, generatorURL: '', extras: {} };
  };
  return [alert('T2', 'us-1', 'This is my summary'), alert('T1', 'eu-1', 'Checking the first system')];
}

/**
 * POST /api/v1/contact-points/preview: the title, message and request body a (draft) contact
 * point would send for the sample group, rendered by the real templates. A template that fails
 * while running answers 400 naming its field, like one that fails to parse.
 */
function renderPreview(cp: LoadedContactPoint, ctx: RenderContext) {
  const s = cp.settings;
  const outbound = outboundFor(s.name, sampleGroup(ctx.now), { team: 'blue' }, undefined);
  try {
    const data = templateData(outbound, ctx.externalUrl);
    const rendered = renderBody(s, outbound, ctx);
    const scope = { namespace: 'grafana', library: ctx.templates } as const;
    return {
      title: renderField('title', s.title, data, ctx.now, scope),
      message: renderField('message', s.message, data, ctx.now, scope),
      body: rendered.body,
      contentType: rendered.contentType,
      alertCount: rendered.alertCount,
      truncatedAlerts: rendered.truncatedAlerts,
    };
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    const field = /^template: ([\w.]+):/.exec(error.message)?.[1] ?? 'template';
    throw new HttpError(400, `${field}: ${error.message}`);
  }
}
