// The `http` action kind: calls a URL with a method, headers and body rendered from Go
// templates over the notification (the Alertmanager v4 JSON by default), with basic or bearer
// auth and per-action TLS. Retries belong to the job queue: this kind only says whether a
// failure is worth retrying (`transient`).
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Agent, Dispatcher } from 'undici';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { TemplateError, notificationData, renderTemplate, validateTemplate } from '../template/index.js';
import type { NamedText, NotificationAlert, NotificationInput } from '../template/index.js';
import type { Action, ActionContext, ActionKind, ActionOutcome, AlertSnapshot, SettingsIssue } from './action.js';
import { commonPairs } from './command-env.js';
import { loadUndici } from '../lazy-modules.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const DEFAULT_TIMEOUT_S = 10;
const MAX_TIMEOUT_S = 300;
/** How much of the response body is kept in the execution record. */
export const RESPONSE_EXCERPT_BYTES = 4096;
/** Go's zero time, which Alertmanager writes as endsAt of an alert with no end. */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the HTTP client computes itself; letting a template set them breaks the framing. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

const AuthSchema = Type.Union([
  Type.Object({ type: Type.Literal('none') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('basic'), username: Type.String(), password: Type.String() }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('bearer'), token: Type.String() }, { additionalProperties: false }),
]);

const TlsSchema = Type.Object(
  {
    ca: Type.Optional(Type.String({ description: 'PEM certificates trusted for the server, instead of the system roots.' })),
    cert: Type.Optional(Type.String({ description: 'PEM client certificate (mutual TLS).' })),
    key: Type.Optional(Type.String({ description: 'PEM private key of the client certificate.' })),
    server_name: Type.Optional(Type.String({ description: 'Name sent as SNI and checked against the certificate.' })),
    insecure_skip_verify: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

export const HttpSettingsSchema = Type.Object(
  {
    method: Type.Optional(Type.Union(METHODS.map((m) => Type.Literal(m)), { default: 'POST' })),
    url: Type.String({ minLength: 1, description: 'URL template (Go text/template over the notification).' }),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Header value templates.' })),
    body: Type.Optional(Type.String({ description: 'Body template; without it the Alertmanager v4 JSON of the notification.' })),
    auth: Type.Optional(AuthSchema),
    tls: Type.Optional(TlsSchema),
    timeout: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_TIMEOUT_S, default: DEFAULT_TIMEOUT_S, description: 'Seconds for the whole exchange.' })),
  },
  { additionalProperties: false },
);

export type HttpSettings = Static<typeof HttpSettingsSchema>;
export type HttpAuth = Static<typeof AuthSchema>;

// --- the notification, as Alertmanager's webhook would send it ---

/** Alertmanager's webhook alert, plus Grafana's per-alert fields when the alert carried them. */
function alertJson(alert: AlertSnapshot): NotificationAlert {
  const { values: rawValues, ...extras } = alert.extras;
  // Grafana sends null for a value that is NaN; the template data wants numbers.
  const values = rawValues ? Object.fromEntries(Object.entries(rawValues).map(([k, v]) => [k, v ?? Number.NaN])) : undefined;
  return {
    status: alert.status,
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: new Date(alert.startsAt).toISOString(),
    endsAt: alert.endsAt === null ? GO_ZERO_TIME : new Date(alert.endsAt).toISOString(),
    generatorURL: alert.generatorURL,
    fingerprint: alert.fingerprint,
    ...extras,
    ...(values ? { values } : {}),
  };
}

/**
 * The notification the action acts on, in Alertmanager's webhook (version 4) shape: the
 * default request body and the input of the templates. Without metadata (a generic or empty
 * POST) the receiver's name, the trigger, alertwire's external URL and the labels the alerts
 * share stand in, so templates find every field filled.
 */
export function notificationOf(context: ActionContext): NotificationInput & { version: '4' } {
  const meta = context.meta;
  return {
    receiver: meta?.receiver || context.receiver.name,
    status: meta?.status || context.trigger,
    alerts: context.alerts.map(alertJson),
    groupLabels: meta?.groupLabels ?? {},
    commonLabels: meta?.commonLabels ?? commonPairs(context.alerts, (a) => a.labels),
    commonAnnotations: meta?.commonAnnotations ?? commonPairs(context.alerts, (a) => a.annotations),
    externalURL: meta?.externalURL || context.externalUrl,
    version: '4',
    groupKey: meta?.groupKey ?? '',
    truncatedAlerts: meta?.truncatedAlerts ?? 0,
  };
}

// --- building the request ---

interface PreparedRequest {
  url: URL;
  method: (typeof METHODS)[number];
  headers: Record<string, string>;
  body: string | undefined;
}

function authHeader(auth: HttpAuth | undefined): string | null {
  if (auth?.type === 'basic') return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  if (auth?.type === 'bearer') return `Bearer ${auth.token}`;
  return null;
}

/** The request is Alertmanager's webhook body, so its templates see Alertmanager's defaults. */
interface RenderScope {
  now: Date;
  namespace: 'alertmanager';
  library: readonly NamedText[];
}

