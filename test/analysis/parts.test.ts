/** The small pure parts: PromQL splitting, the chart's geometry, redaction, series matching, planning. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planAnalysis, type AnalyzePayload } from '../../src/analysis/analyze-job.js';
import { chartGeometry } from '../../src/analysis/chart.js';
import { alertSeries, chartWindow, firstCrossing } from '../../src/analysis/prometheus.js';
import { chartQuery, parseGeneratorUrl } from '../../src/analysis/promql.js';
import { Redactor } from '../../src/analysis/redact.js';
import type { Alert } from '../../src/model/alert.js';
import type { InboundNotification, StoredAlert } from '../../src/store/ingest.js';

describe('PromQL of a generatorURL', () => {
  it('reads the Prometheus base URL and g0.expr', () => {
    assert.deepEqual(parseGeneratorUrl('http://prom:9090/prometheus/graph?g0.expr=up%3D%3D0&g0.tab=1'), { baseUrl: 'http://prom:9090/prometheus', expr: 'up==0' });
    assert.equal(parseGeneratorUrl('https://grafana/alerting/grafana/x/view'), null);
    assert.equal(parseGeneratorUrl('javascript:alert(1)//?g0.expr=up'), null);
  });

  it('charts the value side of a comparison with a number, and anything else whole', () => {
    assert.deepEqual(chartQuery('rate(errors{code=~"5.."}[5m]) / rate(requests[5m]) > 0.05'), { expr: 'rate(errors{code=~"5.."}[5m]) / rate(requests[5m]) > 0.05', query: 'rate(errors{code=~"5.."}[5m]) / rate(requests[5m])', threshold: 0.05, comparison: '>' });
    assert.equal(chartQuery('x{a=">"} < bool 3').threshold, 3);
    assert.equal(chartQuery('a > 1 and b > 2').threshold, null);
    assert.equal(chartQuery('x > y').query, 'x > y');
    assert.equal(chartQuery('absent(up{job="a"})').threshold, null);
  });
});

describe('the chart', () => {
  it('draws each series, the threshold and the moment the alert started inside its viewBox', () => {
    const start = 0;
    const end = 3_600_000;
    const g = chartGeometry({ series: [{ labels: { __name__: 'load' }, points: [[0, 1], [1_800_000, 3], [3_600_000, 6]] }], start, end, threshold: 4, markAt: 1_800_000 });
    assert.ok(g);
    assert.match(g.lines[0]?.d ?? '', /^M56 \d+(\.\d)?L/);
    assert.ok(g.threshold && g.threshold.y > g.plot.top && g.threshold.y < g.plot.bottom);
    assert.equal(g.marker?.x, (56 + 630) / 2);
    assert.equal(chartGeometry({ series: [], start, end, threshold: null, markAt: 0 }), null);
  });

  it('breaks the line over a gap of missing scrapes', () => {
    const g = chartGeometry({ series: [{ labels: {}, points: [[0, 1], [15_000, 1], [30_000, 1], [300_000, 2], [315_000, 2]] }], start: 0, end: 315_000, threshold: null, markAt: 0 });
    assert.equal((g?.lines[0]?.d.match(/M/g) ?? []).length, 2);
  });
});

describe('series of the alert', () => {
  const series = [
    { labels: { __name__: 'up', instance: 'a:1', job: 'x' }, points: [[0, 1], [60_000, 0]] as [number, number][] },
    { labels: { __name__: 'up', instance: 'b:1', job: 'x' }, points: [[0, 1]] as [number, number][] },
  ];
  it('keeps the series whose labels agree with the alert', () => {
    assert.deepEqual(alertSeries(series, { alertname: 'Down', instance: 'a:1', job: 'x' }).series.map((s) => s.labels.instance), ['a:1']);
    assert.equal(alertSeries(series, { instance: 'zzz' }).unmatched, true);
  });
  it('finds when the rule first held', () => {
    assert.equal(firstCrossing(series[0], { expr: 'up == 0', query: 'up', threshold: 0, comparison: '==' }), 60_000);
  });
  it('charts the hour before the start until now, in about 120 steps', () => {
    const w = chartWindow(10 * 3_600_000, null, 10.5 * 3_600_000, 3_600_000);
    assert.deepEqual(w, { start: 9 * 3_600_000, end: 10.5 * 3_600_000, stepSeconds: 45 });
  });
});

describe('redaction', () => {
  const r = new Redactor({ defaults: true, patterns: ['acct-[0-9]+'] });
  it('removes secrets, e-mail addresses and IP addresses by default, and configured patterns', () => {
    const out = r.redact('password=hunter2 api_key: "k-123" Authorization: Bearer abcdefghijkl mail ops@example.com from 10.0.0.7 and fe80::1ff:fe23:4567:890a, postgres://u:p@db/x acct-991');
    for (const secret of ['hunter2', 'k-123', 'abcdefghijkl', 'ops@example.com', '10.0.0.7', 'fe80::1ff', 'u:p@', 'acct-991']) assert.ok(!out.includes(secret), `${secret} in ${out}`);
  });
  it('leaves times, versions and ordinary words alone', () => {
    const text = 'at 10:30:00 version 1.2.3 std::vector host web-1';
    assert.equal(r.redact(text), text);
  });
  it('refuses a pattern RE2 cannot run', () => {
    assert.throws(() => new Redactor({ defaults: false, patterns: ['(a)\\1'] }), /not valid RE2/);
  });
});

describe('planning the analysis of a notification', () => {
  const a = (fp: string, status: 'firing' | 'resolved', startsAt = 1000): Alert => ({ fingerprint: fp, status, labels: { alertname: fp }, annotations: {}, startsAt, endsAt: null, generatorURL: '', extras: {} });
  const notification = (alerts: Alert[], groupKey = 'g'): InboundNotification => ({ source: 'webhook', format: 'alertmanager', remoteAddr: '', body: '', receivedAt: 0, alerts, meta: { receiver: '', status: 'firing', groupKey, groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am:9093', truncatedAlerts: 0 } });
  const stored = (n: InboundNotification, newOccurrence = true): StoredAlert[] => n.alerts.map((alert) => ({ alert, notification: n, newOccurrence, previousStatus: null, receiptSeq: 1 }));

  it('queues one job for the firing alerts of a notification, with a stable key', () => {
    const n = notification([a('x', 'firing'), a('y', 'firing'), a('z', 'resolved')]);
    const jobs = planAnalysis(stored(n));
    assert.equal(jobs.length, 1);
    const payload = jobs[0]?.payload as AnalyzePayload;
    assert.deepEqual(payload.alerts.map((m) => m.fingerprint), ['x', 'y']);
    assert.equal(payload.externalURL, 'http://am:9093');
    assert.equal(planAnalysis(stored(notification([a('y', 'firing'), a('x', 'firing')])))[0]?.idempotencyKey, jobs[0]?.idempotencyKey);
  });

  it('queues nothing for resolutions or for repeats of episodes already analysed', () => {
    assert.deepEqual(planAnalysis(stored(notification([a('z', 'resolved')]))), []);
    assert.deepEqual(planAnalysis(stored(notification([a('x', 'firing')]), false)), []);
  });
});
