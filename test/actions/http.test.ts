import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Action, ActionContext, ActionDeps, AlertSnapshot } from '../../src/actions/action.js';
import { RESPONSE_EXCERPT_BYTES, httpKind } from '../../src/actions/http.js';
import type { HttpSettings } from '../../src/actions/http.js';
import { LocalLocks } from '../../src/store/locks.js';

const locks = new LocalLocks();

const deps: ActionDeps = { kubernetes: { kubeconfig: '', context: '', inCluster: false }, commandEnvAllowlist: [], templates: [] };

const web1: AlertSnapshot = {
  fingerprint: 'c0ffee0000000001',
  status: 'firing',
  labels: { alertname: 'HighLatency', instance: 'web-1', team: 'edge' },
  annotations: { summary: 'p99 above 2s' },
  startsAt: Date.UTC(2024, 5, 1, 8, 0, 0, 123),
  endsAt: null,
  generatorURL: 'http://prom/graph?g0.expr=latency',
  extras: {},
};
const web2: AlertSnapshot = {
  ...web1,
  fingerprint: 'c0ffee0000000002',
  status: 'resolved',
  labels: { alertname: 'HighLatency', instance: 'web-2', team: 'edge' },
  endsAt: Date.UTC(2024, 5, 1, 9, 0, 0),
};

function context(over: Partial<ActionContext> = {}): ActionContext {
  return {
    receiver: { id: 'rcv-http', name: 'page-edge' },
    trigger: 'firing',
    alerts: [web1, web2],
    meta: {
      receiver: 'edge-team',
      status: 'firing',
      groupKey: '{}:{alertname="HighLatency"}',
      groupLabels: { alertname: 'HighLatency' },
      commonLabels: { alertname: 'HighLatency', team: 'edge' },
      commonAnnotations: { summary: 'p99 above 2s' },
      externalURL: 'http://alertmanager:9093',
      truncatedAlerts: 0,
    },
    payload: null,
    externalUrl: 'http://alertwire.test',
    now: () => Date.UTC(2024, 5, 1, 9, 30, 0),
    signal: new AbortController().signal,
    lastApplied: async () => null,
    tryHold: (keys) => locks.tryHold(keys),
    ...over,
  };
}

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  clientCN: string | null;
}
type Respond = (received: Received, res: ServerResponse) => void;

interface Sink {
  base: string;
  received: Received[];
  close(): Promise<void>;
}

const ok: Respond = (_, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('accepted');
};

const open: Sink[] = [];
const actions: Action[] = [];

