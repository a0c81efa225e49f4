/**
 * alertwire behind a real Prometheus Alertmanager (Debian's prometheus-alertmanager): the
 * fingerprints agree, the alerts Alertmanager notifies arrive and are analysed, and a wrong
 * token stores nothing.
 *
 * Needs /usr/bin/prometheus-alertmanager (or ALERTWIRE_TEST_ALERTMANAGER). Without it the suite
 * is skipped, except under CI=true, where that is a failure.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { labelsFingerprint } from '../../src/model/fingerprint.js';
import { alertmanagerConfig, alertmanagerMissing, startAlertmanager, type Alertmanager } from '../support/alertmanager.js';
import { fetchMetrics, metricValue, startChildServer, type ChildServer } from '../support/child-server.js';

const missing = alertmanagerMissing;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** POST /api/v2/alerts; Alertmanager rejects the whole batch if one label set is invalid. */
async function postAlerts(am: Alertmanager, labelSets: readonly Record<string, string>[]): Promise<void> {
  const response = await fetch(`${am.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(labelSets.map((labels) => ({ labels, annotations: { summary: 'from the alertmanager e2e test' } }))),
  });
  assert.equal(response.status, 200, `Alertmanager refused the alerts: ${await response.text()}`);
}

interface AmAlert {
  fingerprint: string;
  labels: Record<string, string>;
}

async function getAlerts(am: Alertmanager, run: string): Promise<AmAlert[]> {
  const filter = encodeURIComponent(`test_run="${run}"`);
  const response = await fetch(`${am.url}/api/v2/alerts?filter=${filter}`);
  assert.equal(response.status, 200);
  return (await response.json()) as AmAlert[];
}

interface Report {
  status: number;
  fingerprint?: string;
  state?: string;
  labels?: Record<string, string>;
}

async function getReport(server: ChildServer, fingerprint: string): Promise<Report> {
  const response = await fetch(`${server.url}/api/v1/reports/${encodeURIComponent(fingerprint)}`);
  if (response.status !== 200) {
    await response.arrayBuffer();
    return { status: response.status };
  }
  const json = (await response.json()) as { fingerprint: string; state: string; alert: { labels: Record<string, string> } };
  return { status: 200, fingerprint: json.fingerprint, state: json.state, labels: json.alert.labels };
}

/** Label sets that exercise the hash: unicode, separators, byte order of names, size. */
function labelSets(run: string): Record<string, string>[] {
  const many: Record<string, string> = { alertname: 'ManyLabels' };
  for (let i = 0; i < 40; i++) many[`label_${String(i).padStart(2, '0')}`] = `value-${i * 7919}`;
  const sets: Record<string, string>[] = [
    { alertname: 'HighCPU', instance: 'node-1:9100', job: 'node', severity: 'critical', namespace: 'prod' },
    { alertname: 'Unicode', city: '東京', german: 'Überlastung', french: 'naïve café', hebrew: 'שלום', greek: 'Ωμέγα' },
    { alertname: 'Emoji', fire: '🔥🚒', family: '👩‍👩‍👧‍👦', flag: '🇯🇵' },
    { alertname: 'Astral', math: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', music: '𝄞', cjk_ext: '𠜎𠜱' },
    { alertname: 'Combining', decomposed: 'e\u0301', precomposed: '\u00e9', zwj: 'a\u200db', bom: '\ufeffx' },
    { alertname: 'HighBMP', private_use: '\ue000\uf8ff', replacement: '\ufffd', y_umlaut: 'ÿÿ', nbsp: '\u00a0' },
    { alertname: 'EmptyIsh', space: ' ', zero: '0', dash: '-', tab: '\t', newline: 'line1\nline2' },
    // Alertmanager drops labels with empty values on intake; the fingerprint is of what it keeps.
    { alertname: 'EmptyDropped', gone: '', kept: 'yes' },
    many,
    { alertname: 'NameOrder', A: '1', a: '2', _a: '3', a_: '4', aa: '5', Z9: '6', z: '7', __meta: '8', a0: '9' },
    { alertname: 'LongValue', description: 'x'.repeat(2048), other: 'y'.repeat(300) + 'é'.repeat(300) },
    { alertname: 'Escapes', quoted: '"quoted"', backslash: 'C:\\path\\to', braces: '{a="b"}', pairs: 'a=b,c=d', semi: ';:|' },
    { alertname: 'Separator', ab: 'c' },
    { alertname: 'Separator', a: 'bc' },
    { alertname: 'Solo' },
    { service: 'api', region: 'eu-west-1' },
    { alertname: 'Cyrillic', message: 'Диск почти заполнен', host: 'сервер-01' },
    { alertname: 'Numeric', value: '3.14e10', negative: '-1', big: '18446744073709551615' },
    { alertname: 'Control', bell: 'a\u0007b', esc: '\u001b[31mred\u001b[0m', del: '\u007f' },
    { alertname: 'Mixed ASCII', url: 'https://example.invalid/a?b=c&d=e#f', path: '/var/log/syslog', percent: '100%' },
  ];
  return sets.map((s) => ({ ...s, test_run: run }));
}

/** What Alertmanager keeps of a label set: every label but the empty ones. */
function withoutEmpty(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== ''));
}

if (missing && process.env.CI) {
  test('Alertmanager is installed (required under CI)', () => {
    assert.fail(`${missing}; .ci/run must install it`);
  });
}

describe('with a real Alertmanager', { skip: missing ? `${missing}; skipped (under CI=true this fails)` : false }, () => {
  let alertwire: ChildServer;
  let am: Alertmanager;
  const run = randomBytes(6).toString('hex');
  const sent = labelSets(run);
  let fromAm: AmAlert[] = [];

  before(async () => {
    alertwire = await startChildServer({ configYaml: 'jobs:\n  poll_interval: 0.2\n' });
    am = await startAlertmanager(alertmanagerConfig(`${alertwire.url}/webhook`, alertwire.webhookToken));
    await postAlerts(am, sent);
    const deadline = Date.now() + 10_000;
    while ((fromAm = await getAlerts(am, run)).length < sent.length && Date.now() < deadline) await sleep(100);
  });

  after(async () => {
    await am?.stop();
    await alertwire?.cleanup();
  });

  test('alertwire computes the fingerprint Alertmanager computes, for every label set', () => {
    assert.equal(fromAm.length, sent.length, `Alertmanager holds ${fromAm.length} of the ${sent.length} alerts:\n${am.output()}`);
    for (const labels of sent) {
      const expected = withoutEmpty(labels);
      const match = fromAm.find((a) => JSON.stringify(Object.entries(a.labels).sort()) === JSON.stringify(Object.entries(expected).sort()));
      assert.ok(match, `Alertmanager has no alert with labels ${JSON.stringify(expected)}`);
      assert.match(match.fingerprint, /^[0-9a-f]{16}$/);
      assert.equal(labelsFingerprint(match.labels), match.fingerprint, `fingerprint of ${JSON.stringify(match.labels)}`);
      assert.equal(labelsFingerprint(expected), match.fingerprint);
    }
    assert.equal(new Set(fromAm.map((a) => a.fingerprint)).size, sent.length, 'distinct label sets, distinct fingerprints');
  });

  test('the alerts Alertmanager notifies are stored and analysed under its fingerprints', async () => {
    assert.equal(fromAm.length, sent.length);
    const pending = new Map(fromAm.map((a) => [a.fingerprint, a]));
    const last = new Map<string, Report>();
    const deadline = Date.now() + 30_000;
    while (pending.size > 0 && Date.now() < deadline) {
      for (const [fp, alert] of pending) {
        const report = await getReport(alertwire, fp);
        last.set(fp, report);
        if (report.status !== 200) continue;
        assert.equal(report.fingerprint, fp);
        assert.deepEqual(report.labels, alert.labels, `labels stored for ${fp}`);
        assert.notEqual(report.state, 'failed', `analysis of ${fp} failed`);
        if (report.state === 'complete') pending.delete(fp);
      }
      if (pending.size > 0) await sleep(200);
    }
    assert.deepEqual(
      [...pending.keys()].map((fp) => `${fp} ${JSON.stringify(pending.get(fp)?.labels).slice(0, 80)}: HTTP ${last.get(fp)?.status} ${last.get(fp)?.state ?? ''}`),
      [],
      `alerts Alertmanager notified that did not reach a complete report:\n${am.output().slice(-3000)}\n${alertwire.output().slice(-3000)}`,
    );
    const metrics = await fetchMetrics(alertwire.url);
    assert.ok((metricValue(metrics, 'alertwire_webhook_requests_total', { code: '200' }) ?? 0) >= 1);
    assert.equal(metricValue(metrics, 'alertwire_webhook_requests_total', { code: '401' }) ?? 0, 0, 'the right token is never refused');
    const amMetrics = await fetchMetrics(am.url);
    assert.equal(metricValue(amMetrics, 'alertmanager_notifications_failed_total', { integration: 'webhook' }) ?? 0, 0);
  });

  test('a wrong token in Alertmanager stores nothing and counts 401s', async () => {
    const wrong = await startAlertmanager(alertmanagerConfig(`${alertwire.url}/webhook`, `${alertwire.webhookToken}-wrong`));
    try {
      const run2 = randomBytes(6).toString('hex');
      const rejected: Record<string, string>[] = [
        { alertname: 'WrongToken', test_run: run2, instance: 'a' },
        { alertname: 'WrongToken', test_run: run2, instance: 'b' },
        { alertname: 'WrongTokenUnicode', test_run: run2, note: 'ünïcödé 🔑' },
      ];
      const before401 = metricValue(await fetchMetrics(alertwire.url), 'alertwire_webhook_requests_total', { code: '401' }) ?? 0;
      await postAlerts(wrong, rejected);
      // Wait until Alertmanager has tried every group and alertwire refused each one.
      let attempts = 0;
      let refused = 0;
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        attempts = metricValue(await fetchMetrics(wrong.url), 'alertmanager_notifications_failed_total', { integration: 'webhook' }) ?? 0;
        refused = (metricValue(await fetchMetrics(alertwire.url), 'alertwire_webhook_requests_total', { code: '401' }) ?? 0) - before401;
        if (attempts >= rejected.length && refused >= rejected.length) break;
        await sleep(200);
      }
      assert.ok(attempts >= rejected.length, `Alertmanager reported ${attempts} failed webhook notifications:\n${wrong.output().slice(-3000)}`);
      assert.ok(refused >= rejected.length, `alertwire counted ${refused} new 401 answers`);
      // Every notification Alertmanager sent was answered 401, none stored an alert.
      const held = await getAlerts(wrong, run2);
      assert.equal(held.length, rejected.length);
      for (const alert of held) {
        const report = await getReport(alertwire, alert.fingerprint);
        assert.equal(report.status, 404, `alert ${JSON.stringify(alert.labels)} was stored despite the wrong token`);
      }
      const metrics = await fetchMetrics(alertwire.url);
      assert.ok((metricValue(metrics, 'alertwire_webhook_errors_total', { reason: 'unauthorized' }) ?? 0) >= rejected.length);
    } finally {
      await wrong.stop();
    }
  });
});
