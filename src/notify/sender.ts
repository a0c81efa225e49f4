import { TemplateError } from '../template/index.js';
import type { NamedText } from '../template/index.js';
import { OAuthError, OAuthTokens, staticAuthorization } from './auth.js';
import type { OutboundNotification } from './outbound.js';
import type { LoadedContactPoint } from './registry.js';
import { memoized } from './memo.js';
import { namespaceFor, renderField, templateData } from './render.js';
import { parseRetryAfter, verdict, type Verdict } from './retry.js';
import { signatureHeaders } from './signing.js';
import { RESPONSE_BODY_LIMIT, Transport, type OutboundResponse } from './transport.js';

/** A message ready to send: its webhook-id and the body fixed at its first attempt. */
export interface PreparedMessage {
  id: string;
  body: string;
  contentType: string;
  outbound: OutboundNotification;
}

/** Everything an attempt log keeps, secrets redacted. */
export interface AttemptReport {
  startedAt: number;
  durationMs: number;
  request: { method: string; url: string; headers: Record<string, string> };
  requestBody: string;
  status?: number;
  responseHeaders?: Record<string, string>;
  responseBody?: string;
  error?: string;
  verdict: Verdict;
  retryAfterMs: number | null;
}

export interface SenderDeps {
  transport: Transport;
  oauth: OAuthTokens;
  externalUrl: () => string;
  /** The user's template files, seen by URL and body templates. */
  templates: readonly NamedText[];
  now: () => number;
}

const SECRET_HEADER = /authorization|cookie|token|secret|password|passwd|api[-_]?key|auth/i;
const SECRET_PARAM = /token|secret|password|passwd|key|sig|auth/i;

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = SECRET_HEADER.test(k) ? '[redacted]' : v;
  return out;
}

/** The URL with credentials and secret-looking query parameters replaced; kept per URL, as most never change. */
export const redactUrl = memoized(1000, (text: string) => text, redactUrlText);

function redactUrlText(text: string): string {
  try {
    const url = new URL(text);
    if (url.username || url.password) {
      url.username = url.username ? '[redacted]' : '';
      url.password = url.password ? '[redacted]' : '';
    }
    for (const key of [...url.searchParams.keys()]) if (SECRET_PARAM.test(key)) url.searchParams.set(key, '[redacted]');
    return url.toString();
  } catch {
    return text.slice(0, 200);
  }
}

/** What sending needs of a contact point; it crosses to the attempt thread, so no compiled matcher. */
export type SendingContactPoint = Pick<LoadedContactPoint, 'id' | 'version' | 'settings'>;

/** The URL may be a template; a plain one is used as it is. */
function targetUrl(cp: SendingContactPoint, outbound: OutboundNotification, deps: SenderDeps): string {
  const text = cp.settings.url;
  if (!text.includes('{{')) return text;
  const scope = { namespace: namespaceFor(cp.settings.payload.profile), library: deps.templates };
  return renderField('url', text, templateData(outbound, deps.externalUrl()), deps.now(), scope).trim();
}

/** The Authorization header, and whether it is an OAuth2 token taken from the cache. */
async function authorization(
  cp: SendingContactPoint,
  deps: SenderDeps,
  dispatcher: Parameters<Transport['send']>[0],
): Promise<{ value: string | undefined; cachedToken: boolean }> {
  const auth = cp.settings.auth;
  if (auth.type !== 'oauth2') return { value: staticAuthorization(auth), cachedToken: false };
  const token = await deps.oauth.authorization(cp.id, auth, dispatcher, cp.settings.timeout * 1000, deps.now());
  return { value: token.value, cachedToken: token.cached };
}

/** What a failure before the request means: a template or token failure can be fixed without touching the message. */
function verdictBeforeSending(error: unknown): Verdict {
  if (error instanceof OAuthError) return error.permanent ? 'failed' : 'retry';
  return error instanceof TemplateError ? 'retry' : 'failed';
}

function failedBeforeSending(startedAt: number, method: string, url: string, body: string, error: unknown, v: Verdict): AttemptReport {
  const message = error instanceof Error ? error.message : String(error);
  return {
    startedAt,
    durationMs: 0,
    request: { method, url: redactUrl(url), headers: {} },
    requestBody: body.slice(0, RESPONSE_BODY_LIMIT),
    error: message,
    verdict: v,
    retryAfterMs: null,
  };
}

/**
 * One attempt: URL, auth and signature are made now (a signature's timestamp is per attempt),
 * the body and webhook-id are the message's. Never throws.
 */
export async function sendAttempt(cp: SendingContactPoint, message: PreparedMessage, deps: SenderDeps): Promise<AttemptReport> {
  const startedAt = deps.now();
  const s = cp.settings;
  let url = s.url;
  let headers: Record<string, string>;
  const dispatcher = await deps.transport.dispatcherFor(cp.id, cp.version, { tls: s.tls, followRedirects: s.followRedirects });
  let cachedToken = false;
  try {
    url = targetUrl(cp, message.outbound, deps);
    const auth = await authorization(cp, deps, dispatcher);
    cachedToken = auth.cachedToken;
    headers = {
      'content-type': message.contentType,
      // Lower-cased, so an extra Content-Type replaces the default instead of doubling it.
      ...Object.fromEntries(Object.entries(s.headers).map(([k, v]) => [k.toLowerCase(), v])),
      'webhook-id': message.id,
      ...(auth.value ? { authorization: auth.value } : {}),
      ...signatureHeaders(s.signing, message.id, message.body, startedAt),
    };
  } catch (error) {
    return failedBeforeSending(startedAt, s.method, url, message.body, error, verdictBeforeSending(error));
  }
  const request = { url, method: s.method, body: message.body, timeoutMs: s.timeout * 1000 };
  let response = await deps.transport.send(dispatcher, { ...request, headers });
  if (response.status === 401 && s.auth.type === 'oauth2') {
    deps.oauth.invalidate(cp.id, headers.authorization);
    // A cached token may have been revoked or expired early: one more request with a fresh
    // token tells that apart from credentials the receiver will never take (401 again: failed).
    if (cachedToken) {
      try {
        headers = { ...headers, authorization: (await authorization(cp, deps, dispatcher)).value ?? '' };
      } catch (error) {
        return failedBeforeSending(startedAt, s.method, url, message.body, error, verdictBeforeSending(error));
      }
      response = await deps.transport.send(dispatcher, { ...request, headers });
      if (response.status === 401) deps.oauth.invalidate(cp.id, headers.authorization);
    }
  }
  return report(startedAt, s.method, url, headers, message.body, response, deps.now());
}

function report(
  startedAt: number,
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string,
  response: OutboundResponse,
  now: number,
): AttemptReport {
  const v = verdict(response);
  const redirect = response.status !== undefined && response.status >= 300 && response.status < 400;
  return {
    startedAt,
    durationMs: response.durationMs,
    request: { method, url: redactUrl(url), headers: redactHeaders(headers) },
    requestBody: body.slice(0, RESPONSE_BODY_LIMIT),
    ...(response.status !== undefined ? { status: response.status, responseHeaders: response.headers, responseBody: response.body } : {}),
    ...(response.error
      ? { error: response.error }
      : redirect
        ? { error: `redirect to ${response.headers.location ?? '(no Location)'} not followed; set followRedirects to follow it` }
        : v !== 'success'
          ? { error: `HTTP ${response.status ?? '?'}` }
          : {}),
    verdict: v,
    retryAfterMs: v === 'retry' ? parseRetryAfter(response.headers['retry-after'], now) : null,
  };
}
