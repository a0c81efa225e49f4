/**
 * /api/v1/contact-points on the real server, SQLite and PostgreSQL: CRUD, validation (field,
 * line and column), secrets ("[set]", encrypted at rest), provisioning, test messages and
 * the enabled toggle.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { eventually } from '../support/app.js';
import { DIALECTS } from '../support/dialects.js';
import { call, createContactPoint, deliveries, notification, postAlerts } from '../notify/api.js';
import { withApp } from '../notify/harness.js';
import { grafanaSignature } from '../../src/notify/signing.js';

const one = (name: string) => notification([{ labels: { alertname: name } }]);

for (const dialect of DIALECTS) {
  describe(`contact points API (${dialect})`, () => {
    it('requires the admin token', () =>
      withApp(dialect, async ({ app }) => {
        const r = await fetch(`${app.url}/api/v1/contact-points`);
        assert.equal(r.status, 401);
        assert.match(((await r.json()) as { detail: string }).detail, /Unauthorized/);
      }));

    it('creates, reads, replaces, patches and deletes', () =>
      withApp(dialect, async ({ app }) => {
        const created = await createContactPoint(app, { name: 'Ops Hook', url: 'http://127.0.0.1:9/x' });
        assert.equal(created.id, 'Ops-Hook');
        assert.equal(created.enabled, true);
        assert.equal(created.method, 'POST');
        assert.equal(created.timeout, 30);
        assert.deepEqual(created.payload, { profile: 'grafana' });
        const dup = await call(app, 'POST', '/api/v1/contact-points', { name: 'Ops Hook', url: 'http://127.0.0.1:9/y' });
        assert.equal(dup.status, 409);
        const list = await call<{ id: string }[]>(app, 'GET', '/api/v1/contact-points');
        assert.deepEqual(list.body.map((c) => c.id), ['Ops-Hook']);
        const put = await call<{ url: string; method: string }>(app, 'PUT', '/api/v1/contact-points/Ops-Hook', { name: 'Ops Hook', url: 'http://127.0.0.1:9/z', method: 'PUT' });
        assert.equal(put.status, 200);
        assert.equal(put.body.url, 'http://127.0.0.1:9/z');
        const patch = await call<{ maxAlerts: number; url: string; method: string }>(app, 'PATCH', '/api/v1/contact-points/Ops-Hook', { maxAlerts: 5 });
        assert.equal(patch.body.maxAlerts, 5);
        assert.equal(patch.body.method, 'PUT');
        assert.equal((await call(app, 'DELETE', '/api/v1/contact-points/Ops-Hook')).status, 204);
        assert.equal((await call(app, 'GET', '/api/v1/contact-points/Ops-Hook')).status, 404);
      }));

    it('rejects invalid settings with 400 naming the field, and line and column for templates', () =>
      withApp(dialect, async ({ app }) => {
        const bad = async (body: Record<string, unknown>) => {
          const r = await call<{ detail: string; field: string; line?: number; column?: number }>(app, 'POST', '/api/v1/contact-points', { name: 'x', url: 'http://127.0.0.1/', ...body });
          assert.equal(r.status, 400, JSON.stringify(r.body));
          return r.body;
        };
        const title = await bad({ title: 'ok\n{{ .Status }' });
        assert.equal(title.field, 'title');
        assert.equal(title.line, 2);
        assert.ok((title.column ?? 0) > 1);
        assert.match(title.detail, /^title \(line 2, column \d+\): /);
        const custom = await bad({ payload: { profile: 'custom', template: '{{ if .Status }}' } });
        assert.equal(custom.field, 'payload.template');
        assert.equal((await bad({ payload: { profile: 'custom' } })).field, 'payload.template');
        assert.equal((await bad({ url: 'ftp://x/' })).field, 'url');
        assert.equal((await bad({ url: '{{ .Nope ' })).field, 'url');
        assert.equal((await bad({ headers: { Authorization: 'x' } })).field, 'headers["Authorization"]');
        assert.equal((await bad({ headers: { 'Proxy-Authorization': 'x' } })).field, 'headers["Proxy-Authorization"]');
        assert.equal((await bad({ auth: { type: 'basic', username: 'u' } })).field, 'auth.password');
        assert.equal((await bad({ signing: { type: 'hmac' } })).field, 'signing.secret');
        assert.equal((await bad({ signing: { type: 'standard', secrets: ['nope'] } })).field, 'signing.secrets[0]');
        assert.equal((await bad({ tls: { cert: '-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----\n' } })).field, 'tls.key');
        assert.equal((await bad({ conditions: [{ key: 'a', operator: '=~', value: '(' }] })).field, 'conditions[0].value');
        const schema = await call<{ detail: string }>(app, 'POST', '/api/v1/contact-points', { name: 'x', url: 'http://127.0.0.1/', method: 'GET' });
        assert.equal(schema.status, 400);
        assert.match(schema.body.detail, /method/);
      }));

    it('never returns secrets, keeps them on "[set]", and stores them encrypted', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink();
        const password = `pw-${randomBytes(6).toString('hex')}`;
        const hmac = `hm-${randomBytes(6).toString('hex')}`;
        const created = await createContactPoint(app, {
          name: 'secretive',
          url: s.url,
          auth: { type: 'basic', username: 'me', password },
          signing: { type: 'hmac', secret: hmac },
        });
        assert.deepEqual(created.auth, { type: 'basic', username: 'me', password: '[set]' });
        assert.deepEqual(created.signing, { type: 'hmac', secret: '[set]' });
        const rows = await sql<{ config: string }>`select config from contact_points`.execute(app.app.store.db);
        const stored = rows.rows[0]?.config ?? '';
        assert.ok(!stored.includes(password) && !stored.includes(hmac), 'secrets are not stored in plain text');
        assert.match(stored, /enc:v1:/);
        // A PUT that sends "[set]" back keeps the stored secrets.
        const put = await call(app, 'PUT', `/api/v1/contact-points/${created.id}`, { ...created, id: undefined, stats: undefined, createdAt: undefined, updatedAt: undefined, provisioned: undefined, disabledReason: undefined, timeout: 5 });
        assert.equal(put.status, 200, JSON.stringify(put.body));
        await postAlerts(app, one('Secret'));
        const [r] = await s.waitFor(1);
        assert.equal(r?.headers.authorization, `Basic ${Buffer.from(`me:${password}`).toString('base64')}`);
        assert.equal(r?.headers['x-grafana-alerting-signature'], grafanaSignature(hmac, r?.body ?? ''));
        const missing = await call<{ field: string }>(app, 'POST', '/api/v1/contact-points', { name: 'new', url: s.url, auth: { type: 'bearer', token: '[set]' } });
        assert.equal(missing.status, 400);
        assert.equal(missing.body.field, 'auth.token');
      }));

    it('never returns the OAuth2 client secret, keeps it on "[set]", and stores it encrypted', () =>
      withApp(dialect, async ({ app, sink }) => {
        const clientSecret = `cs-${randomBytes(6).toString('hex')}`;
        const tokens = await sink((r) =>
          r.headers.authorization === `Basic ${Buffer.from(`me:${clientSecret}`).toString('base64')}`
            ? { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: 'tok', expires_in: 3600 }) }
            : { status: 401, body: JSON.stringify({ error: 'invalid_client' }) },
        );
        const receiver = await sink();
        const auth = { type: 'oauth2', tokenUrl: `${tokens.url}/token`, clientId: 'me', clientSecret, scopes: ['alerts'] };
        const created = await createContactPoint(app, { name: 'oauth', url: receiver.url, auth });
        const shown = { ...auth, clientSecret: '[set]' };
        assert.deepEqual(created.auth, shown);
        assert.deepEqual((await call(app, 'GET', `/api/v1/contact-points/${created.id}`)).body.auth, shown);
        assert.deepEqual((await call<{ auth: unknown }[]>(app, 'GET', '/api/v1/contact-points')).body.map((c) => c.auth), [shown]);
        const rows = await sql<{ config: string }>`select config from contact_points`.execute(app.app.store.db);
        assert.ok(!(rows.rows[0]?.config ?? '').includes(clientSecret), 'the client secret is not stored in plain text');
        // Sending "[set]" back keeps the stored secret: the token request still authenticates.
        const patch = await call(app, 'PATCH', `/api/v1/contact-points/${created.id}`, { auth: { ...shown, scopes: ['alerts', 'more'] } });
        assert.equal(patch.status, 200, JSON.stringify(patch.body));
        assert.deepEqual(patch.body.auth, { ...shown, scopes: ['alerts', 'more'] });
        await postAlerts(app, one('OAuth'));
        const [r] = await receiver.waitFor(1);
        assert.equal(r?.headers.authorization, 'Bearer tok');
        assert.equal(tokens.received.length, 1);
        assert.ok(!JSON.stringify(await deliveries(app)).includes(clientSecret));
      }));

    it('sends Grafana’s test alert, or KubeSphere’s verify alert, through the real pipeline', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink(() => ({ status: 202, body: 'accepted!' }));
        const cp = await createContactPoint(app, { name: 'tested', url: s.url, enabled: false, conditions: [{ key: 'never', operator: 'Exists' }], signing: { type: 'hmac', secret: 'k' } });
        const r = await call<{ ok: boolean; status: number; body: string; latencyMs: number; error: string | null }>(app, 'POST', `/api/v1/contact-points/${cp.id}/test`, {});
        assert.equal(r.status, 200);
        assert.equal(r.body.ok, true);
        assert.equal(r.body.status, 202);
        assert.equal(r.body.body, 'accepted!');
        assert.ok(r.body.latencyMs >= 0);
        const [got] = await s.waitFor(1);
        const body = JSON.parse(got?.body ?? '{}') as { alerts: { labels: Record<string, string>; annotations: Record<string, string>; status: string }[]; title: string };
        assert.deepEqual(body.alerts[0]?.labels, { alertname: 'TestAlert', instance: 'Grafana' });
        assert.deepEqual(body.alerts[0]?.annotations, { summary: 'Notification test' });
        assert.equal(body.alerts[0]?.status, 'firing');
        assert.equal(body.title, '[FIRING:1]  (TestAlert Grafana)');
        assert.equal(got?.headers['x-grafana-alerting-signature'], grafanaSignature('k', got?.body ?? ''));
        await call(app, 'POST', `/api/v1/contact-points/${cp.id}/test`, { kind: 'kubesphere' });
        const [, verify] = await s.waitFor(2);
        const vb = JSON.parse(verify?.body ?? '{}') as { alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] };
        assert.equal(vb.alerts[0]?.labels.alerttype, 'verify');
        assert.equal(vb.alerts[0]?.annotations.message, 'Congratulations, your notification configuration is correct!');
        const logged = await deliveries(app, '?kind=test');
        assert.equal(logged.length, 2);
      }));

    it('tests an unsaved configuration and reports failures in words', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink(() => ({ status: 500, body: 'boom' }));
        const failed = await call<{ ok: boolean; status: number; error: string }>(app, 'POST', '/api/v1/contact-points/test', { contactPoint: { name: 'draft', url: s.url } });
        assert.equal(failed.body.ok, false);
        assert.equal(failed.body.status, 500);
        assert.match(failed.body.error, /HTTP 500/);
        const refused = await call<{ ok: boolean; error: string }>(app, 'POST', '/api/v1/contact-points/test', { contactPoint: { name: 'draft', url: 'http://127.0.0.1:1/' } });
        assert.equal(refused.body.ok, false);
        assert.match(refused.body.error, /connection refused/);
        const metadata = await call<{ ok: boolean; error: string }>(app, 'POST', '/api/v1/contact-points/test', { contactPoint: { name: 'draft', url: 'http://169.254.169.254/' } });
        assert.match(metadata.body.error, /refused: .*metadata/);
        const invalid = await call<{ field: string }>(app, 'POST', '/api/v1/contact-points/test', { contactPoint: { name: 'draft', url: s.url, message: '{{ end }}' } });
        assert.equal(invalid.status, 400);
        assert.equal(invalid.body.field, 'message');
        // Parses, so it passes validation, but fails when run: nothing is sent, and the test says why.
        const before = s.received.length;
        const broken = await call<{ ok: boolean; status: number | null; error: string }>(app, 'POST', '/api/v1/contact-points/test', {
          contactPoint: { name: 'draft', url: s.url, title: '{{ index .Alerts 5 }}' },
        });
        assert.equal(broken.body.ok, false);
        assert.equal(broken.body.status, null);
        assert.match(broken.body.error, /^rendering the body failed: .*title/);
        assert.equal(s.received.length, before);
        assert.equal((await deliveries(app)).length, 0, 'a draft test is not logged');
      }));

    it('PATCH enabled:false pauses what is queued; enabling sends it; dropQueued discards it', () =>
      withApp(dialect, async ({ app, sink }) => {
        let up = false;
        const s = await sink(() => (up ? { status: 200 } : { status: 503 }));
        const cp = await createContactPoint(app, { name: 'toggle', url: s.url, retry: { schedule: [0.3], maxAge: 120 }, circuitBreaker: { failureThreshold: 100 } });
        await postAlerts(app, one('Queued1'));
        await postAlerts(app, one('Queued2'));
        await s.waitFor(2);
        assert.equal((await call(app, 'PATCH', `/api/v1/contact-points/${cp.id}`, { enabled: false })).status, 200);
        await eventually(async () => ((await deliveries(app, '?state=paused')).length === 2 ? true : undefined), 10_000, 'paused deliveries');
        const sent = s.received.length;
        await postAlerts(app, one('WhileDisabled'));
        await new Promise((r) => setTimeout(r, 600));
        assert.equal(s.received.length, sent, 'nothing is sent while disabled');
        assert.equal((await deliveries(app)).length, 2, 'alerts arriving while disabled are not routed to it');
        up = true;
        await call(app, 'PATCH', `/api/v1/contact-points/${cp.id}`, { enabled: true });
        await eventually(async () => ((await deliveries(app, '?state=delivered')).length === 2 ? true : undefined), 10_000, 'delivered after enabling');
        up = false;
        await postAlerts(app, one('ToDrop'));
        await eventually(async () => ((await deliveries(app, '?state=pending')).length === 1 ? true : undefined));
        await call(app, 'PATCH', `/api/v1/contact-points/${cp.id}`, { enabled: false, dropQueued: true });
        assert.equal((await deliveries(app, '?state=dropped')).length, 1);
        await call(app, 'PATCH', `/api/v1/contact-points/${cp.id}`, { enabled: true });
        await new Promise((r) => setTimeout(r, 500));
        assert.equal((await deliveries(app, '?state=dropped')).length, 1);
      }));

    it('provisions contact points from alertwire.yaml, read-only in the API', () =>
      withApp(
        dialect,
        async ({ app }) => {
          const r = await call<{ id: string; provisioned: boolean; maxAlerts: number; sendResolved: boolean; signing: { timestampHeader: string; secret: string }; headers: Record<string, string> }>(app, 'GET', '/api/v1/contact-points/from-yaml');
          assert.equal(r.status, 200);
          assert.equal(r.body.provisioned, true);
          assert.equal(r.body.maxAlerts, 3);
          assert.equal(r.body.sendResolved, false);
          assert.deepEqual(r.body.signing, { type: 'hmac', secret: '[set]', timestampHeader: 'X-Ts' });
          assert.deepEqual(r.body.headers, { X_Custom_Header: 'v' });
          const change = await call<{ detail: string }>(app, 'PATCH', '/api/v1/contact-points/from-yaml', { enabled: false });
          assert.equal(change.status, 403);
          assert.match(change.body.detail, /alertwire\.yaml/);
          assert.equal((await call(app, 'DELETE', '/api/v1/contact-points/from-yaml')).status, 403);
        },
        {
          contact_points: [
            {
              id: 'from-yaml',
              name: 'From YAML',
              url: 'http://127.0.0.1:9/hook',
              max_alerts: 3,
              send_resolved: false,
              headers: { X_Custom_Header: 'v' },
              signing: { type: 'hmac', secret: 'file-secret', timestamp_header: 'X-Ts' },
            },
          ],
        },
      ));
  });
}
