/**
 * The optional sources, end to end through the real server: Prometheus for the chart, an
 * OpenAI-compatible LLM, and what the report says when either fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startApp, type RunningApp } from '../support/app.js';
import { startFakeOpenAi, VALID_ANSWER, type FakeOpenAi } from './support/fake-openai.js';
import { startFakePrometheus, type FakePrometheus } from './support/fake-prometheus.js';

interface Report {
  state: string;
  analysis: {
    prometheus: { state: string; threshold: number | null; current: number | null; crossedAt: string | null; series: unknown[]; error?: string } | null;
    sources: { name: string; state: string; detail: string | null }[];
    llm: { state: string; reason?: string; result?: typeof VALID_ANSWER } | null;
    findings: { kind: string }[];
    knowledge: unknown;
  };
}

const STARTS = new Date(Date.now() - 10 * 60_000).toISOString();
const generator = (expr: string, host = 'prometheus.invalid') => `http://${host}/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=1`;

async function settled(s: RunningApp, fp: string): Promise<Report> {
  return eventually(async () => {
    const r = (await (await fetch(`${s.url}/api/v1/reports/${fp}`)).json()) as Report;
    return r.state === 'processing' ? undefined : r;
  }, 10_000, `report ${fp}`);
}

describe('Prometheus context and the LLM, configured', () => {
  let prom: FakePrometheus;
  let llm: FakeOpenAi;
  let s: RunningApp;
  before(async () => {
    prom = await startFakePrometheus();
    llm = await startFakeOpenAi();
    s = await startApp({ analysis: { prometheus: { url: prom.url }, llm: { base_url: llm.baseUrl, model: 'fake-model' } } });
  });
  after(async () => {
    await s.stop();
    await prom.close();
    await llm.close();
  });

  it("charts the expression's value side around the alert, once per expression for the group", async () => {
    const startSec = Date.parse(STARTS) / 1000;
    prom.series('node_load1', { __name__: 'node_load1', instance: 'n1:9100', job: 'node' }, (t) => (t < startSec ? 1 : 6));
    prom.series('node_load1', { __name__: 'node_load1', instance: 'n2:9100', job: 'node' }, () => 0.5);
    await s.postWebhook({
      alerts: ['n1', 'n2'].map((n) => ({ labels: { alertname: 'NodeLoadHigh', instance: `${n}:9100`, job: 'node' }, fingerprint: `load-${n}`, startsAt: STARTS, generatorURL: generator('node_load1 > 4') })),
    });
    const r = await settled(s, 'load-n1');
    assert.equal(r.state, 'complete');
    assert.equal(r.analysis.prometheus?.state, 'ok');
    assert.equal(r.analysis.prometheus?.threshold, 4);
    assert.equal(r.analysis.prometheus?.current, 6);
    assert.equal(r.analysis.prometheus?.series.length, 1, 'only the series with the alert’s labels');
    assert.ok(r.analysis.prometheus?.crossedAt);
    assert.equal(prom.requests.filter((q) => q.query === 'node_load1').length, 1, 'one query for both alerts');
    const html = await (await fetch(`${s.url}/report/load-n1`)).text();
    assert.match(html, /<svg class="chart"/);
    assert.match(html, /threshold 4/);
    assert.match(html, /Current value <strong>6<\/strong>/);
  });

  it('says so when Prometheus refuses the query, and the report stands as partial', async () => {
    prom.failNext(400, 'parse error at char 5');
    await s.postWebhook({ alerts: [{ labels: { alertname: 'Broken', instance: 'b:1' }, fingerprint: 'promfail', startsAt: STARTS, generatorURL: generator('rate(x[5m) > 1') }] });
    const r = await settled(s, 'promfail');
    assert.equal(r.state, 'partial');
    const source = r.analysis.sources.find((x) => x.name === 'prometheus');
    assert.equal(source?.state, 'failed');
    assert.match(source?.detail ?? '', /parse error at char 5/);
    assert.ok(r.analysis.findings.length > 0, 'the built-in findings are still there');
    const html = await (await fetch(`${s.url}/report/promfail`)).text();
    assert.match(html, /Partial report/);
  });

  it('adds the LLM answer, escaped on the page, and redacts the prompt', async () => {
    llm.queue({ kind: 'content', content: JSON.stringify({ ...VALID_ANSWER, summary: '<img src=x onerror=alert(1)> node n1 is down' }) });
    await s.postWebhook({
      alerts: [{ labels: { alertname: 'NodeDown', instance: '10.1.2.3:9100' }, annotations: { description: 'owner ops@example.com, token=s3cr3t-value' }, fingerprint: 'llm-ok', startsAt: STARTS }],
    });
    const r = await settled(s, 'llm-ok');
    assert.equal(r.state, 'complete');
    assert.equal(r.analysis.llm?.state, 'ok');
    assert.equal(r.analysis.llm?.result?.root_causes[0]?.certainty, 'certain');
    const prompt = llm.chats.at(-1)?.messages.map((m) => m.content).join('\n') ?? '';
    assert.ok(prompt.includes('NodeDown'));
    for (const secret of ['ops@example.com', '10.1.2.3', 's3cr3t-value']) assert.ok(!prompt.includes(secret), `prompt must not carry ${secret}`);
    const html = await (await fetch(`${s.url}/report/llm-ok`)).text();
    assert.ok(!html.includes('<img src=x'), 'LLM output is escaped');
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt; node n1 is down'));
    assert.match(html, /class="badge certain"/);
    const health = (await (await fetch(`${s.url}/health`)).json()) as { ai_service: string };
    assert.equal(health.ai_service, 'connected');
  });

  it('keeps the built-in report when the LLM answers garbage, and names why', async () => {
    llm.queue({ kind: 'content', content: 'not json at all' });
    await s.postWebhook({ alerts: [{ labels: { alertname: 'KubePodCrashLooping', namespace: 'prod', pod: 'api-0' }, fingerprint: 'llm-bad', startsAt: STARTS }] });
    const r = await settled(s, 'llm-bad');
    assert.equal(r.state, 'partial');
    assert.match(r.analysis.sources.find((x) => x.name === 'llm')?.detail ?? '', /invalid JSON/);
    assert.ok(r.analysis.knowledge, 'the knowledge base still answers');
  });

  it('keeps the built-in report when the LLM answers 500', async () => {
    llm.queue({ kind: 'status', status: 500 });
    await s.postWebhook({ alerts: [{ labels: { alertname: 'Whatever' }, fingerprint: 'llm-500', startsAt: STARTS }] });
    const r = await settled(s, 'llm-500');
    assert.equal(r.state, 'partial');
    assert.match(r.analysis.llm?.reason ?? '', /HTTP 500/);
    const health = (await (await fetch(`${s.url}/health`)).json()) as { ai_service: string };
    assert.equal(health.ai_service, 'unreachable', 'a 5xx means the service is not working');
  });
});

describe('Prometheus learned from generatorURL', () => {
  let prom: FakePrometheus;
  before(async () => {
    prom = await startFakePrometheus();
  });
  after(() => prom.close());

  it('is not asked unless use_generator_url is on: a sender must not steer requests', async () => {
    const host = new URL(prom.url).host;
    const off = await startApp();
    try {
      await off.postWebhook({ alerts: [{ labels: { alertname: 'Up' }, fingerprint: 'gen-off', startsAt: STARTS, generatorURL: generator('up == 0', host) }] });
      const r = await settled(off, 'gen-off');
      assert.equal(r.analysis.sources.find((x) => x.name === 'prometheus')?.state, 'disabled');
      assert.equal(prom.requests.length, 0);
    } finally {
      await off.stop();
    }
    const on = await startApp({ analysis: { prometheus: { use_generator_url: true } } });
    try {
      prom.series('up', { __name__: 'up', job: 'x' }, () => 0);
      await on.postWebhook({ alerts: [{ labels: { alertname: 'Up', job: 'x' }, fingerprint: 'gen-on', startsAt: STARTS, generatorURL: generator('up == 0', host) }] });
      const r = await settled(on, 'gen-on');
      assert.equal(r.analysis.prometheus?.state, 'ok');
      assert.equal(prom.requests.at(-1)?.query, 'up');
    } finally {
      await on.stop();
    }
  });

  it('an unreachable Prometheus makes the report partial, naming it', async () => {
    const s = await startApp({ analysis: { prometheus: { url: 'http://127.0.0.1:9', timeout: 2 } } });
    try {
      await s.postWebhook({ alerts: [{ labels: { alertname: 'Up' }, fingerprint: 'unreach', startsAt: STARTS, generatorURL: generator('up == 0') }] });
      const r = await settled(s, 'unreach');
      assert.equal(r.state, 'partial');
      assert.match(r.analysis.prometheus?.error ?? '', /unreachable/);
    } finally {
      await s.stop();
    }
  });
});
