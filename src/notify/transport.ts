import type { IncomingHttpHeaders } from 'node:http';
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
  private readonly deadlines = new Deadlines();

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

  /**
   * Sends one request; never throws: a failure comes back in words. Through undici's dispatch
   * API rather than `request()`: no response stream, no AbortSignal per request (an
   * `AbortSignal.timeout()` alone cost a third of a request's CPU). The whole-request timeout is
   * kept by one sweep over the requests in flight.
   */
  send(dispatcher: Dispatcher, request: OutboundRequest): Promise<OutboundResponse> {
    const target = this.target(request.url);
    return new Promise((resolve) => {
      const collector = new ResponseCollector(request.timeoutMs, (response) => {
        this.deadlines.delete(collector);
        resolve(response);
      });
      if ('refused' in target) return collector.fail(target.refused);
      this.deadlines.add(collector);
      try {
        dispatcher.dispatch(
          {
            origin: target.origin,
            path: target.path,
            method: request.method,
            headers: { 'user-agent': USER_AGENT, ...request.headers },
            body: request.body,
            headersTimeout: request.timeoutMs,
            bodyTimeout: request.timeoutMs,
          },
          collector,
        );
      } catch (error) {
        collector.fail(error);
      }
    });
  }
}

/**
 * Times out requests in flight past their deadline. One interval while any request is in
 * flight, instead of a timer per request; a timeout fires up to one sweep late.
 */
class Deadlines {
  private readonly inFlight = new Set<ResponseCollector>();
  private timer: NodeJS.Timeout | null = null;

  add(collector: ResponseCollector): void {
    this.inFlight.add(collector);
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.timer.unref();
  }

  delete(collector: ResponseCollector): void {
    this.inFlight.delete(collector);
    if (this.inFlight.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  private sweep(): void {
    const now = performance.now();
    for (const c of this.inFlight) if (c.deadline <= now) c.timeOut();
  }
}

const SWEEP_MS = 50;

/**
 * Collects one response for the attempt log: status, headers and the body up to the limit,
 * the rest unread. Settles once; whatever undici reports after that is ignored.
 */
class ResponseCollector implements Dispatcher.DispatchHandler {
  readonly deadline: number;
  private readonly started = performance.now();
  private controller: Dispatcher.DispatchController | null = null;
  private settled = false;
  private status = 0;
  private headers: Record<string, string> = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly timeoutMs: number, private readonly finish: (response: OutboundResponse) => void) {
    this.deadline = this.started + timeoutMs;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(new Error('request settled before it started'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.status = statusCode;
    this.headers = flatHeaders(headers);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size < RESPONSE_BODY_LIMIT) return;
    this.answered();
    controller.abort(new Error('response body limit reached'));
  }

  onResponseEnd(): void {
    this.answered();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  timeOut(): void {
    const error = new Error(`timed out after ${this.timeoutMs} ms`);
    error.name = 'TimeoutError';
    this.fail(error);
    this.controller?.abort(error);
  }

  fail(error: unknown): void {
    this.settle({ headers: {}, body: '', durationMs: this.elapsed(), ...describeFailure(error, this.timeoutMs) });
  }

  private answered(): void {
    const body = Buffer.concat(this.chunks).subarray(0, RESPONSE_BODY_LIMIT).toString('utf8');
    this.settle({ status: this.status, headers: this.headers, body, durationMs: this.elapsed(), networkError: false, permanentError: false });
  }

  private settle(response: OutboundResponse): void {
    if (this.settled) return;
    this.settled = true;
    this.finish(response);
  }

  private elapsed(): number {
    return Math.round((performance.now() - this.started) * 10) / 10;
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

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
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
