import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startApp, type RunningApp } from '../support/app.js';

describe('GET /report/:fingerprint', () => {
  let s: RunningApp;
  before(async () => {
    s = await startApp();
  });
  after(() => s.stop());

  const hostile = {
    labels: { alertname: '<script>alert(1)</script>', namespace: 'prod"><img src=x onerror=alert(2)>', instance: 'web-1' },
    annotations: { summary: '<b>bold</b> & "quoted"', runbook_url: 'javascript:alert(3)' },
    generatorURL: 'http://prometheus:9090/graph?g0.expr=up%3D%3D0',
    fingerprint: 'xss1',
    startsAt: '2024-01-15T10:30:00Z',
  };

  it('escapes every value, refuses javascript: links, and sends a strict CSP', async () => {
    await s.postWebhook({ alerts: [hostile] });
    const res = await eventually(async () => {
      const r = await fetch(`${s.url}/report/xss1`);
      const html = await r.text();
      return html.includes('Analysis in progress') ? undefined : { r, html };
    });
    assert.equal(res.r.status, 200);
    assert.match(res.r.headers.get('content-type') ?? '', /^text\/html/);
    const csp = res.r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /script-src/);
    assert.ok(!res.html.includes('<script>'), 'no raw script tag');
    assert.ok(!res.html.includes('<img src=x'), 'no raw img tag');
    assert.ok(res.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(res.html.includes('&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;'));
    assert.ok(!res.html.includes('href="javascript:'), 'javascript: URL is not a link');
    assert.ok(res.html.includes('href="http://prometheus:9090/graph?g0.expr=up%3D%3D0"'), 'generatorURL is a link');
    const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce && res.html.includes(`<style nonce="${nonce}">`));
  });

  it('shows labels, annotations, the timeline and the history facts once analysed', async () => {
    const html = await (await fetch(`${s.url}/report/xss1`)).text();
    for (const text of ['Labels', 'Annotations', 'Timeline', 'History', 'Occurrences', 'Flapping', 'web-1']) {
      assert.ok(html.includes(text), `page shows ${text}`);
    }
    assert.ok(!html.includes('http-equiv="refresh"'), 'a complete report does not refresh');
  });

  it('shows a processing state that refreshes itself while the analysis is pending', async () => {
    const t = await startApp();
    try {
      // The alert is stored, but the runner of analyses is stopped: the analyze job stays queued.
      await t.app.workers.stopRunnerOf('analyze', 0);
      await t.postWebhook({ alerts: [{ labels: { alertname: 'Pending' }, fingerprint: 'pending1' }] });
      await t.ingested();
      const page = await (await fetch(`${t.url}/report/pending1`)).text();
      const json = (await (await fetch(`${t.url}/api/v1/reports/pending1`)).json()) as { state: string };
      assert.equal(json.state, 'processing');
      assert.ok(page.includes('http-equiv="refresh" content="5"'));
      assert.ok(page.includes('Analysis in progress'));
    } finally {
      await t.stop();
    }
  });

  it('answers 404 with a page for an unknown fingerprint, and 404 JSON from the API', async () => {
    const res = await fetch(`${s.url}/report/${encodeURIComponent('<nope>')}`);
    assert.equal(res.status, 404);
    const html = await res.text();
    assert.ok(html.includes('Report not found') && html.includes('&lt;nope&gt;'));
    const api = await fetch(`${s.url}/api/v1/reports/nope`);
    assert.equal(api.status, 404);
    assert.match(((await api.json()) as { detail: string }).detail, /no alert with fingerprint "nope"/);
  });

  it('returns the same report as JSON', async () => {
    const json = (await (await fetch(`${s.url}/api/v1/reports/xss1`)).json()) as {
      fingerprint: string;
      state: string;
      alert: { labels: Record<string, string>; startsAt: string };
      facts: { occurrences: number; flapping: boolean };
      occurrences: unknown[];
      links: { source: string | null; runbook: string | null };
    };
    assert.equal(json.fingerprint, 'xss1');
    assert.equal(json.state, 'complete');
    assert.equal(json.alert.labels.instance, 'web-1');
    assert.equal(json.alert.startsAt, '2024-01-15T10:30:00.000Z');
    assert.equal(json.facts.occurrences, 1);
    assert.equal(json.facts.flapping, false);
    assert.equal(json.occurrences.length, 1);
    assert.equal(json.links.runbook, null);
    assert.equal(json.links.source, hostile.generatorURL);
  });

  it('shows the latest occurrence and, folded, each earlier one with its own analysis; loads nothing external', async () => {
    const labels = { alertname: 'KubePodCrashLooping', namespace: 'prod', pod: 'api-0' };
    const done = (startsAt: string) =>
      eventually(async () => {
        const r = (await (await fetch(`${s.url}/api/v1/reports/twice`)).json()) as { state: string; alert: { startsAt: string } };
        return r.state === 'complete' && r.alert.startsAt === startsAt ? r : undefined;
      });
    await s.postWebhook({ alerts: [{ labels, fingerprint: 'twice', startsAt: '2024-02-01T10:00:00Z', annotations: { value: '3 restarts' } }] });
    await done('2024-02-01T10:00:00.000Z');
    await s.postWebhook({ alerts: [{ labels, fingerprint: 'twice', status: 'resolved', startsAt: '2024-02-01T10:00:00Z', endsAt: '2024-02-01T10:30:00Z' }] });
    await s.postWebhook({ alerts: [{ labels, fingerprint: 'twice', startsAt: '2024-02-02T10:00:00Z', annotations: { value: '9 restarts' } }] });
    await done('2024-02-02T10:00:00.000Z');
    const html = await (await fetch(`${s.url}/report/twice`)).text();
    assert.ok(html.includes('Earlier occurrences'));
    assert.match(html, /<details><summary>2024-02-01T10:00:00Z <span class="badge complete">complete<\/span><\/summary>/);
    assert.ok(html.includes('&quot;3 restarts&quot; → &quot;9 restarts&quot;'), 'what changed since the last firing');
    assert.ok(html.includes('kubectl -n prod describe pod api-0'), 'commands with the labels filled in');
    for (const tag of ['<script', '<link', '<img', '<iframe']) assert.ok(!html.includes(tag), `no ${tag}`);
    assert.match(html, /<meta name="viewport" content="width=device-width/);
  });
});
