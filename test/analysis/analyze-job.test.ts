import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, startApp, type RunningApp } from '../support/app.js';

interface ReportJson {
  state: string;
  facts: { related: { alertname: string; shared: string[] }[]; occurrences: number } | null;
}

describe('the analyze job, end to end', () => {
  let s: RunningApp;
  before(async () => {
    s = await startApp();
  });
  after(() => s.stop());

  const report = (fp: string) => eventually(async () => {
    const r = (await (await fetch(`${s.url}/api/v1/reports/${fp}`)).json()) as ReportJson;
    return r.state === 'complete' ? r : undefined;
  }, 5000, `report ${fp}`);

  it('finds the other alerts firing on the same instance, namespace or job', async () => {
    await s.postWebhook({
      alerts: [
        { labels: { alertname: 'NodeDown', instance: 'n1', job: 'node' }, fingerprint: 'a1' },
        { labels: { alertname: 'DiskFull', instance: 'n1', job: 'node' }, fingerprint: 'a2' },
        { labels: { alertname: 'Elsewhere', instance: 'n9', job: 'other' }, fingerprint: 'a3' },
      ],
    });
    const r = await report('a1');
    assert.deepEqual(r.facts?.related.map((x) => [x.alertname, x.shared]), [['DiskFull', ['instance', 'job']]]);
  });

  it('analyses each episode once however often Alertmanager repeats it', async () => {
    const body = { alerts: [{ labels: { alertname: 'Repeat' }, fingerprint: 'rep', startsAt: '2024-01-01T00:00:00Z' }] };
    await s.postWebhook(body);
    await report('rep');
    const metrics = async () => (await (await fetch(`${s.url}/metrics`)).text()).match(/^alertwire_jobs\{kind="analyze",state="done"\} (\d+)/m)?.[1];
    const before = Number(await metrics());
    await s.postWebhook(body);
    await s.postWebhook(body);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(Number(await metrics()), before);
  });
});

describe('one analysis per group', () => {
  let s: RunningApp;
  before(async () => {
    s = await startApp();
  });
  after(() => s.stop());

  interface GroupReport {
    state: string;
    analysis: { group: { id: string; alertCount: number } | null; findings: { kind: string }[] } | null;
  }
  const complete = (fp: string) =>
    eventually(async () => {
      const r = (await (await fetch(`${s.url}/api/v1/reports/${fp}`)).json()) as GroupReport;
      return r.state === 'complete' ? r : undefined;
    }, 5000, `report ${fp}`);
  const done = async () => Number((await (await fetch(`${s.url}/metrics`)).text()).match(/^alertwire_jobs\{kind="analyze",state="done"\} (\d+)/m)?.[1] ?? 0);

  it('analyses a notification of three alerts once, and gives each alert its view', async () => {
    const before = await done();
    await s.postWebhook({
      groupKey: '{}:{alertname="PodDown"}',
      status: 'firing',
      alerts: ['g1', 'g2', 'g3'].map((fp, i) => ({ labels: { alertname: 'PodDown', namespace: 'shop', pod: `web-${i}` }, fingerprint: fp, startsAt: '2024-03-01T10:00:00Z' })),
    });
    const reports = [await complete('g1'), await complete('g2'), await complete('g3')];
    const ids = new Set(reports.map((r) => r.analysis?.group?.id));
    assert.equal(ids.size, 1, 'one group analysis behind the three reports');
    assert.equal(reports[0]?.analysis?.group?.alertCount, 3);
    assert.ok(reports.every((r) => r.analysis?.findings.some((f) => f.kind === 'widespread')));
    assert.equal(await done(), before + 1);
  });

  it('does not start an analysis for a resolved notification; the timeline records it', async () => {
    const alert = { labels: { alertname: 'Brief', instance: 'b1' }, fingerprint: 'brief1', startsAt: '2024-03-01T11:00:00Z' };
    await s.postWebhook({ alerts: [{ ...alert, status: 'firing' }] });
    await complete('brief1');
    const before = await done();
    await s.postWebhook({ alerts: [{ ...alert, status: 'resolved', endsAt: '2024-03-01T11:05:00Z' }] });
    const r = await eventually(async () => {
      const json = (await (await fetch(`${s.url}/api/v1/reports/brief1`)).json()) as { alert: { status: string }; state: string; occurrences: { endsAt: string | null }[] };
      return json.alert.status === 'resolved' ? json : undefined;
    });
    assert.equal(r.state, 'complete', 'the firing analysis stands');
    assert.equal(r.occurrences[0]?.endsAt, '2024-03-01T11:05:00.000Z');
    const jobs = await (await fetch(`${s.url}/metrics`)).text();
    assert.doesNotMatch(jobs, /^alertwire_jobs\{kind="analyze",state="pending"\} [1-9]/m);
    assert.equal(await done(), before);
  });

  it('says so when an alert resolved before anything analysed it', async () => {
    await s.postWebhook({ alerts: [{ labels: { alertname: 'OnlyResolved' }, fingerprint: 'onlyres', status: 'resolved', startsAt: '2024-03-01T11:00:00Z', endsAt: '2024-03-01T11:01:00Z' }] });
    await s.ingested();
    const r = (await (await fetch(`${s.url}/api/v1/reports/onlyres`)).json()) as { state: string; note: string | null; analysis: unknown };
    assert.equal(r.state, 'complete');
    assert.equal(r.analysis, null);
    assert.match(r.note ?? '', /resolved before it was analysed/);
  });
});

describe('reports survive restarts and analysis jobs resume', () => {
  it('keeps the report, and analyses what was queued when the process stopped', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'alertwire-restart-'));
    try {
      const first = await startApp({}, { dataDir });
      await first.postWebhook({ alerts: [{ labels: { alertname: 'Kept' }, fingerprint: 'kept1', startsAt: '2024-03-01T10:00:00Z' }] });
      await eventually(async () => ((await (await fetch(`${first.url}/api/v1/reports/kept1`)).json()) as { state: string }).state === 'complete' || undefined);
      await first.app.workers.stop(0);
      await first.postWebhook({ alerts: [{ labels: { alertname: 'Queued' }, fingerprint: 'queued1', startsAt: '2024-03-01T10:00:00Z' }] });
      // Not applied yet (the ingest job waits too): the link answers "processing", not "unknown".
      const pending = await fetch(`${first.url}/api/v1/reports/queued1`);
      assert.equal(pending.status, 202);
      assert.equal(((await pending.json()) as { state: string }).state, 'processing');
      await first.stop();

      const second = await startApp({}, { dataDir });
      try {
        const kept = (await (await fetch(`${second.url}/api/v1/reports/kept1`)).json()) as { state: string; analysis: { findings: unknown[] } };
        assert.equal(kept.state, 'complete');
        assert.ok(kept.analysis.findings.length > 0);
        const queued = await eventually(async () => {
          const r = (await (await fetch(`${second.url}/api/v1/reports/queued1`)).json()) as { state: string };
          return r.state === 'complete' ? r : undefined;
        });
        assert.equal(queued.state, 'complete');
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
