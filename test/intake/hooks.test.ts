import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, startApp, type RunningApp } from '../support/app.js';

/** A command receiver whose every run appends a line to a file: what ran is what the file says. */
function recorder(dir: string, extra: Record<string, unknown> = {}) {
  const out = join(dir, `runs-${Math.random().toString(36).slice(2)}.log`);
  return {
    out,
    runs: () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : []),
    body: {
      name: 'recorder',
      kind: 'command',
      action: { argv: [process.execPath, '-e', `require('fs').appendFileSync(${JSON.stringify(out)}, process.env.AMX_STATUS + '\\n')`], timeout: 10 },
      ...extra,
    },
  };
}

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const firing = (name: string, extra: Record<string, unknown> = {}) => ({
  version: '4',
  status: 'firing',
  receiver: 'alertwire',
  groupKey: `{}:{alertname="${name}"}`,
  alerts: [{ status: 'firing', labels: { alertname: name, severity: 'critical', ...extra }, annotations: {}, startsAt: '2024-01-01T00:00:00Z' }],
});

describe('POST /hooks/:id', () => {
  let s: RunningApp;
  let dir: string;
  before(async () => {
    s = await startApp();
    dir = mkdtempSync(join(tmpdir(), 'alertwire-hooks-'));
  });
  after(() => s.stop());

  async function create(body: Record<string, unknown>) {
    const res = await s.post('/api/v1/receivers', body, admin);
    assert.equal(res.status, 201, await res.clone().text());
    return (await res.json()) as { id: string; url: string; token: string; alertmanager: string };
  }

  it('runs the action for a firing notification with the token as Bearer, Basic password or ?key=', async () => {
    const r = recorder(dir);
    const rcv = await create(r.body);
    assert.equal(rcv.url, `${s.url}/hooks/${rcv.id}`);
    const bearer = await s.post(`/hooks/${rcv.id}`, firing('A1'), { authorization: `Bearer ${rcv.token}` });
    assert.equal(bearer.status, 200);
    const answer = (await bearer.json()) as { decision: string; executionId: string };
    assert.equal(answer.decision, 'applied');
    assert.match(answer.executionId, /^exe_/);
    const basic = Buffer.from(`any:${rcv.token}`).toString('base64');
    assert.equal((await s.post(`/hooks/${rcv.id}`, firing('A2'), { authorization: `Basic ${basic}` })).status, 200);
    assert.equal((await s.post(`/hooks/${rcv.id}?key=${rcv.token}`, firing('A3'))).status, 200);
    assert.deepEqual(r.runs(), ['firing', 'firing', 'firing']);
  });

  it('answers 401 and runs nothing for a missing or wrong token', async () => {
    const r = recorder(dir);
    const rcv = await create(r.body);
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${rcv.token.slice(1)}` }];
    for (const headers of attempts) {
      const res = await s.post(`/hooks/${rcv.id}`, firing('B'), headers);
      assert.equal(res.status, 401);
      assert.match(((await res.json()) as { detail: string }).detail, /^Unauthorized/);
    }
    assert.equal((await s.post(`/hooks/${rcv.id}?key=nope`, firing('B'))).status, 401);
    assert.deepEqual(r.runs(), []);
  });

  it('answers 404 for an unknown receiver', async () => {
    const res = await s.post('/hooks/rcv_nope', firing('C'), { authorization: 'Bearer x' });
    assert.equal(res.status, 404);
  });

  it('triggers once on an empty POST, as Rancher does', async () => {
    const r = recorder(dir);
    const rcv = await create(r.body);
    const res = await fetch(`${s.url}/hooks/${rcv.id}`, { method: 'POST', headers: { authorization: `Bearer ${rcv.token}` } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { decision: string }).decision, 'applied');
    assert.equal(r.runs().length, 1);
  });

  it('skips with 200 and a reason when no alert meets the conditions', async () => {
    const r = recorder(dir, { conditions: [{ key: 'severity', operator: 'In', values: ['page'] }] });
    const rcv = await create(r.body);
    const res = await s.post(`/hooks/${rcv.id}`, firing('D'), { authorization: `Bearer ${rcv.token}` });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { decision: string; reason: string };
    assert.equal(body.decision, 'skipped');
    assert.match(body.reason, /severity In \[page\]/);
    assert.deepEqual(r.runs(), []);
  });

  it('does nothing on resolved by default, and records it', async () => {
    const r = recorder(dir);
    const rcv = await create(r.body);
    const resolved = { ...firing('E'), status: 'resolved', alerts: [{ ...firing('E').alerts[0], status: 'resolved', endsAt: '2024-01-01T00:05:00Z' }] };
    const res = await s.post(`/hooks/${rcv.id}`, resolved, { authorization: `Bearer ${rcv.token}` });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { decision: string }).decision, 'skipped');
    assert.deepEqual(r.runs(), []);
  });

  it('runs a retried identical notification once, and answers the retry with the first decision', async () => {
    const r = recorder(dir);
    const rcv = await create(r.body);
    const first = (await (await s.post(`/hooks/${rcv.id}`, firing('F'), { authorization: `Bearer ${rcv.token}` })).json()) as { executionId: string };
    const retry = await s.post(`/hooks/${rcv.id}`, firing('F'), { authorization: `Bearer ${rcv.token}` });
    assert.equal(retry.status, 200);
    const body = (await retry.json()) as { executionId: string; reason: string; decision: string };
    assert.equal(body.executionId, first.executionId);
    assert.equal(body.decision, 'applied');
    assert.match(body.reason, /^duplicate notification/);
    assert.equal(r.runs().length, 1);
  });

  it('keeps the old token valid for the overlap after a rotation, and only the new one after', async () => {
    const r = recorder(dir, { auth: { token_overlap: 0 } });
    const rcv = await create(r.body);
    const rotated = await s.post(`/api/v1/receivers/${rcv.id}/rotate-token`, {}, admin);
    assert.equal(rotated.status, 200);
    const { token } = (await rotated.json()) as { token: string };
    assert.notEqual(token, rcv.token);
    assert.equal((await s.post(`/hooks/${rcv.id}`, firing('G1'), { authorization: `Bearer ${rcv.token}` })).status, 401, 'overlap 0: old token dead');
    assert.equal((await s.post(`/hooks/${rcv.id}`, firing('G2'), { authorization: `Bearer ${token}` })).status, 200);

    const r2 = recorder(dir, { auth: { token_overlap: 3600 } });
    const rcv2 = await create(r2.body);
    const { token: next } = (await (await s.post(`/api/v1/receivers/${rcv2.id}/rotate-token`, {}, admin)).json()) as { token: string };
    assert.equal((await s.post(`/hooks/${rcv2.id}`, firing('G3'), { authorization: `Bearer ${rcv2.token}` })).status, 200, 'old token within the overlap');
    assert.equal((await s.post(`/hooks/${rcv2.id}`, firing('G4'), { authorization: `Bearer ${next}` })).status, 200);
  });

  describe('HMAC signatures', () => {
    const secret = 'hook-secret';
    const post = (id: string, raw: string, headers: Record<string, string>) => s.post(`/hooks/${id}`, raw, headers);

    it("verifies Grafana's signature without and with a timestamp, and refuses a replay outside the window", async () => {
      const plain = await create(recorder(dir, { auth: { mode: 'hmac', hmac: { scheme: 'grafana', secret } } }).body);
      const raw = JSON.stringify(firing('H1'));
      const sig = createHmac('sha256', secret).update(raw).digest('hex');
      assert.equal((await post(plain.id, raw, { 'x-grafana-alerting-signature': sig })).status, 200);
      assert.equal((await post(plain.id, raw, { 'x-grafana-alerting-signature': sig.replace(/^./, sig[0] === 'a' ? 'b' : 'a') })).status, 401);
      assert.equal((await post(plain.id, raw, {})).status, 401);

      const timed = await create(recorder(dir, { auth: { mode: 'hmac', hmac: { scheme: 'grafana', secret, timestamp_header: 'X-Grafana-Alerting-Signature-Timestamp', window: 300 } } }).body);
      const now = Math.floor(Date.now() / 1000);
      const signAt = (ts: number) => createHmac('sha256', secret).update(`${ts}:${raw}`).digest('hex');
      const headersAt = (ts: number) => ({ 'x-grafana-alerting-signature': signAt(ts), 'x-grafana-alerting-signature-timestamp': String(ts) });
      assert.equal((await post(timed.id, raw, headersAt(now))).status, 200);
      const replay = await post(timed.id, raw, headersAt(now - 301));
      assert.equal(replay.status, 401);
      assert.match(((await replay.json()) as { detail: string }).detail, /outside the 300-second window/);
    });

    it('verifies GitHub-style sha256= signatures', async () => {
      const rcv = await create(recorder(dir, { auth: { mode: 'hmac', hmac: { scheme: 'github', secret } } }).body);
      const raw = JSON.stringify(firing('H2'));
      const sig = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
      assert.equal((await post(rcv.id, raw, { 'x-hub-signature-256': sig })).status, 200);
      assert.equal((await post(rcv.id, `${raw} `, { 'x-hub-signature-256': sig })).status, 401, 'a changed body fails');
    });

    it('verifies Standard Webhooks signatures (±5 min)', async () => {
      const key = Buffer.from('0123456789abcdef0123456789abcdef');
      const whsec = `whsec_${key.toString('base64')}`;
      const rcv = await create(recorder(dir, { auth: { mode: 'hmac', hmac: { scheme: 'standard', secret: whsec } } }).body);
      const raw = JSON.stringify(firing('H3'));
      const headers = (ts: number) => ({
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(ts),
        'webhook-signature': `v1,${createHmac('sha256', key).update(`msg_1.${ts}.${raw}`).digest('base64')}`,
      });
      const now = Math.floor(Date.now() / 1000);
      assert.equal((await post(rcv.id, raw, headers(now))).status, 200);
      assert.equal((await post(rcv.id, raw, headers(now - 600))).status, 401);
    });

    it('requires both the token and the signature in token+hmac mode', async () => {
      const rcv = await create(recorder(dir, { auth: { mode: 'token+hmac', hmac: { scheme: 'github', secret } } }).body);
      const raw = JSON.stringify(firing('H4'));
      const sig = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
      assert.equal((await post(rcv.id, raw, { 'x-hub-signature-256': sig })).status, 401);
      assert.equal((await post(rcv.id, raw, { authorization: `Bearer ${rcv.token}` })).status, 401);
      assert.equal((await post(rcv.id, raw, { authorization: `Bearer ${rcv.token}`, 'x-hub-signature-256': sig })).status, 200);
    });
  });

  it('refuses a caller outside the CIDR allowlist with 403', async () => {
    const denied = await create(recorder(dir, { auth: { allow_cidrs: ['10.0.0.0/8'] } }).body);
    const res = await s.post(`/hooks/${denied.id}`, firing('I'), { authorization: `Bearer ${denied.token}` });
    assert.equal(res.status, 403);
    const allowed = await create(recorder(dir, { auth: { allow_cidrs: ['127.0.0.0/8', '::1'] } }).body);
    assert.equal((await s.post(`/hooks/${allowed.id}`, firing('I'), { authorization: `Bearer ${allowed.token}` })).status, 200);
  });

  it('never shows the token or secrets in the API', async () => {
    const rcv = await create(recorder(dir, { auth: { mode: 'token+hmac', hmac: { scheme: 'github', secret: 'top-secret-value' } } }).body);
    for (const path of ['/api/v1/receivers', `/api/v1/receivers/${rcv.id}`, '/api/v1/executions']) {
      const text = await (await fetch(`${s.url}${path}`, { headers: admin })).text();
      assert.ok(!text.includes(rcv.token), `${path} leaks the token`);
      assert.ok(!text.includes('top-secret-value'), `${path} leaks the hmac secret`);
    }
    const shown = (await (await fetch(`${s.url}/api/v1/receivers/${rcv.id}`, { headers: admin })).json()) as { auth: { hmac: { secret: string } } };
    assert.equal(shown.auth.hmac.secret, '[set]');
  });

  it('stores the alerts it receives, with a report, like /webhook', async () => {
    const rcv = await create(recorder(dir).body);
    await s.post(`/hooks/${rcv.id}`, { alerts: [{ labels: { alertname: 'FromHook' }, fingerprint: 'hookfp1' }] }, { authorization: `Bearer ${rcv.token}` });
    const report = (await (await fetch(`${s.url}/api/v1/reports/hookfp1`)).json()) as { alert: { source: string } };
    assert.equal(report.alert.source, `receiver:${rcv.id}`);
  });

  it('answers 400 naming the field for a malformed Alertmanager body', async () => {
    const rcv = await create(recorder(dir).body);
    const res = await s.post(`/hooks/${rcv.id}`, { alerts: [{ labels: 'x' }] }, { authorization: `Bearer ${rcv.token}` });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { detail: string }).detail, /^alerts\[0\]\.labels: /);
  });
});
