import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Transport, RESPONSE_BODY_LIMIT, type OutboundRequest } from '../../src/notify/transport.js';
import { urlPolicy } from '../../src/notify/url-policy.js';

const NO_TLS = { tls: { insecureSkipVerify: false }, followRedirects: false };

describe('outbound transport', () => {
  let server: Server;
  let base = '';
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/ok': (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => res.writeHead(201, { 'x-echo': req.headers['x-test'] ?? '', 'set-cookie': ['a=1', 'b=2'] }).end(`got ${body}`));
    },
    '/large': (_req, res) => res.writeHead(200).end('x'.repeat(RESPONSE_BODY_LIMIT * 3)),
    // Headers at once, then a chunk every 100 ms for 3 s: never idle, never finished in time.
    '/trickle': (_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('.'), 100);
      setTimeout(() => {
        clearInterval(timer);
        res.end();
      }, 3000);
      res.on('close', () => clearInterval(timer));
    },
    '/silent': () => undefined,
  };

  before(async () => {
    server = createServer((req, res) => (routes[req.url ?? ''] ?? routes['/ok'])?.(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const send = async (path: string, over: Partial<OutboundRequest> = {}, transport = new Transport(urlPolicy([], []))) => {
    const dispatcher = await transport.dispatcherFor('cp', 'v1', NO_TLS);
    try {
      return await transport.send(dispatcher, { url: `${base}${path}`, method: 'POST', headers: { 'x-test': 'yes' }, body: 'hello', timeoutMs: 2000, ...over });
    } finally {
      await transport.close();
    }
  };

  it('returns the status, the headers (repeated ones joined) and the body', async () => {
    const r = await send('/ok');
    assert.equal(r.status, 201);
    assert.equal(r.body, 'got hello');
    assert.equal(r.headers['x-echo'], 'yes');
    assert.equal(r.headers['set-cookie'], 'a=1, b=2');
    assert.equal(r.error, undefined);
    assert.ok(r.durationMs >= 0);
  });

  it(`keeps the first ${RESPONSE_BODY_LIMIT} bytes of a larger body and reads no further`, async () => {
    const r = await send('/large');
    assert.equal(r.status, 200);
    assert.equal(r.body.length, RESPONSE_BODY_LIMIT);
  });

  it('times out the whole request, also a receiver that keeps sending a body slowly', async () => {
    const r = await send('/trickle', { timeoutMs: 400 });
    assert.equal(r.status, undefined);
    assert.match(r.error ?? '', /timed out after 0.4 s/);
    assert.equal(r.networkError, true);
    assert.ok(r.durationMs < 1500, `took ${r.durationMs} ms`);
  });

  it('times out a receiver that never answers', async () => {
    const r = await send('/silent', { timeoutMs: 300 });
    assert.match(r.error ?? '', /timed out after 0.3 s/);
    assert.ok(r.durationMs < 1500, `took ${r.durationMs} ms`);
  });

  it('refuses a URL of the policy without sending, as a permanent error', async () => {
    const r = await send('', { url: 'http://169.254.169.254/latest' });
    assert.equal(r.permanentError, true);
    assert.match(r.error ?? '', /^refused: /);
  });

  it('says in words when nothing listens', async () => {
    const idle = createServer();
    await new Promise<void>((r) => idle.listen(0, '127.0.0.1', r));
    const port = (idle.address() as AddressInfo).port;
    await new Promise((r) => idle.close(r));
    const r = await send('', { url: `http://127.0.0.1:${port}/` });
    assert.equal(r.networkError, true);
    assert.match(r.error ?? '', /connection refused \(ECONNREFUSED\)/);
  });

  it('answers every request of a burst once, each with its own response', async () => {
    const transport = new Transport(urlPolicy([], []));
    const dispatcher = await transport.dispatcherFor('cp', 'v1', NO_TLS);
    try {
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => transport.send(dispatcher, { url: `${base}/ok`, method: 'PUT', headers: {}, body: String(i), timeoutMs: 5000 })),
      );
      assert.deepEqual(
        results.map((r) => r.body),
        Array.from({ length: 200 }, (_, i) => `got ${i}`),
      );
    } finally {
      await transport.close();
    }
  });
});
