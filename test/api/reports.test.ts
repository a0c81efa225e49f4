import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startApp, type RunningApp } from '../support/app.js';

describe('report API: JSON, Markdown, list', () => {
  let s: RunningApp;
  before(async () => {
    s = await startApp();
    await s.postWebhook({
      groupKey: '{}:{alertname="KubePodCrashLooping"}',
      externalURL: 'http://alertmanager:9093',
      alerts: [
        { labels: { alertname: 'KubePodCrashLooping', namespace: 'prod', pod: 'api-0', severity: 'critical' }, annotations: { summary: 'api `crash` *loop* [x](http://evil)' }, fingerprint: 'r1', startsAt: '2024-04-01T10:00:00Z' },
        { labels: { alertname: 'NodeDown', instance: 'n1:9100', severity: 'warning' }, fingerprint: 'r2', startsAt: '2024-04-01T10:05:00Z' },
      ],
    });
    await s.postWebhook({ alerts: [{ labels: { alertname: 'Other', namespace: 'dev' }, fingerprint: 'r3', startsAt: '2024-04-01T11:00:00Z' }] });
    for (const fp of ['r1', 'r2', 'r3']) {
      await eventually(async () => (((await (await fetch(`${s.url}/api/v1/reports/${fp}`)).json()) as { state: string }).state === 'complete' ? true : undefined));
    }
  });
  after(() => s.stop());

  it('keeps the JSON fields of the first report and adds the analysis', async () => {
    const r = (await (await fetch(`${s.url}/api/v1/reports/r1`)).json()) as Record<string, unknown> & { analysis: { knowledge: { commands: { run: string }[] }; findings: unknown[]; sources: { name: string; state: string }[] }; links: { silence: string } };
    for (const key of ['fingerprint', 'alert_name', 'namespace', 'state', 'error', 'report_url', 'alert', 'links', 'facts', 'generatedAt', 'occurrences', 'earlier']) assert.ok(key in r, key);
    assert.ok(r.analysis.knowledge.commands.some((c) => c.run === 'kubectl -n prod describe pod api-0'));
    assert.deepEqual(r.analysis.sources.map((x) => [x.name, x.state]), [['built-in', 'ok'], ['prometheus', 'disabled'], ['llm', 'disabled'], ['kubernetes', 'disabled']]);
    assert.match(r.links.silence, /^http:\/\/alertmanager:9093\/#\/silences\/new\?filter=%7Balertname%3D%22KubePodCrashLooping%22/);
  });

  it('renders Markdown for a ticket, with the values escaped', async () => {
    const res = await fetch(`${s.url}/api/v1/reports/r1?format=md`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/markdown/);
    const md = await res.text();
    assert.match(md, /^## KubePodCrashLooping — firing \(report complete\)/);
    assert.ok(md.includes('api \\`crash\\` \\*loop\\* \\[x\\]\\(http://evil\\)'), 'markdown in values is escaped');
    assert.ok(md.includes('- **pod:** `api-0`'));
    assert.ok(md.includes('```sh\n# Describe the pod\nkubectl -n prod describe pod api-0'));
    assert.ok(md.includes(`- **Report:** ${s.url}/report/r1`));
  });

  it('lists reports newest first, with filters', async () => {
    const all = (await (await fetch(`${s.url}/api/v1/reports`)).json()) as { reports: { fingerprint: string; severity: string | null }[] };
    assert.equal(all.reports[0]?.fingerprint, 'r3');
    assert.deepEqual(new Set(all.reports.map((r) => r.fingerprint)), new Set(['r1', 'r2', 'r3']));
    const prod = (await (await fetch(`${s.url}/api/v1/reports?namespace=prod`)).json()) as { reports: { fingerprint: string; severity: string }[] };
    assert.deepEqual(prod.reports.map((r) => [r.fingerprint, r.severity]), [['r1', 'critical']]);
    const named = (await (await fetch(`${s.url}/api/v1/reports?alertname=NodeDown&state=complete`)).json()) as { reports: { fingerprint: string }[] };
    assert.deepEqual(named.reports.map((r) => r.fingerprint), ['r2']);
    const paged = (await (await fetch(`${s.url}/api/v1/reports?limit=1&offset=1`)).json()) as { reports: unknown[] };
    assert.equal(paged.reports.length, 1);
    assert.equal((await fetch(`${s.url}/api/v1/reports?state=bogus`)).status, 400);
  });
});
