/**
 * Kubernetes context, read-only, through the real @kubernetes/client-node against the test
 * API server: the pod's status and restarts, its events, and its last log lines, redacted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startApp, type RunningApp } from '../support/app.js';
import { startFakeKube, type FakeKube } from '../support/fake-kube.js';

interface KubeReport {
  state: string;
  analysis: {
    kubernetes:
      | { state: 'ok'; pod: string; via: string; phase: string; node: string; containers: { name: string; restarts: number; state: string; lastTermination: string | null }[]; events: { reason: string; message: string }[]; logs: { container: string; previous: boolean; lines: string[] } | null; deployment: { ready: number; desired: number } | null; notes: string[] }
      | { state: 'failed'; error: string }
      | null;
    sources: { name: string; state: string; detail: string | null }[];
  };
}

describe('Kubernetes context for pod alerts', () => {
  let kube: FakeKube;
  let s: RunningApp;
  before(async () => {
    kube = await startFakeKube();
    kube.addPod({ namespace: 'shop', name: 'cart-7d9f8c6b5d-x2x7k', labels: { app: 'cart' }, node: 'n4', containers: [{ name: 'cart', ready: false, restarts: 7, waiting: 'CrashLoopBackOff', lastTerminated: { reason: 'OOMKilled', exitCode: 137 } }] });
    kube.addPod({ namespace: 'shop', name: 'cart-7d9f8c6b5d-ok111', labels: { app: 'cart' }, node: 'n5', containers: [{ name: 'cart', ready: true, restarts: 0 }] });
    kube.addDeployment({ namespace: 'shop', name: 'cart', matchLabels: { app: 'cart' }, replicas: 2, readyReplicas: 1 });
    kube.addEvent({ namespace: 'shop', involvedObject: 'cart-7d9f8c6b5d-x2x7k', type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container cart', count: 12 });
    const lines = Array.from({ length: 150 }, (_, i) => `line ${i}`);
    lines.push('connecting to postgres://cart:hunter2@db:5432/cart as admin@example.com');
    kube.setLogs('shop', 'cart-7d9f8c6b5d-x2x7k', 'cart', lines.join('\n'), true);
    s = await startApp({ analysis: { kubernetes: { enabled: true, kubeconfig: kube.kubeconfigPath() } } });
  });
  after(async () => {
    await s.stop();
    await kube.close();
  });

  const settled = (fp: string) =>
    eventually(async () => {
      const r = (await (await fetch(`${s.url}/api/v1/reports/${fp}`)).json()) as KubeReport;
      return r.state === 'processing' ? undefined : r;
    }, 10_000, `report ${fp}`);

  it("reads the pod's status, events and the last 100 log lines of its previous run, redacted", async () => {
    await s.postWebhook({ alerts: [{ labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'cart-7d9f8c6b5d-x2x7k', container: 'cart' }, fingerprint: 'k1' }] });
    const r = await settled('k1');
    assert.equal(r.state, 'complete');
    const k = r.analysis.kubernetes;
    assert.equal(k?.state, 'ok');
    if (k?.state !== 'ok') return;
    assert.equal(k.node, 'n4');
    assert.deepEqual(k.containers.map((c) => [c.name, c.restarts, c.state]), [['cart', 7, 'waiting: CrashLoopBackOff']]);
    assert.match(k.containers[0]?.lastTermination ?? '', /^OOMKilled \(exit code 137\)/);
    assert.equal(k.events[0]?.reason, 'BackOff');
    assert.equal(k.logs?.previous, true);
    assert.equal(k.logs?.lines.length, 100);
    const last = k.logs?.lines.at(-1) ?? '';
    assert.ok(!last.includes('hunter2') && !last.includes('admin@example.com'), `redacted: ${last}`);
    assert.ok(kube.requests.every((q) => q.method === 'GET'), 'read-only');
    const html = await (await fetch(`${s.url}/report/k1`)).text();
    assert.match(html, /Back-off restarting failed container cart/);
  });

  it("for a deployment alert, reads the deployment and its pod most worth a look", async () => {
    await s.postWebhook({ alerts: [{ labels: { alertname: 'KubeDeploymentReplicasMismatch', namespace: 'shop', deployment: 'cart' }, fingerprint: 'k2' }] });
    const r = await settled('k2');
    const k = r.analysis.kubernetes;
    assert.equal(k?.state === 'ok' && k.via, 'deployment');
    assert.equal(k?.state === 'ok' && k.pod, 'cart-7d9f8c6b5d-x2x7k');
    assert.deepEqual(k?.state === 'ok' && k.deployment && [k.deployment.ready, k.deployment.desired], [1, 2]);
  });

  it('names what is forbidden, and marks the report partial when the pod cannot be read', async () => {
    kube.forbid({ verb: 'get', resource: 'pods', namespace: 'locked' });
    await s.postWebhook({ alerts: [{ labels: { alertname: 'KubePodNotReady', namespace: 'locked', pod: 'p-0' }, fingerprint: 'k3' }] });
    const r = await settled('k3');
    assert.equal(r.state, 'partial');
    const source = r.analysis.sources.find((x) => x.name === 'kubernetes');
    assert.equal(source?.state, 'failed');
    assert.match(source?.detail ?? '', /403.*forbidden/);
  });

  it('does not ask Kubernetes about alerts that name no pod or deployment', async () => {
    const before = kube.requests.length;
    await s.postWebhook({ alerts: [{ labels: { alertname: 'NodeDown', instance: 'n9:9100' }, fingerprint: 'k4' }] });
    const r = await settled('k4');
    assert.equal(r.analysis.sources.find((x) => x.name === 'kubernetes')?.state, 'not-applicable');
    assert.equal(kube.requests.length, before);
  });
});
