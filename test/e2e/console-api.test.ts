/**
 * The server side of the console, over HTTP against the real server: sign-in sessions and CSRF,
 * the alert list and its live stream, the contact-point preview, settings, and how the built
 * console (or its absence) is served. The browser tests are in console.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, eventually, startApp, type RunningApp } from '../support/app.js';

const CSRF = { 'x-alertwire-csrf': '1' };

/** The fields these tests read from API answers. */
interface Answer {
  detail: string;
  field?: string;
  authenticated?: boolean;
  alerts: { alertname: string; reportUrl: string; severity: string | null }[];
  title: string;
  message: string;
  body: string;
  ok: boolean;
  status: number | null;
  webhook: { url: string };
  rateLimits: { perIp: number };
}

async function json(res: Response): Promise<Answer> {
  return (await res.json()) as Answer;
}

function alertmanager(alerts: { labels: Record<string, string>; status?: string }[]) {
  return { version: '4', status: 'firing', receiver: 'am', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', groupKey: '{}', alerts: alerts.map((a) => ({ status: a.status ?? 'firing', labels: a.labels, annotations: { summary: 's' }, startsAt: new Date().toISOString() })) };
}

async function signIn(app: RunningApp): Promise<string> {
  const res = await fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...CSRF }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
  assert.equal(res.status, 200);
  const cookie = res.headers.get('set-cookie') ?? '';
  return cookie.split(';')[0] ?? '';
}

/** A static console build in a temp dir, as `vite build` lays it out. */
function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'alertwire-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/assets/index-abc123.js"></script>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  return dir;
}

async function withConsoleDir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const previous = process.env.ALERTWIRE_CONSOLE_DIR;
  process.env.ALERTWIRE_CONSOLE_DIR = dir;
  try {
    return await fn();
  } finally {
    if (previous === undefined) delete process.env.ALERTWIRE_CONSOLE_DIR;
    else process.env.ALERTWIRE_CONSOLE_DIR = previous;
  }
}