/** A local HTTP(S) server recording what it received and answering with `respond`. */
async function sink(respond: Respond = ok, server: Server = createServer(), scheme = 'http'): Promise<Sink> {
  const received: Received[] = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const socket = req.socket as Partial<TLSSocket>;
      const peer = socket.getPeerCertificate?.();
      const cn = peer && 'subject' in peer && peer.subject ? peer.subject.CN : undefined;
      const clientCN = typeof cn === 'string' ? cn : null;
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), clientCN };
      received.push(r);
      respond(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const s: Sink = {
    base: `${scheme}://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  open.push(s);
  return s;
}

function create(settings: HttpSettings, templates: ActionDeps['templates'] = []): Action {
  const action = httpKind.create(settings, { ...deps, templates });
  actions.push(action);
  return action;
}

afterEach(async () => {
  await Promise.all(actions.splice(0).map((a) => a.close?.()));
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('http request', () => {
  test('default: POST of the Alertmanager v4 JSON', async () => {
    const s = await sink();
    const outcome = await create({ url: `${s.base}/hook?key=secret` }).run(context());
    assert.equal(outcome.decision, 'applied', outcome.reason);
    assert.equal(outcome.output, 'HTTP 200\naccepted');
    assert.equal(outcome.target, `POST ${s.base}/hook`, 'no query string in the record');
    const [r] = s.received;
    assert.ok(r);
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/hook?key=secret');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['user-agent'], 'alertwire');
    assert.deepEqual(JSON.parse(r.body), {
      receiver: 'edge-team',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: web1.labels,
          annotations: web1.annotations,
          startsAt: '2024-06-01T08:00:00.123Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: web1.generatorURL,
          fingerprint: 'c0ffee0000000001',
        },
        {
          status: 'resolved',
          labels: web2.labels,
          annotations: web2.annotations,
          startsAt: '2024-06-01T08:00:00.123Z',
          endsAt: '2024-06-01T09:00:00.000Z',
          generatorURL: web2.generatorURL,
          fingerprint: 'c0ffee0000000002',
        },
      ],
      groupLabels: { alertname: 'HighLatency' },
      commonLabels: { alertname: 'HighLatency', team: 'edge' },
      commonAnnotations: { summary: 'p99 above 2s' },
      externalURL: 'http://alertmanager:9093',
      version: '4',
      groupKey: '{}:{alertname="HighLatency"}',
      truncatedAlerts: 0,
    });
  });

  test('without metadata the body falls back to the receiver, trigger and shared labels', async () => {
    const s = await sink();
    await create({ url: `${s.base}/` }).run(context({ meta: null, trigger: 'resolved' }));
    const body = JSON.parse(s.received[0]?.body ?? '') as Record<string, unknown>;
    assert.equal(body.receiver, 'page-edge');
    assert.equal(body.status, 'resolved');
    assert.equal(body.externalURL, 'http://alertwire.test');
    assert.deepEqual(body.commonLabels, { alertname: 'HighLatency', team: 'edge' });
  });

  test('renders method, URL, header and body templates', async () => {
    const s = await sink();
    const settings: HttpSettings = {
      method: 'PUT',
      url: `${s.base}/alerts/{{ .CommonLabels.alertname }}?n={{ len .Alerts }}&firing={{ len .Alerts.Firing }}`,
      headers: { 'X-Alert': '{{ .Status }}/{{ .GroupLabels.alertname }}', 'Content-Type': 'text/plain' },
      body: '{{ range .Alerts }}{{ .Labels.instance }}={{ .Status }} since {{ .StartsAt.Unix }}\n{{ end }}{{ .ExternalURL }}',
    };
    const outcome = await create(settings).run(context());
    assert.equal(outcome.decision, 'applied', outcome.reason);
    const [r] = s.received;
    assert.equal(r?.method, 'PUT');
    assert.equal(r?.url, '/alerts/HighLatency?n=2&firing=1');
    assert.equal(r?.headers['x-alert'], 'firing/HighLatency');
    assert.equal(r?.headers['content-type'], 'text/plain');
    const since = Math.floor(web1.startsAt / 1000);
    assert.equal(r?.body, `web-1=firing since ${since}\nweb-2=resolved since ${since}\nhttp://alertmanager:9093`);
  });

  test('templates see Alertmanager\'s defaults and the template files of alertwire.yaml', async () => {
    const s = await sink();
    const templates = [{ name: 'edge.tmpl', text: '{{ define "edge.body" }}{{ template "__subject" . }} | {{ template "pagerduty.default.client" . }}{{ end }}' }];
    const outcome = await create({ url: `${s.base}/in`, body: '{{ template "edge.body" . }}' }, templates).run(context());
    assert.equal(outcome.decision, 'applied', outcome.reason);
    assert.equal(s.received[0]?.body, '[FIRING:1] HighLatency (edge) | Alertmanager');
  });

  test('GET sends no body', async () => {
    const s = await sink();
    await create({ method: 'GET', url: `${s.base}/ping` }).run(context());
    assert.equal(s.received[0]?.method, 'GET');
    assert.equal(s.received[0]?.body, '');
    assert.equal(s.received[0]?.headers['content-type'], undefined);
  });

  test('basic and bearer auth', async () => {
    const s = await sink();
    await create({ url: s.base, auth: { type: 'basic', username: 'ops', password: 'p:ss wörd' } }).run(context());
    await create({ url: s.base, auth: { type: 'bearer', token: 'tok-123' } }).run(context());
    await create({ url: s.base, auth: { type: 'none' } }).run(context());
    assert.equal(s.received[0]?.headers.authorization, `Basic ${Buffer.from('ops:p:ss wörd').toString('base64')}`);
    assert.equal(s.received[1]?.headers.authorization, 'Bearer tok-123');
    assert.equal(s.received[2]?.headers.authorization, undefined);
  });

  test('a template that fails to execute is a final failure', async () => {
    const s = await sink();
    const outcome = await create({ url: `${s.base}/{{ .Nope.Deeper }}` }).run(context());
    assert.equal(outcome.decision, 'failed');
    assert.equal(outcome.transient, undefined);
    assert.match(outcome.reason, /action\.url:1:\d+/);
    assert.equal(s.received.length, 0);
  });
});

