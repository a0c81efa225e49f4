import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { labelsFingerprint } from '../../src/model/fingerprint.js';
import { startApp, WEBHOOK_TOKEN, eventually, type RunningApp } from '../support/app.js';

/** Alertmanager's webhook payload, version 4, as in OnCallM's documentation. */
const alertmanagerPayload = {
  receiver: 'oncallm-webhook',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'HighCPUUsage', instance: 'node-1:9100', job: 'node-exporter', severity: 'warning', namespace: 'production' },
      annotations: { summary: 'CPU usage is above 80%', description: 'CPU usage on node-1 has been above 80% for more than 5 minutes' },
      startsAt: '2024-01-15T10:30:00.000Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=...',
      fingerprint: 'abc123def456',
    },
  ],
  groupLabels: { alertname: 'HighCPUUsage' },
  commonLabels: { job: 'node-exporter', severity: 'warning' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager:9093',
  version: '4',
  groupKey: '{}:{alertname="HighCPUUsage"}',
};

/** Grafana's webhook contact point payload, version 1. */
const grafanaPayload = {
  receiver: 'alertwire',
  status: 'firing',
  orgId: 1,
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'DiskFull', grafana_folder: 'infra', instance: 'db-1' },
      annotations: { summary: 'Disk almost full' },
      startsAt: '2024-03-01T08:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'https://grafana.example/alerting/grafana/abc/view',
      fingerprint: '1a2b3c4d5e6f7a8b',
      silenceURL: 'https://grafana.example/alerting/silence/new?alertmanager=grafana',
      dashboardURL: 'https://grafana.example/d/xyz',
      panelURL: 'https://grafana.example/d/xyz?viewPanel=2',
      values: { B: 97.5, C: 1 },
      valueString: "[ var='B' labels={instance=db-1} value=97.5 ]",
    },
  ],
  groupLabels: { alertname: 'DiskFull' },
  commonLabels: { alertname: 'DiskFull' },
  commonAnnotations: {},
  externalURL: 'https://grafana.example/',
  version: '1',
  groupKey: '{}/{}:{alertname="DiskFull"}',
  truncatedAlerts: 0,
  title: '[FIRING:1] DiskFull',
  state: 'alerting',
  message: '**Firing**',
};

/** The body of the seed's curl test: only `alerts`. */
const curlPayload = {
  alerts: [
    {
      labels: { alertname: 'TestAlert', severity: 'warning' },
      annotations: { summary: 'Test alert for integration' },
      startsAt: '2024-01-15T10:30:00.000Z',
      fingerprint: 'test123',
    },
  ],
};

