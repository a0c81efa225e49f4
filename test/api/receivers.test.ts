import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { ADMIN_TOKEN, eventually, startApp, type RunningApp } from '../support/app.js';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const commandReceiver = { name: 'echo', kind: 'command', action: { argv: ['true'] } };

describe('/api/v1/receivers', () => {
  let s: RunningApp;
  before(async () => {
    s = await startApp({
      receivers: [
        {
          id: 'provisioned-1',
          name: 'from the file',
          kind: 'command',
          token: 'a-provisioned-token-of-some-length',
          action: { argv: ['true'] },
        },
      ],
    });
  });
  after(() => s.stop());

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${s.url}${path}`, {
      method,
      headers: { ...admin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('requires the admin token', async () => {
    assert.equal((await fetch(`${s.url}/api/v1/receivers`)).status, 401);
    assert.equal((await fetch(`${s.url}/api/v1/receivers`, { headers: { authorization: 'Bearer nope' } })).status, 401);
  });

  it('creates a receiver and shows its URL, token and Alertmanager snippet once', async () => {
    const res = await api('POST', '/api/v1/receivers', commandReceiver);
    assert.equal(res.status, 201);
    const body = (await res.json()) as { id: string; url: string; token: string; alertmanager: string; enabled: boolean };
    assert.match(body.id, /^rcv_/);
    assert.equal(Buffer.from(body.token, 'base64url').length, 32, '256-bit token');
    const snippet = parse(body.alertmanager) as { receivers: { webhook_configs: { url: string; http_config: { authorization: { credentials: string } } }[] }[] };
    assert.equal(snippet.receivers[0]?.webhook_configs[0]?.url, body.url);
    assert.equal(snippet.receivers[0]?.webhook_configs[0]?.http_config.authorization.credentials, body.token);
    const again = (await (await api('GET', `/api/v1/receivers/${body.id}`)).json()) as Record<string, unknown>;
    assert.equal(again.token, undefined);
    assert.equal(again.enabled, true);
  });

  const invalid: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown kind', { name: 'x', kind: 'teleport', action: {} }, /^kind: unknown kind "teleport"/],
    ['a bad regex condition', { ...commandReceiver, conditions: [{ key: 'a', operator: '=~', value: '(' }] }, /^conditions\[0\]\.value: invalid regular expression/],
    ['a bad matcher', { ...commandReceiver, matchers: ['nope'] }, /^matchers\[0\]: cannot parse matcher/],
    ['an empty argv', { name: 'x', kind: 'command', action: { argv: [] } }, /^action\.argv/],
    [
      'min above max',
      { name: 'x', kind: 'scale', action: { workload: { kind: 'Deployment', namespace: 'a', name: 'b' }, direction: 'up', step: 1, min: 5, max: 2 } },
      /action\.(min|max)/,
    ],
    [
      'a step of zero',
      { name: 'x', kind: 'scale', action: { workload: { kind: 'Deployment', namespace: 'a', name: 'b' }, direction: 'up', step: 0, min: 1, max: 2 } },
      /action\.step/,
    ],
    ['a bad template', { name: 'x', kind: 'http', action: { url: 'http://127.0.0.1:1/{{ .Oops', method: 'POST' } }, /action\.url.*(line|:\d+)/],
    ['hmac mode without hmac settings', { ...commandReceiver, auth: { mode: 'hmac' } }, /^auth\.hmac: /],
    ['a bad CIDR', { ...commandReceiver, auth: { allow_cidrs: ['10.0.0.0/99'] } }, /^auth\.allow_cidrs\[0\]/],
    ['a missing name', { kind: 'command', action: { argv: ['true'] } }, /^name: is required/],
  ];
  for (const [what, body, detail] of invalid) {
    it(`400 for ${what}, naming the field`, async () => {
      const res = await api('POST', '/api/v1/receivers', body);
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { detail: string }).detail, detail);
    });
  }

  it('lists, updates, disables, enables and deletes', async () => {
    const created = (await (await api('POST', '/api/v1/receivers', commandReceiver)).json()) as { id: string };
    const listed = (await (await api('GET', '/api/v1/receivers')).json()) as { receivers: { id: string }[] };
    assert.ok(listed.receivers.some((r) => r.id === created.id));
    const updated = await api('PUT', `/api/v1/receivers/${created.id}`, { ...commandReceiver, name: 'renamed' });
    assert.equal(updated.status, 200);
    assert.equal(((await updated.json()) as { name: string }).name, 'renamed');
    assert.equal(((await (await api('POST', `/api/v1/receivers/${created.id}/disable`)).json()) as { enabled: boolean }).enabled, false);
    assert.equal(((await (await api('PATCH', `/api/v1/receivers/${created.id}`, { enabled: true })).json()) as { enabled: boolean }).enabled, true);
    assert.equal((await api('DELETE', `/api/v1/receivers/${created.id}`)).status, 204);
    assert.equal((await api('GET', `/api/v1/receivers/${created.id}`)).status, 404);
  });

  it('keeps a stored receiver intact when an update is invalid', async () => {
    const created = (await (await api('POST', '/api/v1/receivers', commandReceiver)).json()) as { id: string };
    const bad = await api('PUT', `/api/v1/receivers/${created.id}`, { ...commandReceiver, action: { argv: [] } });
    assert.equal(bad.status, 400);
    const kept = (await (await api('GET', `/api/v1/receivers/${created.id}`)).json()) as { action: { argv: string[] } };
    assert.deepEqual(kept.action.argv, ['true']);
  });

  it('serves provisioned receivers read-only', async () => {
    const shown = (await (await api('GET', '/api/v1/receivers/provisioned-1')).json()) as { provisioned: boolean };
    assert.equal(shown.provisioned, true);
    for (const [method, path, body] of [
      ['PUT', '/api/v1/receivers/provisioned-1', commandReceiver],
      ['POST', '/api/v1/receivers/provisioned-1/disable', undefined],
      ['POST', '/api/v1/receivers/provisioned-1/rotate-token', undefined],
      ['DELETE', '/api/v1/receivers/provisioned-1', undefined],
    ] as const) {
      const res = await api(method, path, body);
      assert.equal(res.status, 409, `${method} ${path}`);
      assert.match(((await res.json()) as { detail: string }).detail, /provisioned from alertwire\.yaml/);
    }
    const hook = await s.post('/hooks/provisioned-1', {}, { authorization: 'Bearer a-provisioned-token-of-some-length' });
    assert.equal(hook.status, 200);
  });
});

describe('/api/v1/executions', () => {
  let s: RunningApp;
  before(async () => {
    s = await startApp();
  });
  after(() => s.stop());

  it('lists executions by receiver and decision, and reruns one as a new execution', async () => {
    const rcv = (await (await s.post('/api/v1/receivers', commandReceiver, admin)).json()) as { id: string; token: string };
    const hook = (await (await s.post(`/hooks/${rcv.id}`, { alerts: [{ labels: { alertname: 'Ex' }, fingerprint: 'exfp' }] }, { authorization: `Bearer ${rcv.token}` })).json()) as {
      executionId: string;
    };
    const list = (await (await fetch(`${s.url}/api/v1/executions?receiver=${rcv.id}`, { headers: admin })).json()) as {
      executions: { id: string; decision: string; exitCode: number; request: { sourceIp: string; headers: Record<string, string>; bodySha256: string }; fingerprints: string[] }[];
    };
    assert.equal(list.executions.length, 1);
    const e = list.executions[0];
    assert.equal(e?.id, hook.executionId);
    assert.equal(e?.decision, 'applied');
    assert.equal(e?.exitCode, 0);
    assert.deepEqual(e?.fingerprints, ['exfp']);
    assert.equal(e?.request.headers.authorization, '[redacted]');
    assert.match(e?.request.bodySha256 ?? '', /^[0-9a-f]{64}$/);
    const byAlert = (await (await fetch(`${s.url}/api/v1/executions?alert=exfp`, { headers: admin })).json()) as { executions: unknown[] };
    assert.equal(byAlert.executions.length, 1);
    const none = (await (await fetch(`${s.url}/api/v1/executions?receiver=${rcv.id}&decision=rejected`, { headers: admin })).json()) as { executions: unknown[] };
    assert.equal(none.executions.length, 0);

    const rerun = await s.post(`/api/v1/executions/${hook.executionId}/rerun`, {}, admin);
    assert.equal(rerun.status, 202);
    const { id } = (await rerun.json()) as { id: string };
    const done = await eventually(async () => {
      const r = (await (await fetch(`${s.url}/api/v1/executions/${id}`, { headers: admin })).json()) as { state: string; decision: string; rerunOf: string };
      return r.state === 'done' ? r : undefined;
    });
    assert.equal(done.decision, 'applied');
    assert.equal(done.rerunOf, hook.executionId);
  });

  it('400 for an unknown decision filter', async () => {
    const res = await fetch(`${s.url}/api/v1/executions?decision=maybe`, { headers: admin });
    assert.equal(res.status, 400);
  });
});