describe('http response handling', () => {
  const answer =
    (status: number, body = `status ${status}`, headers: Record<string, string> = {}): Respond =>
    (_, res) => {
      res.writeHead(status, headers);
      res.end(body);
    };

  test('5xx and 429 are transient failures with the response excerpt', async () => {
    for (const status of [500, 503, 429]) {
      const s = await sink(answer(status));
      const outcome = await create({ url: s.base }).run(context());
      assert.equal(outcome.decision, 'failed');
      assert.equal(outcome.transient, true, `HTTP ${status}`);
      assert.equal(outcome.output, `HTTP ${status}\nstatus ${status}`);
    }
  });

  test('other 4xx and redirects are final failures', async () => {
    for (const status of [400, 404, 302]) {
      const s = await sink(answer(status, 'no', { location: '/elsewhere' }));
      const outcome = await create({ url: s.base }).run(context());
      assert.equal(outcome.decision, 'failed');
      assert.equal(outcome.transient, undefined, `HTTP ${status}`);
      assert.match(outcome.reason, new RegExp(`HTTP ${status}`));
      assert.equal(s.received.length, 1, 'the redirect is not followed');
    }
  });

  test('keeps only an excerpt of a large response', async () => {
    const s = await sink(answer(200, 'x'.repeat(RESPONSE_EXCERPT_BYTES * 4)));
    const outcome = await create({ url: s.base }).run(context());
    assert.equal(outcome.decision, 'applied');
    assert.equal(outcome.output, `HTTP 200\n${'x'.repeat(RESPONSE_EXCERPT_BYTES)}…`);
  });

  test('a timeout is a transient failure', async () => {
    const s = await sink(() => undefined);
    const started = Date.now();
    const outcome = await create({ url: s.base, timeout: 0.3 }).run(context());
    assert.ok(Date.now() - started < 2000);
    assert.equal(outcome.decision, 'failed');
    assert.equal(outcome.transient, true);
    assert.equal(outcome.reason, 'timed out after 0.3 s');
  });

  test('a refused connection is a transient failure', async () => {
    const s = await sink();
    const url = s.base;
    await s.close();
    const outcome = await create({ url }).run(context());
    assert.equal(outcome.decision, 'failed');
    assert.equal(outcome.transient, true);
    assert.match(outcome.reason, /ECONNREFUSED/);
  });

  test('a shutdown interrupts the request as a transient failure', async () => {
    const s = await sink(() => undefined);
    const controller = new AbortController();
    const running = create({ url: s.base }).run(context({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    const outcome = await running;
    assert.equal(outcome.transient, true);
    assert.equal(outcome.reason, 'interrupted by server shutdown');
  });
});

describe('http TLS', () => {
  let dir = '';
  const pem: Record<string, string> = {};

  /** A CA, a server certificate for alertwire.test and a client certificate, made by openssl. */
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'aw-http-tls-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=aw-test-ca');
    for (const [name, usage, cn] of [['server', 'serverAuth', 'alertwire.test'], ['client', 'clientAuth', 'aw-client']] as const) {
      writeFileSync(join(dir, `${name}.ext`), `subjectAltName=DNS:${cn}\nextendedKeyUsage=${usage}\n`);
      ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
      ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
    }
    for (const f of ['ca.crt', 'server.crt', 'server.key', 'client.crt', 'client.key']) pem[f] = readFileSync(join(dir, f), 'utf8');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const tlsSink = (requireClient = false) =>
    sink(ok, createTlsServer({ cert: pem['server.crt'], key: pem['server.key'], ca: pem['ca.crt'], requestCert: requireClient, rejectUnauthorized: requireClient }), 'https');

  test('trusts a server signed by the configured CA, checked against server_name', async () => {
    const s = await tlsSink();
    const outcome = await create({ url: s.base, tls: { ca: pem['ca.crt'], server_name: 'alertwire.test' } }).run(context());
    assert.equal(outcome.decision, 'applied', outcome.reason);
  });

  test('rejects the server without the CA, or when its name does not match', async () => {
    const s = await tlsSink();
    const untrusted = await create({ url: s.base }).run(context());
    assert.equal(untrusted.decision, 'failed');
    assert.match(untrusted.reason, /certificate/i);
    const mismatch = await create({ url: s.base, tls: { ca: pem['ca.crt'] } }).run(context());
    assert.equal(mismatch.decision, 'failed');
    assert.match(mismatch.reason, /ERR_TLS_CERT_ALTNAME_INVALID|altname|does not match/i);
    assert.equal(s.received.length, 0);
  });

  test('insecure_skip_verify accepts an unknown certificate', async () => {
    const s = await tlsSink();
    const outcome = await create({ url: s.base, tls: { insecure_skip_verify: true } }).run(context());
    assert.equal(outcome.decision, 'applied', outcome.reason);
  });

  test('presents the client certificate for mutual TLS', async () => {
    const s = await tlsSink(true);
    const tls = { ca: pem['ca.crt'], server_name: 'alertwire.test' };
    const anonymous = await create({ url: s.base, tls }).run(context());
    assert.equal(anonymous.decision, 'failed');
    const outcome = await create({ url: s.base, tls: { ...tls, cert: pem['client.crt'], key: pem['client.key'] } }).run(context());
    assert.equal(outcome.decision, 'applied', outcome.reason);
    assert.equal(s.received.at(-1)?.clientCN, 'aw-client');
  });

  test('check() parses the PEM and wants cert and key together', () => {
    const issues = httpKind.check({ url: 'https://x.test/', tls: { ca: 'not a cert', cert: pem['client.crt'] } });
    assert.deepEqual(issues.map((i) => i.field).sort(), ['action.tls.ca', 'action.tls.key']);
    assert.deepEqual(httpKind.check({ url: 'https://x.test/', tls: { ca: pem['ca.crt'], cert: pem['client.crt'], key: pem['client.key'] } }), []);
  });
});

describe('http settings', () => {
  test('template errors name the field, line and column', () => {
    const issues = httpKind.check({ url: 'http://x.test/{{ .Status', body: '{\n  "a": {{ .Foo }\n}', headers: { 'X-T': '{{ end }}' } });
    const byField = new Map(issues.map((i) => [i.field, i.message]));
    assert.match(byField.get('action.url') ?? '', /^line 1, column \d+: /);
    assert.match(byField.get('action.body') ?? '', /^line 2, column \d+: /);
    assert.ok(byField.has('action.headers.X-T'));
    assert.equal(issues.length, 3);
  });

  test('names invalid fields', () => {
    const issues = httpKind.check({
      url: 'ftp://x.test/',
      timeout: 0,
      headers: { 'Bad Name': 'v', 'Content-Length': '3', Authorization: 'x' },
      auth: { type: 'bearer', token: ' ' },
    });
    assert.deepEqual(issues.map((i) => i.field).sort(), [
      'action.auth.token',
      'action.headers.Authorization',
      'action.headers.Bad Name',
      'action.headers.Content-Length',
      'action.timeout',
      'action.url',
    ]);
    assert.deepEqual(httpKind.check({ url: '' }).map((i) => i.field), ['action.url']);
  });

  test('accepts valid settings and lists its secrets', () => {
    assert.deepEqual(httpKind.check({ url: 'https://x.test/{{ .GroupKey | urlquery }}', method: 'PATCH', body: '{{ .Status }}', auth: { type: 'basic', username: 'u', password: '' } }), []);
    assert.deepEqual(httpKind.secretPaths, [['auth', 'password'], ['auth', 'token'], ['tls', 'key']]);
  });
});
