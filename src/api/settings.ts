import type { FastifyInstance } from 'fastify';
import { urlWithoutPassword } from '../store/database.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Config } from '../config/schema.js';
import type { Credentials } from '../config/credentials.js';
import { HttpError } from '../intake/errors.js';

export interface SettingsApiDeps {
  config: Config;
  credentials: Credentials;
  externalUrl: () => string;
  dialect: string;
}


/** The settings the console shows: what is in effect, where it comes from, never a database password. */
function settingsView(deps: SettingsApiDeps) {
  const { config, credentials } = deps;
  const base = deps.externalUrl();
  return {
    externalUrl: base,
    externalUrlConfigured: config.server.external_url !== '',
    webhook: {
      url: `${base}/webhook`,
      token: credentials.webhookToken,
      tokenSource: config.auth.webhook_token ? 'alertwire.yaml' : 'generated',
    },
    adminTokenSource: config.auth.admin_token ? 'alertwire.yaml' : 'generated',
    database: { dialect: deps.dialect, url: urlWithoutPassword(config.database.url) },
    rateLimits: {
      perIp: config.rate_limit.per_ip,
      global: config.rate_limit.global,
      windowSeconds: config.rate_limit.window,
      store: config.rate_limit.store,
      limitedStatus: config.webhook.limited_status,
      dedupWindowSeconds: config.webhook.dedup_window,
    },
    retention: {
      rawNotificationsSeconds: config.retention.raw_notifications,
      rawNotificationsMax: config.retention.raw_notifications_max,
      finishedJobsSeconds: config.retention.finished_jobs,
    },
  };
}

const TestBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('prometheus'), Type.Literal('llm')]),
    url: Type.String({ minLength: 1, maxLength: 2000 }),
    apiKey: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

/** What a probe asks: Prometheus's build info, or an OpenAI-compatible server's model list. */
function probeRequest(kind: 'prometheus' | 'llm', base: string, apiKey?: string): { url: string; headers: Record<string, string> } {
  let root: URL;
  try {
    root = new URL(base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new HttpError(400, 'url: not a valid URL');
  }
  if (root.protocol !== 'http:' && root.protocol !== 'https:') throw new HttpError(400, 'url: must be http or https');
  const path = kind === 'prometheus' ? 'api/v1/status/buildinfo' : 'models';
  return { url: new URL(path, root).toString(), headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} };
}

/** Sums up an answer: Prometheus's version, or how many models the LLM server offers. */
function describeAnswer(kind: 'prometheus' | 'llm', body: unknown): string {
  const data = (body as { data?: unknown } | null)?.data;
  if (kind === 'prometheus') return `Prometheus ${String((data as { version?: unknown } | undefined)?.version ?? '(version unknown)')}`;
  return Array.isArray(data) ? `${data.length} model(s) available` : 'answered';
}

async function probe(kind: 'prometheus' | 'llm', base: string, apiKey?: string) {
  const request = probeRequest(kind, base, apiKey);
  const started = performance.now();
  try {
    const res = await fetch(request.url, { headers: request.headers, signal: AbortSignal.timeout(5000), redirect: 'manual' });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      parsed = null;
    }
    const latencyMs = Math.round(performance.now() - started);
    return { ok: res.ok, status: res.status, latencyMs, detail: res.ok ? describeAnswer(kind, parsed) : text.slice(0, 300) };
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    return { ok: false, status: null, latencyMs: Math.round(performance.now() - started), detail: cause ?? (error as Error).message };
  }
}

/** /api/v1/settings: the settings in effect (read-only: alertwire.yaml owns them) and connection tests. */
export async function settingsApiRoutes(app: FastifyInstance, deps: SettingsApiDeps): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/api/v1/settings', async (_request, reply) => reply.header('Cache-Control', 'no-store').send(settingsView(deps)));
  api.post('/api/v1/settings/test-connection', { schema: { body: TestBody } }, async (request) =>
    probe(request.body.kind, request.body.url, request.body.apiKey),
  );
}
