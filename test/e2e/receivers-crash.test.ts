import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { makeTempDir, startChildServer } from '../support/child-server.js';
import { startFakeKube, type FakeKube, type FakeWorkload } from '../support/fake-kube.js';

const web: FakeWorkload = { kind: 'Deployment', namespace: 'prod', name: 'web' };
const TOKEN = 'crash-test-token-0123456789';
const JOBS = 200;

function executions(dataDir: string): { state: string; decision: string | null }[] {
  const db = new Database(join(dataDir, 'alertwire.db'), { readonly: true });
  try {
    return db.prepare('select state, decision from executions').all() as { state: string; decision: string | null }[];
  } finally {
    db.close();
  }
}

describe('scale receiver across kill -9', () => {
  let kube: FakeKube;
  before(async () => {
    kube = await startFakeKube();
  });
  after(() => kube.close());

  it(`runs each of ${JOBS} queued scale steps exactly once across a crash`, async () => {
    kube.setReplicas(web, 0);
    const writesBefore = kube.writes().length;
    const configYaml = [
      'jobs:',
      '  lease: 2',
      'actions:',
      '  answer_timeout: 0',
      `  kubeconfig: ${JSON.stringify(kube.kubeconfigPath())}`,
      '  kube_context: fake',
      'receivers:',
      '  - id: scaler',
      '    name: scaler',
      '    kind: scale',
      `    token: ${TOKEN}`,
      '    action:',
      '      workload: {kind: Deployment, namespace: prod, name: web}',
      '      direction: up',
      '      step: 1',
      '      min: 0',
      '      max: 100000',
      '      cooldown_up: 0',
      '      allow_with_hpa: true',
      '',
    ].join('\n');
    const dataDir = makeTempDir();
    const first = await startChildServer({ dataDir, configYaml });
    let answered = 0;
    let next = 0;
    const send = async () => {
      while (next < JOBS) {
        const i = next++;
        const res = await fetch(`${first.url}/hooks/scaler`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify({ alerts: [{ status: 'firing', labels: { alertname: 'Busy', n: String(i) }, startsAt: '2024-01-01T00:00:00Z' }] }),
        });
        assert.ok(res.status === 202 || res.status === 200, `hook answered ${res.status}: ${await res.clone().text()}`);
        await res.arrayBuffer();
        answered++;
      }
    };
    await Promise.all(Array.from({ length: 16 }, send));
    assert.equal(answered, JOBS);
    // Kill in the middle of the work: some steps done, most still queued.
    while (kube.writes().length - writesBefore < 20) await new Promise((r) => setTimeout(r, 2));
    await first.kill('SIGKILL');
    const doneAtKill = kube.writes().length - writesBefore;
    assert.ok(doneAtKill < JOBS, `killed with work left (${doneAtKill} of ${JOBS} done)`);

    const second = await startChildServer({ dataDir, configYaml, webhookToken: first.webhookToken, adminToken: first.adminToken });
    try {
      const deadline = Date.now() + 60_000;
      while (executions(dataDir).some((e) => e.state !== 'done') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const all = executions(dataDir);
      assert.equal(all.length, JOBS);
      assert.deepEqual([...new Set(all.map((e) => `${e.state}:${e.decision}`))], ['done:applied']);
      assert.equal(kube.getReplicas(web), JOBS, 'one replica per step, no step lost or repeated');
      assert.equal(kube.writes().length - writesBefore, JOBS, 'one write per step');
    } finally {
      await second.cleanup();
      await first.cleanup();
    }
  });
});
