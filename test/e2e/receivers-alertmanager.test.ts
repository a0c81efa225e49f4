/**
 * Prometheus Alertmanager → alertwire receiver → Kubernetes: a real Alertmanager routes to
 * /hooks/:id with http_config.authorization; each firing notification scales the test
 * deployment one step up to max; resolving does not scale; a wrong token runs nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { alertmanagerConfig, alertmanagerMissing, postAlertsTo, startAlertmanager } from '../support/alertmanager.js';
import { startChildServer, type ChildServer } from '../support/child-server.js';
import { startFakeKube, type FakeKube, type FakeWorkload } from '../support/fake-kube.js';

const web: FakeWorkload = { kind: 'Deployment', namespace: 'shop', name: 'web' };
const TOKEN = 'scale-web-token-0123456789abcdef';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Alertmanager re-sends the firing group every second: each repeat is a new step. */
const routeTo = (hookUrl: string, token: string) => alertmanagerConfig(hookUrl, token, { groupBy: 'alertname', repeatInterval: '1s' });

if (alertmanagerMissing && process.env.CI) {
  test('Alertmanager is installed (required under CI)', () => assert.fail(alertmanagerMissing));
}

describe('Alertmanager drives a scale receiver', { skip: alertmanagerMissing ?? false }, () => {
  let kube: FakeKube;
  let alertwire: ChildServer;
  before(async () => {
    kube = await startFakeKube();
    kube.setReplicas(web, 1);
    alertwire = await startChildServer({
      configYaml: [
        'jobs: {poll_interval: 0.2}',
        // Repeats a second apart are separate notifications, not retries.
        'webhook: {dedup_window: 0.5}',
        `actions: {kubeconfig: ${JSON.stringify(kube.kubeconfigPath())}, kube_context: fake}`,
        'receivers:',
        '  - id: scale-web',
        '    name: scale web up',
        '    kind: scale',
        `    token: ${TOKEN}`,
        "    matchers: ['severity=\"page\"']",
        '    action: {workload: {kind: Deployment, namespace: shop, name: web}, direction: up, step: 1, min: 1, max: 4, cooldown_up: 0, allow_with_hpa: true}',
        '',
      ].join('\n'),
    });
  });
  after(async () => {
    await alertwire?.cleanup();
    await kube?.close();
  });

  test('each firing notification is one step, up to max; resolving does not scale', async () => {
    const am = await startAlertmanager(routeTo(`${alertwire.url}/hooks/scale-web`, TOKEN));
    try {
      const alert = { labels: { alertname: 'WebBusy', severity: 'page' } };
      assert.equal((await postAlertsTo(am, [alert])).status, 200);
      const deadline = Date.now() + 30_000;
      while ((kube.getReplicas(web) ?? 0) < 4 && Date.now() < deadline) await sleep(100);
      assert.equal(kube.getReplicas(web), 4, 'scaled step by step to max');
      // Repeats keep arriving; max holds them.
      await sleep(2500);
      assert.equal(kube.getReplicas(web), 4);
      assert.equal(kube.writes().length, 3, 'one write per step: 1 → 2 → 3 → 4');
      const executions = (await (await fetch(`${alertwire.url}/api/v1/executions?receiver=scale-web&limit=500`, { headers: { authorization: `Bearer ${alertwire.adminToken}` } })).json()) as {
        executions: { decision: string; trigger: string; from: number | null; to: number | null }[];
      };
      const applied = executions.executions.filter((e) => e.decision === 'applied');
      assert.deepEqual(applied.map((e) => [e.from, e.to]).reverse(), [[1, 2], [2, 3], [3, 4]]);
      assert.ok(executions.executions.some((e) => e.decision === 'skipped'), 'repeats at max are recorded as skipped');

      kube.setReplicas(web, 2);
      const writesBefore = kube.writes().length;
      assert.equal((await postAlertsTo(am, [{ ...alert, endsAt: new Date(Date.now() - 1000).toISOString() }])).status, 200);
      const resolvedBy = Date.now() + 15_000;
      let sawResolved = false;
      while (!sawResolved && Date.now() < resolvedBy) {
        const list = (await (await fetch(`${alertwire.url}/api/v1/executions?receiver=scale-web&limit=500`, { headers: { authorization: `Bearer ${alertwire.adminToken}` } })).json()) as {
          executions: { trigger: string; decision: string }[];
        };
        sawResolved = list.executions.some((e) => e.trigger === 'resolved');
        if (!sawResolved) await sleep(100);
      }
      assert.ok(sawResolved, 'the resolved notification reached the receiver');
      await sleep(1500);
      assert.equal(kube.getReplicas(web), 2, 'resolving does not scale');
      assert.equal(kube.writes().length, writesBefore, 'no write after the resolve');
    } finally {
      await am.stop();
    }
  });

  test('a wrong token in Alertmanager runs nothing', async () => {
    const am = await startAlertmanager(routeTo(`${alertwire.url}/hooks/scale-web`, `${TOKEN}-wrong`));
    try {
      kube.setReplicas(web, 1);
      const writes = kube.writes().length;
      assert.equal((await postAlertsTo(am, [{ labels: { alertname: 'WebBusyWrongToken', severity: 'page' } }])).status, 200);
      const deadline = Date.now() + 15_000;
      let failed = 0;
      while (failed < 2 && Date.now() < deadline) {
        const text = await (await fetch(`${am.url}/metrics`)).text();
        failed = Number(/^alertmanager_notifications_failed_total\{integration="webhook"\} (\d+)/m.exec(text)?.[1] ?? 0);
        await sleep(200);
      }
      assert.ok(failed >= 2, 'Alertmanager tried and was refused');
      assert.equal(kube.getReplicas(web), 1);
      assert.equal(kube.writes().length, writes);
    } finally {
      await am.stop();
    }
  });
});
