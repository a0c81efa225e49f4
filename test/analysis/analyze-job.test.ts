import assert from 'node:assert/strict';
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