describe('POST /webhook', () => {
  let s: RunningApp;
  before(async () => {
    s = await startApp({ server: { external_url: 'https://oncallm.example.com/' } });
  });
  after(() => s.stop());

  describe('accepted payloads', () => {
    it("answers an Alertmanager v4 notification with the seed's response shape", async () => {
      const res = await s.postWebhook(alertmanagerPayload);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {
        status: 'success',
        message: 'Alerts queued for analysis',
        report_urls: [
          {
            fingerprint: 'abc123def456',
            alert_name: 'HighCPUUsage',
            namespace: 'production',
            report_url: 'https://oncallm.example.com/report/abc123def456',
          },
        ],
      });
    });

    it('answers a Grafana v1 notification and keeps its Grafana fields', async () => {
      const res = await s.postWebhook(grafanaPayload);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { report_urls: { fingerprint: string; namespace: string }[] };
      assert.equal(body.report_urls[0]?.fingerprint, '1a2b3c4d5e6f7a8b');
      assert.equal(body.report_urls[0]?.namespace, 'Unknown');
      await s.ingested();
      const report = (await (await fetch(`${s.url}/api/v1/reports/1a2b3c4d5e6f7a8b`)).json()) as {
        links: { silence: string; dashboard: string; panel: string };
      };
      assert.equal(report.links.silence, grafanaPayload.alerts[0]?.silenceURL);
      assert.equal(report.links.dashboard, grafanaPayload.alerts[0]?.dashboardURL);
      assert.equal(report.links.panel, grafanaPayload.alerts[0]?.panelURL);
    });

    it("accepts the seed's curl body (only alerts) and reports a missing namespace as Unknown", async () => {
      const res = await s.postWebhook(curlPayload);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {
        status: 'success',
        message: 'Alerts queued for analysis',
        report_urls: [
          { fingerprint: 'test123', alert_name: 'TestAlert', namespace: 'Unknown', report_url: 'https://oncallm.example.com/report/test123' },
        ],
      });
    });

    it("computes Alertmanager's fingerprint when the payload has none, and requires no label", async () => {
      const labels = { alertname: 'NoFingerprint', instance: 'x:1' };
      const res = await s.postWebhook({ alerts: [{ labels }, { annotations: { summary: 'no labels at all' } }] });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { report_urls: { fingerprint: string; alert_name: string }[] };
      assert.equal(body.report_urls[0]?.fingerprint, labelsFingerprint(labels));
      assert.equal(body.report_urls[1]?.fingerprint, 'cbf29ce484222325');
      assert.equal(body.report_urls[1]?.alert_name, 'Unknown');
    });

    it('accepts Basic auth with the token as password (Grafana username/password)', async () => {
      const basic = Buffer.from(`grafana:${WEBHOOK_TOKEN}`).toString('base64');
      const res = await s.postWebhook(curlPayload, { authorization: `Basic ${basic}` });
      assert.equal(res.status, 200);
    });

    it('answers an empty alert list with success and no report URLs', async () => {
      const res = await s.postWebhook({ alerts: [] });
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as { report_urls: unknown[] }).report_urls, []);
    });
  });

  describe('errors, each {"detail": ...} naming what is wrong', () => {
    const cases: [string, unknown, RegExp][] = [
      ['labels not an object', { alerts: [{ labels: {} }, { labels: {} }, { labels: ['a'] }] }, /^alerts\[2\]\.labels: expected an object$/],
      ['alerts missing', { receiver: 'x' }, /^alerts: is required$/],
      ['alerts not an array', { alerts: {} }, /^alerts: expected an array$/],
      ['annotation value not a string', { alerts: [{ annotations: { summary: { a: 1 } } }] }, /^alerts\[0\]\.annotations\.summary: expected a string$/],
      ['a bad time', { alerts: [{ startsAt: 'yesterday' }] }, /^alerts\[0\]\.startsAt: expected an RFC 3339 time/],
      ['an unknown status', { alerts: [{ status: 'exploded' }] }, /^alerts\[0\]\.status: expected "firing" or "resolved"/],
      ['a body that is not an object', [1, 2], /^body: expected an object$/],
    ];
    for (const [what, body, detail] of cases) {
      it(`400 for ${what}`, async () => {
        const res = await s.postWebhook(body);
        assert.equal(res.status, 400);
        const json = (await res.json()) as { detail: string };
        assert.match(json.detail, detail);
      });
    }

    it('400 for invalid JSON', async () => {
      const res = await s.postWebhook('{"alerts": [');
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { detail: string }).detail, /^invalid JSON/);
    });

    it('401 without a token, with a wrong token, and with another scheme', async () => {
      for (const authorization of [undefined, 'Bearer wrong', `Token ${WEBHOOK_TOKEN}`, `Bearer ${WEBHOOK_TOKEN}x`]) {
        const res = await s.post('/webhook', curlPayload, authorization ? { authorization } : {});
        assert.equal(res.status, 401, String(authorization));
        assert.match(((await res.json()) as { detail: string }).detail, /^Unauthorized/);
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="alertwire"');
      }
    });

    it('401 stores nothing', async () => {
      await s.post('/webhook', { alerts: [{ labels: { alertname: 'Sneaky' }, fingerprint: 'sneaky' }] }, { authorization: 'Bearer nope' });
      await s.ingested();
      assert.equal((await fetch(`${s.url}/api/v1/reports/sneaky`)).status, 404);
    });

    it('413 for a body over the limit', async () => {
      const big = { alerts: [{ labels: { alertname: 'Big' }, annotations: { blob: 'x'.repeat(1024 * 1024) } }] };
      const res = await s.postWebhook(big);
      assert.equal(res.status, 413);
      assert.match(((await res.json()) as { detail: string }).detail, /larger than/);
    });

    it('415 for a body that is not JSON', async () => {
      const res = await fetch(`${s.url}/webhook`, {
        method: 'POST',
        headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'alerts=1',
      });
      assert.equal(res.status, 415);
      assert.match(((await res.json()) as { detail: string }).detail, /Content-Type/);
    });

    it('415 for text/plain, JSON or not: notifications are application/json', async () => {
      for (const body of ['not json', '{"alerts":[{"labels":{"alertname":"Plain"}}]}']) {
        const res = await fetch(`${s.url}/webhook`, {
          method: 'POST',
          headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'text/plain' },
          body,
        });
        assert.equal(res.status, 415, body);
        assert.match(((await res.json()) as { detail: string }).detail, /send application\/json/);
      }
    });

    it('400 naming the body for an empty application/json POST', async () => {
      const res = await s.postWebhook('');
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { detail: string }).detail, /^body: /);
    });
  });

  describe('deduplication', () => {
    it('stores a repeated notification once within the window but acknowledges both with the report URL', async () => {
      const body = { alerts: [{ labels: { alertname: 'Dup', instance: 'd1' }, startsAt: '2024-05-01T00:00:00Z', status: 'firing' }] };
      const first = (await (await s.postWebhook(body)).json()) as { report_urls: { fingerprint: string; report_url: string }[] };
      const second = (await (await s.postWebhook(body)).json()) as { report_urls: { fingerprint: string; report_url: string }[] };
      assert.deepEqual(second.report_urls, first.report_urls);
      const fp = first.report_urls[0]?.fingerprint ?? '';
      // Alerts are applied just after the answer; the duplicate is counted when it is applied.
      await s.ingested();
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      assert.match(metrics, /^alertwire_alerts_deduplicated_total [1-9]/m);
      const report = (await (await fetch(`${s.url}/api/v1/reports/${fp}`)).json()) as { alert: { receivedCount: number } };
      assert.equal(report.alert.receivedCount, 1);
    });

    it('stores a change of status even within the window', async () => {
      const alert = { labels: { alertname: 'Dup2' }, startsAt: '2024-05-01T00:00:00Z' };
      await s.postWebhook({ alerts: [{ ...alert, status: 'firing' }] });
      await s.postWebhook({ alerts: [{ ...alert, status: 'resolved', endsAt: '2024-05-01T00:10:00Z' }] });
      const fp = labelsFingerprint(alert.labels);
      await s.ingested();
      const report = (await (await fetch(`${s.url}/api/v1/reports/${fp}`)).json()) as {
        alert: { receivedCount: number; status: string };
        occurrences: { endsAt: string | null }[];
      };
      assert.equal(report.alert.receivedCount, 2);
      assert.equal(report.alert.status, 'resolved');
      assert.equal(report.occurrences[0]?.endsAt, '2024-05-01T00:10:00.000Z');
    });
  });
});