describe('console API', () => {
  let app: RunningApp;
  let build: string;
  before(async () => {
    build = fakeBuild();
    app = await withConsoleDir(build, () => startApp({ server: { external_url: '' } }));
  });
  after(async () => {
    await app.stop();
    rmSync(build, { recursive: true, force: true });
  });

  it('signs in with the admin token: an httpOnly, SameSite=Strict cookie on Path=/', async () => {
    const res = await fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...CSRF }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
    assert.equal(res.status, 200);
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^alertwire_session=[\w-]{40,};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\//);
    assert.doesNotMatch(cookie, /Secure/, 'no Secure flag over http');
    const session = await json(await fetch(`${app.url}/api/v1/session`, { headers: { cookie: cookie.split(';')[0] ?? '' } }));
    assert.equal(session.authenticated, true);
  });

  it('refuses a wrong token with 401 naming the field, and a sign-in without the CSRF header with 403', async () => {
    const wrong = await fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...CSRF }, body: JSON.stringify({ token: 'nope' }) });
    assert.equal(wrong.status, 401);
    assert.match((await json(wrong)).detail, /^token: /);
    assert.equal(wrong.headers.get('set-cookie'), null);
    const noHeader = await fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
    assert.equal(noHeader.status, 403);
  });

  it('lets the cookie read the API, but changes need the CSRF header; Bearer still works for scripts', async () => {
    const cookie = await signIn(app);
    assert.equal((await fetch(`${app.url}/api/v1/receivers`, { headers: { cookie } })).status, 200);
    const body = JSON.stringify({ name: 'x', kind: 'command', action: { argv: ['/bin/true'] } });
    const forged = await fetch(`${app.url}/api/v1/receivers`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body });
    assert.equal(forged.status, 403);
    assert.match((await json(forged)).detail, /x-alertwire-csrf/);
    const real = await fetch(`${app.url}/api/v1/receivers`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...CSRF }, body });
    assert.equal(real.status, 201);
    const bearer = await fetch(`${app.url}/api/v1/receivers`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(bearer.status, 200);
    assert.equal((await fetch(`${app.url}/api/v1/receivers`)).status, 401);
    assert.equal((await fetch(`${app.url}/api/v1/receivers`, { headers: { cookie: 'alertwire_session=forged' } })).status, 401);
  });

  it('signs out: the session ends on the server, not only in the browser', async () => {
    const cookie = await signIn(app);
    const out = await fetch(`${app.url}/api/v1/session`, { method: 'DELETE', headers: { cookie, ...CSRF } });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.equal((await fetch(`${app.url}/api/v1/receivers`, { headers: { cookie } })).status, 401);
    assert.equal((await json(await fetch(`${app.url}/api/v1/session`, { headers: { cookie } }))).authenticated, false);
  });

  it('lists alerts filtered by status, receiver and label matchers, sorted', async () => {
    await app.postWebhook(alertmanager([
      { labels: { alertname: 'DiskFull', severity: 'critical', namespace: 'prod-eu' } },
      { labels: { alertname: 'CpuHigh', severity: 'warning', namespace: 'prod-us' } },
      { labels: { alertname: 'Gone', severity: 'critical', namespace: 'dev' }, status: 'resolved' },
    ]));
    const cookie = await signIn(app);
    const list = async (query: string) => {
      const res = await fetch(`${app.url}/api/v1/alerts?${query}`, { headers: { cookie } });
      return { status: res.status, body: await json(res) };
    };
    const names = async (query: string) => (await list(query)).body.alerts.map((a) => a.alertname);
    assert.deepEqual(await names(`labels=${encodeURIComponent('severity=critical namespace=~prod.*')}`), ['DiskFull']);
    assert.deepEqual(await names('status=resolved'), ['Gone']);
    assert.deepEqual(await names('sort=alertname&order=asc&receiver=webhook'), ['CpuHigh', 'DiskFull', 'Gone']);
    assert.deepEqual(await names('receiver=rcv_none'), []);
    const bad = await list(`labels=${encodeURIComponent('severity=~"(unclosed"')}`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.detail, /^labels: /);
    const one = (await list('labels=alertname%3DDiskFull')).body.alerts[0];
    assert.ok(one);
    assert.match(one.reportUrl, /\/report\/[0-9a-f]+$/);
    assert.equal(one.severity, 'critical');
  });

  it('streams alert changes as server-sent events', async () => {
    const cookie = await signIn(app);
    const controller = new AbortController();
    const res = await fetch(`${app.url}/api/v1/alerts/stream`, { headers: { cookie }, signal: controller.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    await app.postWebhook(alertmanager([{ labels: { alertname: 'LiveOne', severity: 'page' } }]));
    await eventually(async () => {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
      return text.includes('"alertname":"LiveOne"') ? true : undefined;
    }, 8000, 'the alert event');
    assert.match(text, /event: alert\ndata: \{/);
    controller.abort();
  });

  it('renders a preview of title, message and payload for a draft, and names a broken template', async () => {
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const draft = { name: 'p', url: 'http://127.0.0.1:9/x', title: '{{ .CommonLabels.team }} {{ len .Alerts }}', message: 'M' };
    const res = await fetch(`${app.url}/api/v1/contact-points/preview`, { method: 'POST', headers, body: JSON.stringify({ contactPoint: draft }) });
    assert.equal(res.status, 200);
    const preview = await json(res);
    assert.equal(preview.title, 'blue 2');
    assert.equal(preview.message, 'M');
    assert.equal((JSON.parse(preview.body) as { title: string }).title, 'blue 2');
    const broken = await fetch(`${app.url}/api/v1/contact-points/preview`, { method: 'POST', headers, body: JSON.stringify({ contactPoint: { ...draft, title: '{{ .Nope' } }) });
    assert.equal(broken.status, 400);
    assert.equal((await json(broken)).field, 'title');
  });

  it('shows the settings in effect and tests a Prometheus connection', async () => {
    const prom: Server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(req.url === '/api/v1/status/buildinfo' ? JSON.stringify({ status: 'success', data: { version: '2.99.0' } }) : '{}');
    });
    await new Promise<void>((r) => prom.listen(0, '127.0.0.1', r));
    const port = (prom.address() as { port: number }).port;
    try {
      const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
      const settings = await json(await fetch(`${app.url}/api/v1/settings`, { headers }));
      assert.equal(settings.webhook.url, `${app.url}/webhook`);
      assert.equal(settings.rateLimits.perIp, 0);
      const ok = await json(await fetch(`${app.url}/api/v1/settings/test-connection`, { method: 'POST', headers, body: JSON.stringify({ kind: 'prometheus', url: `http://127.0.0.1:${port}` }) }));
      assert.deepEqual([ok.ok, ok.detail], [true, 'Prometheus 2.99.0']);
      const down = await json(await fetch(`${app.url}/api/v1/settings/test-connection`, { method: 'POST', headers, body: JSON.stringify({ kind: 'llm', url: 'http://127.0.0.1:9/v1' }) }));
      assert.equal(down.ok, false);
    } finally {
      prom.close();
    }
  });

  it('serves the console: index revalidated with a CSP, hashed assets cached for a year, SPA routes, API 404s stay JSON', async () => {
    const index = await fetch(`${app.url}/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.match(index.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(index.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    const etag = index.headers.get('etag') ?? '';
    assert.equal((await fetch(`${app.url}/`, { headers: { 'if-none-match': etag } })).status, 304);
    const asset = await fetch(`${app.url}/assets/index-abc123.js`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.match(asset.headers.get('cache-control') ?? '', /max-age=31536000, immutable/);
    for (const route of ['/alerts', '/alerts/abc', '/receivers/new', '/contact-points/x', '/deliveries', '/settings']) {
      const res = await fetch(app.url + route);
      assert.equal(res.status, 200, route);
      assert.match(await res.text(), /<title>console<\/title>/);
    }
    assert.equal((await fetch(`${app.url}/assets/..%2f..%2fpackage.json`)).status, 404);
    const api404 = await fetch(`${app.url}/api/v1/nothing`);
    assert.equal(api404.status, 404);
    assert.ok((await json(api404)).detail);
  });
});

describe('console not built', () => {
  it('answers / with how to build it, and the server still runs', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'alertwire-nobuild-'));
    const app = await withConsoleDir(empty, () => startApp());
    try {
      const res = await fetch(`${app.url}/`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /npm run build:console/);
      assert.equal((await fetch(`${app.url}/health`)).status, 200);
    } finally {
      await app.stop();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('session cookie over https', () => {
  it('carries Secure when the external URL is https', async () => {
    const app = await startApp({ server: { external_url: 'https://alertwire.example' } });
    try {
      const cookie = await fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...CSRF }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
      assert.match(cookie.headers.get('set-cookie') ?? '', /; Secure/);
    } finally {
      await app.stop();
    }
  });
});
