import type { Agent, buildConnector, Dispatcher } from 'undici';
import { loadUndici } from '../lazy-modules.js';
import { memoized } from './memo.js';
import type { TlsSettings } from './contact-point.js';
import { checkLiteralHost, guardedLookup, type UrlPolicy, UrlPolicyError } from './url-policy.js';

/** Response bodies are kept up to this size in the attempt log (Svix keeps 20 kB too). */
export const RESPONSE_BODY_LIMIT = 20 * 1024;
export const USER_AGENT = 'alertwire/0.1';

export interface OutboundRequest {
  url: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface OutboundResponse {
  status?: number;
  headers: Record<string, string>;
  body: string;
  durationMs: number;
  /** The failure in words, when there was no HTTP answer. */
  error?: string;
  networkError: boolean;
  permanentError: boolean;
}

export interface EndpointOptions {
  tls: TlsSettings;
  followRedirects: boolean;
}

/** Where a URL sends a request, checked against the URL policy; or why it may not be sent. */
type Target = { origin: string; path: string } | { refused: Error };

/**
 * Outbound HTTP for contact points: one undici Agent per contact point (its TLS settings,
 * keep-alive, the URL policy on every resolved address), rebuilt when the contact point
 * changes. Redirects are not followed unless the contact point asks for it.
 */
export class Transport {
  private readonly agents = new Map<string, { version: string; agent: Agent; dispatcher: Dispatcher }>();
  /** Most contact points send to one fixed URL: it is parsed and checked once, not at every attempt. */
  private readonly target = memoized(1000, (text: string) => text, (text: string) => targetOf(this.policy, text));

  constructor(private readonly policy: UrlPolicy) {}

  /** Async because undici is imported on first use (memory at idle), not with this module. */
  async dispatcherFor(id: string, version: string, options: EndpointOptions): Promise<Dispatcher> {
    const hit = this.agents.get(id);
    if (hit && hit.version === version) return hit.dispatcher;
    const { Agent, buildConnector, interceptors } = await loadUndici();
    // Looked up again: a concurrent call may have built it while undici was loading.
    const cached = this.agents.get(id);
    if (cached && cached.version === version) return cached.dispatcher;
    if (cached) void cached.agent.close().catch(() => undefined);
    const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128, connect: this.connector(buildConnector, options.tls) });
    const dispatcher = options.followRedirects ? agent.compose(interceptors.redirect({ maxRedirections: 5 })) : agent;
    this.agents.set(id, { version, agent, dispatcher });
    return dispatcher;
  }

  /**
   * Names are checked in `lookup`; an address literal (also one a redirect points to) never
   * reaches lookup, so the connector checks it before connecting.
   */
  private connector(build: typeof buildConnector, tls: TlsSettings): buildConnector.connector {
    const connect = build({
      lookup: guardedLookup(this.policy),
      ...(tls.ca ? { ca: tls.ca } : {}),
      ...(tls.cert ? { cert: tls.cert } : {}),
      ...(tls.key ? { key: tls.key } : {}),
      ...(tls.serverName ? { servername: tls.serverName } : {}),
      rejectUnauthorized: !tls.insecureSkipVerify,
    });
    return (options, callback) => {
      try {
        checkLiteralHost(this.policy, new URL(`${options.protocol}//${options.hostname}`));
      } catch (error) {
        callback(error instanceof UrlPolicyError ? error : new UrlPolicyError(String(error)), null);
        return;
      }
      connect(options, callback);
    };
  }

  forget(id: string): void {
    const cached = this.agents.get(id);
    this.agents.delete(id);
    if (cached) void cached.agent.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    const all = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(all.map((a) => a.agent.destroy().catch(() => undefined)));
  }

  /** Sends one request; never throws: a failure comes back in words. */
  async send(dispatcher: Dispatcher, request: OutboundRequest): Promise<OutboundResponse> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    try {
      const target = this.target(request.url);
      if ('refused' in target) throw target.refused;
      const response = await dispatcher.request({
        origin: target.origin,
        path: target.path,
        method: request.method,
        headers: { 'user-agent': USER_AGENT, ...request.headers },
        body: request.body,
        headersTimeout: request.timeoutMs,
        bodyTimeout: request.timeoutMs,
        signal: AbortSignal.timeout(request.timeoutMs),
      });
      const body = await readLimited(response.body);
      return { status: response.statusCode, headers: flatHeaders(response.headers), body, durationMs: elapsed(), networkError: false, permanentError: false };
    } catch (error) {
      return { headers: {}, body: '', durationMs: elapsed(), ...describeFailure(error, request.timeoutMs) };
    }
  }

}

function targetOf(policy: UrlPolicy, text: string): Target {
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BadUrlError(`unsupported URL scheme "${url.protocol}"`);
    checkLiteralHost(policy, url);
    return { origin: url.origin, path: `${url.pathname}${url.search}` };
  } catch (error) {
    return { refused: error instanceof Error ? error : new Error(String(error)) };
  }
}

class BadUrlError extends Error {
  readonly code = 'ERR_BAD_URL';
}

/** The response body up to the limit; the rest is not read. Events, not an async iterator: this runs once per delivery. */
function readLimited(body: Dispatcher.ResponseData['body']): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString('utf8'));
    body.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= RESPONSE_BODY_LIMIT) {
        body.destroy();
        done();
      }
    });
    body.on('end', done);
    body.on('error', (error) => (size >= RESPONSE_BODY_LIMIT ? done() : reject(error)));
  });
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME/;

/** The innermost error with a code: undici wraps socket errors. */
function rootCause(error: unknown): { code?: string; message: string; name?: string } {
  let e = error as { code?: string; message?: string; name?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (e.code && !String(e.code).startsWith('UND_ERR_ABORTED')) return { code: e.code, message: e.message ?? '', name: e.name };
    if (!e.cause) break;
    e = e.cause as typeof e;
  }
  const top = error as { message?: string; name?: string } | undefined;
  return { message: top?.message ?? String(error), name: top?.name };
}

/** A failure in words, and whether a retry may help. */
export function describeFailure(error: unknown, timeoutMs: number): { error: string; networkError: boolean; permanentError: boolean } {
  const { code, message, name } = rootCause(error);
  if (code === 'ERR_URL_POLICY' || code === 'ERR_BAD_URL' || code === 'ERR_INVALID_URL') {
    return { error: `refused: ${message}`, networkError: false, permanentError: true };
  }
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { error: `timed out after ${timeoutMs / 1000} s without a complete answer`, networkError: true, permanentError: false };
  }
  if (code && TLS_CODES.test(code)) return { error: `TLS: ${message} (${code})`, networkError: true, permanentError: false };
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset by the receiver',
    ENOTFOUND: 'host name not found',
    EAI_AGAIN: 'host name lookup failed temporarily',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    UND_ERR_SOCKET: 'the receiver closed the connection',
  };
  const said = code ? words[code] : undefined;
  return { error: said ? `${said} (${code}): ${message}` : `${code ? `${code}: ` : ''}${message}`, networkError: true, permanentError: false };
}