describe('POST /webhook with a zero dedup window', () => {
  it('stores every repeat', async () => {
    const s = await startApp({ webhook: { dedup_window: 0 } });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await s.postWebhook(curlPayload)).status, 200);
      await s.ingested();
      const report = (await (await fetch(`${s.url}/api/v1/reports/test123`)).json()) as { alert: { receivedCount: number } };
      assert.equal(report.alert.receivedCount, 3);
    } finally {
      await s.stop();
    }
  });
});

describe('POST /webhook answers before its alerts are applied', () => {
  let s: RunningApp;
  before(async () => {
    s = await startApp();
  });
  after(async () => {
    await s.stop();
  });

  it('stores the alerts the answer named, with the values as the request was validated', async () => {
    // A number where a label string belongs is coerced once, at the request, and again identically when applied.
    const res = await s.postWebhook({ alerts: [{ labels: { alertname: 'Coerced', severity: 5 }, status: 'firing' }] });
    const fp = ((await res.json()) as { report_urls: { fingerprint: string }[] }).report_urls[0]?.fingerprint;
    assert.equal(fp, labelsFingerprint({ alertname: 'Coerced', severity: '5' }));
    await s.ingested();
    const report = (await (await fetch(`${s.url}/api/v1/reports/${fp}`)).json()) as { alert: { labels: Record<string, string> } };
    assert.deepEqual(report.alert.labels, { alertname: 'Coerced', severity: '5' });
  });

  it('answers a report link "processing" (202) while its notification waits, and 404 once nothing waits', async () => {
    await s.app.workers.stop(0);
    const res = await s.postWebhook({ alerts: [{ labels: { alertname: 'Waiting' }, fingerprint: 'waiting1' }] });
    const link = ((await res.json()) as { report_urls: { report_url: string }[] }).report_urls[0]?.report_url ?? '';
    const page = await fetch(link);
    assert.equal(page.status, 202);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await page.text();
    assert.match(html, /<meta http-equiv="refresh"/);
    assert.match(html, /waiting1/);
    const api = await fetch(`${s.url}/api/v1/reports/waiting1`);
    assert.equal(api.status, 202);
    assert.deepEqual(await api.json(), {
      fingerprint: 'waiting1',
      state: 'processing',
      report_url: link,
      detail: 'not stored yet: acknowledged notifications are still being stored',
    });

    await s.app.workers.start();
    await s.ingested();
    assert.equal((await fetch(link)).status, 200);
    assert.equal((await fetch(`${s.url}/report/never-sent`)).status, 404);
    assert.equal((await fetch(`${s.url}/api/v1/reports/never-sent`)).status, 404);
  });
});
