import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startApp, type RunningApp } from '../support/app.js';

describe('GET /reports', () => {
  let s: RunningApp;
  before(async () => {
    s = await startApp();
    await s.postWebhook({ alerts: [{ labels: { alertname: '<b>Evil</b>', namespace: 'prod' }, annotations: { summary: '"><script>x</script>' }, fingerprint: 'l1', startsAt: '2024-06-01T10:00:00Z' }] });
    await s.postWebhook({ alerts: [{ labels: { alertname: 'Calm', namespace: 'dev' }, fingerprint: 'l2', startsAt: '2024-06-01T11:00:00Z' }] });
    for (const fp of ['l1', 'l2']) await eventually(async () => (((await (await fetch(`${s.url}/api/v1/reports/${fp}`)).json()) as { state: string }).state === 'complete' ? true : undefined));
  });
  after(() => s.stop());

  it('lists reports as a page with escaped values, links and a CSP that allows its own filter form', async () => {
    const res = await fetch(`${s.url}/reports`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /form-action 'self'/);
    const html = await res.text();
    assert.ok(html.includes('&lt;b&gt;Evil&lt;/b&gt;') && !html.includes('<script>x'));
    assert.ok(html.includes('href="/report/l1"') && html.includes('href="/report/l2"'));
    assert.ok(html.indexOf('Calm') < html.indexOf('Evil'), 'newest first');
    assert.match(html, /<meta name="viewport" content="width=device-width/);
  });

  it('filters as the untouched form submits them (empty fields mean any)', async () => {
    const html = await (await fetch(`${s.url}/reports?state=&status=&alertname=&namespace=dev&instance=`)).text();
    assert.ok(html.includes('Calm') && !html.includes('Evil'));
  });
});
