/**
 * A webhook receiver for tests, on 127.0.0.1 only: records every request and answers as the
 * test scripts it (status, headers, body, delay). HTTP, HTTPS, or HTTPS requiring a client
 * certificate.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
  /** For HTTPS sinks: the subject CN of the client certificate, if one was presented. */
  clientCert?: string;
}

export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering (a hanging receiver). */
  delayMs?: number;
}

export type Responder = (request: Received, index: number) => Answer;

export interface Sink {
  url: string;
  received: Received[];
  respond: Responder;
  /** Resolves once at least `n` requests arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export interface TlsOptions {
  cert: string;
  key: string;
  /** Require and verify a client certificate signed by this CA. */
  clientCa?: string;
}

function flat(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export async function startSink(respond: Responder = () => ({ status: 200, body: 'ok' }), tls?: TlsOptions): Promise<Sink> {
  const received: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const peer = tls ? (req.socket as TLSSocket).getPeerCertificate() : undefined;
      const r: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: flat(req.headers),
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        ...(peer && peer.subject ? { clientCert: String(peer.subject.CN) } : {}),
      };
      const index = received.length;
      received.push(r);
      for (const w of waiters.splice(0)) (received.length >= w.n ? w.resolve : () => waiters.push(w))();
      const answer = sink.respond(r, index);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status ?? 200, answer.headers ?? {});
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
      else send();
    });
  };
  const server: Server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key, ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}) }, handler)
    : createHttpServer(handler);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  if (tls) server.on('secureConnection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const sink: Sink = {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    received,
    respond,
    waitFor(n, timeoutMs = 10_000) {
      if (received.length >= n) return Promise.resolve(received);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`sink got ${received.length} of ${n} requests within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve(received);
          },
        });
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return sink;
}