function renderHeaders(settings: HttpSettings, data: unknown, scope: RenderScope, hasBody: boolean): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'alertwire' };
  if (hasBody) headers['content-type'] = 'application/json';
  for (const [name, text] of Object.entries(settings.headers ?? {})) {
    headers[name.toLowerCase()] = renderTemplate(text, data, { ...scope, parseName: `action.headers.${name}` });
  }
  const authorization = authHeader(settings.auth);
  if (authorization) headers.authorization = authorization;
  return headers;
}

/** Renders URL, headers and body; throws TemplateError or a TypeError for a bad URL. */
function prepare(settings: HttpSettings, context: ActionContext, library: readonly NamedText[]): PreparedRequest {
  const notification = notificationOf(context);
  const data = notificationData(notification);
  const scope: RenderScope = { now: new Date(context.now()), namespace: 'alertmanager', library };
  const method = settings.method ?? 'POST';
  const url = new URL(renderTemplate(settings.url, data, { ...scope, parseName: 'action.url' }).trim());
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`URL scheme ${url.protocol} is not http or https`);
  const body =
    method === 'GET' ? undefined : settings.body === undefined ? JSON.stringify(notification) : renderTemplate(settings.body, data, { ...scope, parseName: 'action.body' });
  return { url, method, headers: renderHeaders(settings, data, scope, body !== undefined), body };
}

// --- sending and judging the response ---

/** Reads at most RESPONSE_EXCERPT_BYTES of the body, then drops the rest of the stream. */
async function excerpt(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    chunks.push(buffer);
    size += buffer.length;
    if (size >= RESPONSE_EXCERPT_BYTES) break;
  }
  const text = Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8');
  return size > RESPONSE_EXCERPT_BYTES ? `${text}…` : text;
}

/**
 * 2xx applied. Throttling (429), request timeouts (408, 425) and 5xx are the server's passing
 * trouble: transient, the job is retried. Other 4xx and 3xx (redirects are not followed, so a
 * moved endpoint shows up instead of being silently chased) are final.
 */
function judge(status: number, location: string | undefined, base: ActionOutcome): ActionOutcome {
  if (status >= 200 && status < 300) return { ...base, decision: 'applied', reason: `HTTP ${status}` };
  if (status >= 500 || status === 408 || status === 425 || status === 429) {
    return { ...base, decision: 'failed', reason: `HTTP ${status}, will retry`, transient: true };
  }
  if (status >= 300 && status < 400) {
    return { ...base, decision: 'failed', reason: `HTTP ${status}: redirect to ${location ?? '?'} not followed` };
  }
  return { ...base, decision: 'failed', reason: `HTTP ${status}` };
}

function networkFailure(error: unknown, context: ActionContext, timeoutS: number, target: string): ActionOutcome {
  const base = { decision: 'failed' as const, target, transient: true };
  if (context.signal.aborted) return { ...base, reason: 'interrupted by server shutdown' };
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return { ...base, reason: `timed out after ${timeoutS} s` };
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = cause instanceof Error && 'code' in cause && typeof cause.code === 'string' ? `${cause.code}: ` : '';
  return { ...base, reason: `request failed: ${code}${cause instanceof Error ? cause.message : String(cause)}` };
}

/** Where the request went, for the execution record: no query string or credentials, which may hold secrets. */
function targetOf(method: string, url: URL): string {
  return `${method} ${url.origin}${url.pathname}`;
}

type HttpClient = { agent: Agent; request: typeof import('undici').request };

class HttpAction implements Action {
  private readonly timeoutS: number;
  /** Made on the first run, not at creation: undici is imported on first use (memory at idle). */
  private client: Promise<HttpClient> | null = null;

  constructor(
    private readonly settings: HttpSettings,
    private readonly library: readonly NamedText[],
  ) {
    this.timeoutS = settings.timeout ?? DEFAULT_TIMEOUT_S;
  }

  private connect(): Promise<HttpClient> {
    this.client ??= loadUndici().then((undici) => ({ agent: agentFor(undici.Agent, this.settings), request: undici.request }));
    return this.client;
  }

  async run(context: ActionContext): Promise<ActionOutcome> {
    let prepared: PreparedRequest;
    try {
      prepared = prepare(this.settings, context, this.library);
    } catch (error) {
      // A template or URL that fails for this notification will fail the same way on retry.
      const message = error instanceof TemplateError || error instanceof TypeError ? error.message : String(error);
      return { decision: 'failed', reason: `cannot build the request: ${message}` };
    }
    return this.send(prepared, context);
  }

  private async send(prepared: PreparedRequest, context: ActionContext): Promise<ActionOutcome> {
    const target = targetOf(prepared.method, prepared.url);
    try {
      const { agent, request } = await this.connect();
      // One deadline for connect, headers and body, and the server's shutdown signal on top.
      const signal = AbortSignal.any([context.signal, AbortSignal.timeout(this.timeoutS * 1000)]);
      const { url, method, headers, body } = prepared;
      const response = await request(url, { method, headers, body, dispatcher: agent, signal });
      const text = await excerpt(response.body);
      const location = response.headers.location;
      const output = `HTTP ${response.statusCode}\n${text}`;
      return judge(response.statusCode, typeof location === 'string' ? location : undefined, { decision: 'failed', reason: '', target, output });
    } catch (error) {
      return networkFailure(error, context, this.timeoutS, target);
    }
  }

