/** /api/v1/deliveries: the log with filters, an attempt's detail, redelivery, and recovery since a time. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_TOKEN, eventually } from '../support/app.js';
import { DIALECTS } from '../support/dialects.js';
import { call, createContactPoint, deliveries, notification, postAlerts } from '../notify/api.js';
import { withApp } from '../notify/harness.js';

const one = (name: string, status = 'firing') => notification([{ labels: { alertname: name }, status }]);

for (const dialect of DIALECTS) {
  describe(`deliveries API (${dialect})`, () => {
    it('lists with filters and shows every attempt with request and response', () =>
      withApp(dialect, async ({ app, sink }) => {
        const ok = await sink(() => ({ status: 200, headers: { 'x-answer': 'yes' }, body: 'x'.repeat(30_000) }));
        const bad = await sink(() => ({ status: 404, body: 'no such hook' }));
        await createContactPoint(app, { name: 'good', url: ok.url });
        await createContactPoint(app, { name: 'bad', url: bad.url });
        const before = new Date().toISOString();
        await postAlerts(app, one('Fire'));
        await postAlerts(app, one('Fire', 'resolved'));
        await eventually(async () => ((await deliveries(app)).filter((d) => d.state !== 'pending').length === 4 ? true : undefined), 10_000);
        assert.equal((await deliveries(app, '?contactPoint=good')).length, 2);
        assert.equal((await deliveries(app, '?state=failed')).length, 2);
        assert.equal((await deliveries(app, '?status=resolved')).length, 2);
        assert.equal((await deliveries(app, `?since=${encodeURIComponent(before)}`)).length, 4);
        assert.equal((await deliveries(app, `?until=${encodeURIComponent(before)}`)).length, 0);
        assert.equal((await deliveries(app, '?limit=1')).length, 1);
        assert.equal((await call(app, 'GET', '/api/v1/deliveries?state=bogus')).status, 400);
        assert.equal((await call(app, 'GET', '/api/v1/deliveries?since=yesterday')).status, 400);
        const [good] = await deliveries(app, '?contactPoint=good&status=firing');
        const detail = await call<{
          body: string;
          notification: { alerts: unknown[] };
          attemptLog: { request: { method: string; url: string; headers: Record<string, string>; body: string }; response: { status: number; headers: Record<string, string>; body: string } }[];
        }>(app, 'GET', `/api/v1/deliveries/${good?.id}`);
        const attempt = detail.body.attemptLog[0];
        assert.equal(attempt?.request.method, 'POST');
        assert.equal(attempt?.request.headers['webhook-id'], good?.id);
        assert.equal(attempt?.request.body, detail.body.body);
        assert.equal(attempt?.response.status, 200);
        assert.equal(attempt?.response.headers['x-answer'], 'yes');
        assert.equal(attempt?.response.body.length, 20 * 1024, 'response bodies are kept up to 20 kB');
        assert.equal(detail.body.notification.alerts.length, 1);
        assert.equal((await call(app, 'GET', '/api/v1/deliveries/msg_nope')).status, 404);
      }));

    it('redelivers with the same webhook-id and body', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink();
        await createContactPoint(app, { name: 'again', url: s.url });
        await postAlerts(app, one('Again'));
        const [first] = await s.waitFor(1);
        const [d] = await eventually(async () => {
          const ds = await deliveries(app);
          return ds[0]?.state === 'delivered' ? ds : undefined;
        });
        // Labelled application/json with no body, as many HTTP clients send a body-less POST.
        const r = await fetch(`${app.url}/api/v1/deliveries/${d?.id}/redeliver`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        });
        assert.equal(r.status, 202, await r.clone().text());
        const [, second] = await s.waitFor(2);
        assert.equal(second?.headers['webhook-id'], first?.headers['webhook-id']);
        assert.equal(second?.body, first?.body);
        assert.equal((await call(app, 'POST', '/api/v1/deliveries/msg_nope/redeliver')).status, 404);
      }));

    it('recovers every delivery that failed since a time', () =>
      withApp(dialect, async ({ app, sink }) => {
        let fixed = false;
        const s = await sink(() => (fixed ? { status: 200 } : { status: 400 }));
        const cp = await createContactPoint(app, { name: 'recoverable', url: s.url });
        await postAlerts(app, one('Old'));
        await eventually(async () => ((await deliveries(app, '?state=failed')).length === 1 ? true : undefined));
        await new Promise((r) => setTimeout(r, 20));
        const since = Date.now();
        await postAlerts(app, one('New1'));
        await postAlerts(app, one('New2'));
        await eventually(async () => ((await deliveries(app, '?state=failed')).length === 3 ? true : undefined));
        fixed = true;
        const r = await call<{ requeued: number }>(app, 'POST', `/api/v1/contact-points/${cp.id}/recover`, { since: new Date(since).toISOString() });
        assert.equal(r.body.requeued, 2);
        await eventually(async () => ((await deliveries(app, '?state=delivered')).length === 2 ? true : undefined));
        assert.equal((await deliveries(app, '?state=failed')).length, 1, 'the one that failed before `since` stays failed');
      }));
  });
}
