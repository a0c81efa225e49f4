/**
 * Delivery end to end: alerts in through POST /webhook, out to sinks on 127.0.0.1, on SQLite
 * and PostgreSQL. Status codes, retries with a stable webhook-id and body, Retry-After,
 * timeouts, 410, redirects, the circuit breaker, conditions, splitting, signatures.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { eventually } from '../support/app.js';
import { DIALECTS } from '../support/dialects.js';
import { fetchMetrics, metricValue } from '../support/child-server.js';
import { call, createContactPoint, deliveries, notification, postAlerts, settled } from '../notify/api.js';
import { FAST_RETRY, withApp } from '../notify/harness.js';

const one = (name = 'A', extra: Record<string, string> = {}) => notification([{ labels: { alertname: name, severity: 'critical', ...extra } }]);


for (const dialect of DIALECTS) {
  describe(`contact point delivery (${dialect})`, () => {
    it('signs with Grafana HMAC and timestamp; the receiver can verify it', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink();
        await createContactPoint(app, { name: 'hmac', url: `${s.url}/in`, signing: { type: 'hmac', secret: 'shh', timestampHeader: 'X-Ts' } });
        await postAlerts(app, one());
        const [r] = await s.waitFor(1);
        const expected = createHmac('sha256', 'shh').update(`${r?.headers['x-ts']}:${r?.body}`).digest('hex');
        assert.equal(r?.headers['x-grafana-alerting-signature'], expected);
        assert.ok(Math.abs(Number(r?.headers['x-ts']) - Date.now() / 1000) < 60);
        assert.match(r?.headers['webhook-id'] ?? '', /^msg_/);
        assert.equal(r?.path, '/in');
      }));

    it('signs with Standard Webhooks, verified by the standardwebhooks package', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink();
        const secret = `whsec_${randomBytes(32).toString('base64')}`;
        await createContactPoint(app, { name: 'std', url: s.url, signing: { type: 'standard', secrets: [secret] }, payload: { profile: 'alertmanager' } });
        await postAlerts(app, one('Std'));
        const [r] = await s.waitFor(1);
        const payload = new Webhook(secret).verify(r?.body ?? '', r?.headers ?? {}) as { version: string; alerts: unknown[] };
        assert.equal(payload.version, '4');
        assert.equal(payload.alerts.length, 1);
      }));

    it('retries 5xx with the same webhook-id and body until it succeeds, logging every attempt', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink((_r, i) => (i < 3 ? { status: 503, body: `down ${i}` } : { status: 204 }));
        const cp = await createContactPoint(app, { name: 'flaky', url: s.url, retry: FAST_RETRY });
        await postAlerts(app, one());
        const got = await s.waitFor(4);
        assert.equal(new Set(got.map((r) => r.headers['webhook-id'])).size, 1);
        assert.equal(new Set(got.map((r) => r.body)).size, 1);
        const [d] = await settled(app);
        assert.equal(d?.state, 'delivered');
        assert.equal(d?.attempts, 4);
        const detail = await call<{ attemptLog: { outcome: string; response: { status: number; body: string } | null }[] }>(app, 'GET', `/api/v1/deliveries/${d?.id}`);
        assert.deepEqual(detail.body.attemptLog.map((a) => a.outcome), ['retry', 'retry', 'retry', 'success']);
        assert.equal(detail.body.attemptLog[0]?.response?.body, 'down 0');
        const stats = (await call<{ stats: { successRate24h: number; lastSuccessAt: string; lastError: string } }>(app, 'GET', `/api/v1/contact-points/${cp.id}`)).body.stats;
        assert.equal(stats.successRate24h, 0.25);
        assert.ok(stats.lastSuccessAt);
        assert.match(stats.lastError, /503/);
        const metrics = await fetchMetrics(app.url);
        assert.equal(metricValue(metrics, 'alertwire_deliveries_total', { contact_point: 'flaky', outcome: 'retry' }), 3);
        assert.equal(metricValue(metrics, 'alertwire_deliveries_total', { contact_point: 'flaky', outcome: 'success' }), 1);
        assert.equal(metricValue(metrics, 'alertwire_delivery_duration_seconds_count', { contact_point: 'flaky' }), 4);
        assert.equal(metricValue(metrics, 'alertwire_delivery_queue', { contact_point: 'flaky' }), 0);
      }));

    it('honours Retry-After on 429 instead of the schedule', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink((_r, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
        await createContactPoint(app, { name: 'limited', url: s.url, retry: { schedule: [0], maxAge: 60 } });
        await postAlerts(app, one());
        const [first, second] = await s.waitFor(2);
        assert.ok((second?.at ?? 0) - (first?.at ?? 0) >= 950, `retried after ${(second?.at ?? 0) - (first?.at ?? 0)} ms`);
        assert.equal((await settled(app))[0]?.state, 'delivered');
      }));

    it('honours Retry-After as an HTTP date, and keeps to the schedule when the date has passed', () =>
      withApp(dialect, async ({ app, sink }) => {
        const httpDate = (offsetMs: number) => new Date(Date.now() + offsetMs).toUTCString();
        const s = await sink((_r, i) =>
          i === 0 ? { status: 503, headers: { 'retry-after': httpDate(2000) } } : i === 1 ? { status: 429, headers: { 'retry-after': httpDate(-60_000) } } : { status: 200 },
        );
        // Without Retry-After: the first retry at once, the second after 1.5 s (±20 %).
        await createContactPoint(app, { name: 'dated', url: s.url, retry: { schedule: [0, 1.5], maxAge: 60 } });
        await postAlerts(app, one());
        const [first, second, third] = await s.waitFor(3);
        // The date has whole seconds: 2 s ahead is at least 1 s ahead.
        assert.ok((second?.at ?? 0) - (first?.at ?? 0) >= 950, `retried ${(second?.at ?? 0) - (first?.at ?? 0)} ms after a date 1–2 s ahead`);
        assert.ok((third?.at ?? 0) - (second?.at ?? 0) >= 1150, `retried ${(third?.at ?? 0) - (second?.at ?? 0)} ms after a past date, not per the schedule`);
        assert.equal((await settled(app))[0]?.state, 'delivered');
      }));

    it('gives up on a receiver that hangs past the timeout, then retries', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink((_r, i) => (i === 0 ? { status: 200, delayMs: 3000 } : { status: 200 }));
        await createContactPoint(app, { name: 'slow', url: s.url, timeout: 0.3, retry: FAST_RETRY });
        await postAlerts(app, one());
        const [d] = await settled(app);
        assert.equal(d?.state, 'delivered');
        const detail = await call<{ attemptLog: { error: string | null; outcome: string }[] }>(app, 'GET', `/api/v1/deliveries/${d?.id}`);
        assert.match(detail.body.attemptLog[0]?.error ?? '', /timed out after 0.3 s/);
        assert.equal(detail.body.attemptLog[1]?.outcome, 'success');
      }));

    it('retries a body whose template fails when run, and sends it once the template is fixed', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink();
        // Parses (so it is saved), but fails when run against one alert.
        const cp = await createContactPoint(app, { name: 'broken-title', url: s.url, title: '{{ index .Alerts 5 }}', retry: { schedule: [0, 0.5], maxAge: 60 } });
        await postAlerts(app, one());
        const logged = await eventually(
          async () => {
            const [d] = await deliveries(app);
            if (!d || d.attempts < 1) return undefined;
            const detail = await call<{ attemptLog: { error: string | null; outcome: string }[] }>(app, 'GET', `/api/v1/deliveries/${d.id}`);
            return detail.body.attemptLog[0];
          },
          5000,
          'the failed rendering in the attempt log',
        );
        assert.match(logged.error ?? '', /^rendering the body failed: .*title/);
        assert.equal(logged.outcome, 'retry');
        assert.equal(s.received.length, 0, 'nothing was sent');
        await call(app, 'PATCH', `/api/v1/contact-points/${cp.id}`, { title: 'fixed: {{ .CommonLabels.alertname }}' });
        const [r] = await s.waitFor(1, 10_000);
        assert.equal((JSON.parse(r?.body ?? '{}') as { title: string }).title, 'fixed: A');
        assert.equal((await settled(app))[0]?.state, 'delivered');
      }));

    it('fails other 4xx at once', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink(() => ({ status: 400, body: 'bad payload' }));
        await createContactPoint(app, { name: 'picky', url: s.url, retry: FAST_RETRY });
        await postAlerts(app, one());
        const [d] = await settled(app);
        assert.equal(d?.state, 'failed');
        assert.equal(d?.attempts, 1);
        assert.equal(d?.lastStatus, 400);
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(s.received.length, 1);
      }));

    it('disables the contact point on 410 Gone', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink(() => ({ status: 410 }));
        const cp = await createContactPoint(app, { name: 'gone', url: s.url, retry: FAST_RETRY });
        await postAlerts(app, one('First'));
        assert.equal((await settled(app))[0]?.state, 'failed');
        const view = await eventually(async () => {
          const r = await call<{ enabled: boolean; disabledReason: string }>(app, 'GET', `/api/v1/contact-points/${cp.id}`);
          return r.body.enabled ? undefined : r.body;
        });
        assert.match(view.disabledReason, /410 Gone/);
        await postAlerts(app, one('Second'));
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(s.received.length, 1);
        assert.equal((await deliveries(app)).length, 1);
      }));

    it('does not follow redirects unless told to', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink((r) => (r.path === '/old' ? { status: 302, headers: { location: '/new' } } : { status: 200 }));
        await createContactPoint(app, { name: 'stay', url: `${s.url}/old`, retry: FAST_RETRY });
        await createContactPoint(app, { name: 'follow', url: `${s.url}/old`, followRedirects: true, retry: FAST_RETRY });
        await postAlerts(app, one());
        const ds = await settled(app, 2);
        const byCp = Object.fromEntries(ds.map((d) => [d.contactPointId, d]));
        assert.equal(byCp.stay?.state, 'failed');
        assert.match(byCp.stay?.lastError ?? '', /redirect to \/new not followed/);
        assert.equal(byCp.follow?.state, 'delivered');
        assert.deepEqual(s.received.map((r) => r.path).sort(), ['/new', '/old', '/old']);
      }));

    it('opens the circuit on a dead endpoint, probes it, and closes when it recovers', () =>
      withApp(dialect, async ({ app, sink }) => {
        let healthy = false;
        const s = await sink(() => (healthy ? { status: 200 } : { status: 503 }));
        const cp = await createContactPoint(app, {
          name: 'dead',
          url: s.url,
          retry: { schedule: [0.05], maxAge: 120 },
          circuitBreaker: { failureThreshold: 3, cooldown: 1 },
        });
        for (let i = 0; i < 5; i++) await postAlerts(app, one(`Dead${i}`));
        await eventually(async () => {
          const r = await call<{ stats: { circuit: string } }>(app, 'GET', `/api/v1/contact-points/${cp.id}`);
          return r.body.stats.circuit === 'open' ? true : undefined;
        }, 10_000, 'an open circuit');
        // Without a breaker, five deliveries retrying every 50 ms would make ~100 requests in 1.5 s.
        const before = s.received.length;
        await new Promise((r) => setTimeout(r, 1500));
        assert.ok(s.received.length - before <= 4, `${s.received.length - before} requests while open`);
        healthy = true;
        const ds = await settled(app, 5);
        assert.ok(ds.every((d) => d.state === 'delivered'));
        const r = await call<{ stats: { circuit: string } }>(app, 'GET', `/api/v1/contact-points/${cp.id}`);
        assert.equal(r.body.stats.circuit, 'closed');
      }));

    it('sends each contact point only the alerts meeting its conditions, with group fields recomputed', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink();
        await createContactPoint(app, {
          name: 'critical-only',
          url: s.url,
          payload: { profile: 'alertmanager' },
          conditions: [{ key: 'severity', operator: 'In', values: ['critical'] }],
        });
        await postAlerts(
          app,
          notification(
            [
              { labels: { alertname: 'A', severity: 'critical', team: 'x' } },
              { labels: { alertname: 'B', severity: 'warning', team: 'x' } },
              { labels: { alertname: 'C', severity: 'critical', team: 'x' } },
            ],
            { groupLabels: { team: 'x' }, commonLabels: { team: 'x' } },
          ),
        );
        const [r] = await s.waitFor(1);
        const body = JSON.parse(r?.body ?? '{}') as { alerts: { labels: Record<string, string> }[]; commonLabels: Record<string, string>; groupLabels: Record<string, string>; groupKey: string; receiver: string };
        assert.deepEqual(body.alerts.map((a) => a.labels.alertname), ['A', 'C']);
        assert.deepEqual(body.commonLabels, { severity: 'critical', team: 'x' });
        assert.deepEqual(body.groupLabels, { team: 'x' });
        assert.equal(body.groupKey, '{}/{contact_point="critical-only"}:{team="x"}');
        assert.equal(body.receiver, 'critical-only');
        await postAlerts(app, one('OnlyWarning', { severity: 'warning' }));
        await new Promise((res) => setTimeout(res, 400));
        assert.equal(s.received.length, 1);
      }));

    it('splits a notification larger than maxAlerts instead of dropping alerts', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink();
        await createContactPoint(app, { name: 'small', url: s.url, maxAlerts: 2, maxAlertsMode: 'split' });
        await postAlerts(app, notification(['A', 'B', 'C', 'D', 'E'].map((n) => ({ labels: { alertname: n } }))));
        const got = await s.waitFor(3);
        const names = got.flatMap((r) => (JSON.parse(r.body) as { alerts: { labels: { alertname: string } }[] }).alerts.map((a) => a.labels.alertname));
        assert.deepEqual(names.sort(), ['A', 'B', 'C', 'D', 'E']);
        assert.equal(new Set(got.map((r) => r.headers['webhook-id'])).size, 3);
        assert.ok(got.every((r) => (JSON.parse(r.body) as { truncatedAlerts: number }).truncatedAlerts === 0));
      }));

    it('refuses cloud metadata addresses and says so in the attempt log', () =>
      withApp(dialect, async ({ app }) => {
        await createContactPoint(app, { name: 'metadata', url: 'http://169.254.169.254/latest/meta-data/', retry: FAST_RETRY });
        await postAlerts(app, one());
        const [d] = await settled(app);
        assert.equal(d?.state, 'failed');
        assert.match(d?.lastError ?? '', /refused: .*169\.254\.169\.254.*metadata/);
      }));

    it('refuses an address of the configured outbound deny list, which wins over the allow list', () =>
      withApp(
        dialect,
        async ({ app, sink }) => {
          const s = await sink();
          await createContactPoint(app, { name: 'denied', url: `${s.url}/in`, retry: FAST_RETRY });
          await postAlerts(app, one());
          const [d] = await settled(app);
          assert.equal(d?.state, 'failed');
          assert.equal(d?.attempts, 1);
          assert.match(d?.lastError ?? '', /^refused: address 127\.0\.0\.1 is in the outbound deny list/);
          assert.equal(s.received.length, 0);
        },
        { outbound: { allow: ['127.0.0.0/8'], deny: ['127.0.0.1/32'] } },
      ));

    it('sends extra headers and each auth scheme', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink();
        await createContactPoint(app, { name: 'basic', url: `${s.url}/basic`, auth: { type: 'basic', username: 'u', password: 'p' }, headers: { 'X-Env': 'prod', 'Content-Type': 'application/vnd.x+json' } });
        await createContactPoint(app, { name: 'bearer', url: `${s.url}/bearer`, auth: { type: 'bearer', token: 't0k' } });
        await createContactPoint(app, { name: 'scheme', url: `${s.url}/scheme`, auth: { type: 'header', scheme: 'GenieKey', credentials: 'abc' }, method: 'PUT' });
        await postAlerts(app, one());
        const got = Object.fromEntries((await s.waitFor(3)).map((r) => [r.path, r]));
        assert.equal(got['/basic']?.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
        assert.equal(got['/basic']?.headers['x-env'], 'prod');
        assert.equal(got['/basic']?.headers['content-type'], 'application/vnd.x+json');
        assert.equal(got['/bearer']?.headers.authorization, 'Bearer t0k');
        assert.equal(got['/scheme']?.headers.authorization, 'GenieKey abc');
        assert.equal(got['/scheme']?.method, 'PUT');
        await settled(app, 3);
        const [d] = await deliveries(app, '?contactPoint=basic');
        const detail = await call<{ attemptLog: { request: { headers: Record<string, string> } }[] }>(app, 'GET', `/api/v1/deliveries/${d?.id}`);
        assert.equal(detail.body.attemptLog[0]?.request.headers.authorization, '[redacted]');
      }));

    it('renders with the template files of alertwire.yaml: the user\'s definitions, and a redefined default that wins', () => {
      const dir = mkdtempSync(join(tmpdir(), 'alertwire-tmpl-'));
      writeFileSync(join(dir, 'team.tmpl'), '{{ define "team.title" }}Team {{ .CommonLabels.severity }}: {{ template "__subject" . }}{{ end }}{{ define "team.path" }}hook-{{ .CommonLabels.alertname }}{{ end }}');
      writeFileSync(join(dir, 'zz-overrides.tmpl'), '{{ define "__text_alert_list" }}{{ range . }}* {{ .Labels.alertname }}\n{{ end }}{{ end }}');
      return withApp(
        dialect,
        async ({ app, sink }) => {
          const s = await sink();
          await createContactPoint(app, { name: 'lib', url: `${s.url}/{{ template "team.path" . }}`, title: '{{ template "team.title" . }}' });
          await createContactPoint(app, { name: 'lib-am', url: `${s.url}/am`, payload: { profile: 'custom', template: '{{ template "slack.default.title" . }}|{{ template "__text_alert_list" .Alerts }}' } });
          await postAlerts(app, one('Lib'));
          const got = await s.waitFor(2);
          const grafana = got.find((r) => r.path === '/hook-Lib');
          assert.ok(grafana, `paths: ${got.map((r) => r.path).join(', ')}`);
          const body = JSON.parse(grafana.body) as { title: string; message: string };
          assert.equal(body.title, 'Team critical: [FIRING:1]  (Lib critical)');
          assert.equal(body.message, '**Firing**\n* Lib\n');
          assert.equal(got.find((r) => r.path === '/am')?.body, '[FIRING:1]  (Lib critical)|* Lib\n');
        },
        { templates: [join(dir, '*.tmpl')] },
      );
    });
  });
}