  async close(): Promise<void> {
    // Kept, not reset: a run after close meets the closed Agent, as it did before.
    if (this.client) await (await this.client).agent.close();
  }
}

/** One Agent per action: its TLS settings (CA, client certificate, skip verify) are its own. */
function agentFor(AgentClass: typeof Agent, settings: HttpSettings): Agent {
  const tls = settings.tls ?? {};
  return new AgentClass({
    connect: {
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      servername: tls.server_name,
      rejectUnauthorized: !(tls.insecure_skip_verify ?? false),
    },
  });
}

// --- settings checks ---

function templateIssue(text: string, field: string): SettingsIssue[] {
  const error = validateTemplate(text, field);
  return error ? [{ field, message: `line ${error.line}, column ${error.column}: ${error.message}` }] : [];
}

function checkUrl(url: string): SettingsIssue[] {
  if (typeof url !== 'string' || url.trim() === '') return [{ field: 'action.url', message: 'must not be empty' }];
  const parsed = templateIssue(url, 'action.url');
  // A URL with template actions can only be judged once rendered; a literal one right away.
  if (parsed.length > 0 || url.includes('{{')) return parsed;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    return [{ field: 'action.url', message: 'must be an http or https URL' }];
  }
  return [];
}

function checkHeaders(settings: HttpSettings): SettingsIssue[] {
  const issues: SettingsIssue[] = [];
  const withAuth = settings.auth !== undefined && settings.auth.type !== 'none';
  for (const [name, value] of Object.entries(settings.headers ?? {})) {
    const field = `action.headers.${name}`;
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name)) issues.push({ field, message: 'is not a valid header name' });
    else if (RESERVED_HEADERS.has(lower)) issues.push({ field, message: 'is set by the HTTP client' });
    else if (lower === 'authorization' && withAuth) issues.push({ field, message: 'conflicts with action.auth' });
    else issues.push(...templateIssue(value, field));
  }
  return issues;
}

function checkAuth(auth: HttpAuth | undefined): SettingsIssue[] {
  if (auth?.type === 'basic') {
    if (auth.username === '') return [{ field: 'action.auth.username', message: 'must not be empty' }];
    if (auth.username.includes(':')) return [{ field: 'action.auth.username', message: 'must not contain ":" (RFC 7617)' }];
  }
  if (auth?.type === 'bearer' && auth.token.trim() === '') return [{ field: 'action.auth.token', message: 'must not be empty' }];
  return [];
}

/** Parses the PEM now, so a pasted certificate that is cut short fails on save, not at 3 a.m. */
function pemIssue(field: string, parse: () => unknown): SettingsIssue[] {
  try {
    parse();
    return [];
  } catch (error) {
    return [{ field, message: `is not valid PEM: ${error instanceof Error ? error.message : String(error)}` }];
  }
}

function checkTls(settings: HttpSettings): SettingsIssue[] {
  const tls = settings.tls;
  if (!tls) return [];
  const issues: SettingsIssue[] = [];
  if (tls.ca !== undefined) issues.push(...pemIssue('action.tls.ca', () => new X509Certificate(tls.ca ?? '')));
  if (tls.cert !== undefined) issues.push(...pemIssue('action.tls.cert', () => new X509Certificate(tls.cert ?? '')));
  if (tls.key !== undefined) issues.push(...pemIssue('action.tls.key', () => createPrivateKey(tls.key ?? '')));
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    issues.push({ field: tls.cert === undefined ? 'action.tls.cert' : 'action.tls.key', message: 'a client certificate needs both cert and key' });
  }
  return issues;
}

function checkSettings(settings: HttpSettings): SettingsIssue[] {
  const issues = [...checkUrl(settings.url), ...checkHeaders(settings), ...checkAuth(settings.auth), ...checkTls(settings)];
  if (settings.body !== undefined) issues.push(...templateIssue(settings.body, 'action.body'));
  if (settings.method !== undefined && !(METHODS as readonly string[]).includes(settings.method)) {
    issues.push({ field: 'action.method', message: `must be one of ${METHODS.join(', ')}` });
  }
  const timeout = settings.timeout ?? DEFAULT_TIMEOUT_S;
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT_S) {
    issues.push({ field: 'action.timeout', message: `must be more than 0 and at most ${MAX_TIMEOUT_S} seconds` });
  }
  return issues;
}

export const httpKind: ActionKind<HttpSettings> = {
  kind: 'http',
  settings: HttpSettingsSchema,
  secretPaths: [
    ['auth', 'password'],
    ['auth', 'token'],
    ['tls', 'key'],
  ],
  check: checkSettings,
  create: (settings, deps) => new HttpAction(settings, deps.templates),
};
