import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ActionContext } from '../../src/actions/action.js';
import { scaleKind } from '../../src/actions/scale.js';
import { startFakeKube, type FakeKube, type FakeWorkload } from '../support/fake-kube.js';
import { LocalLocks } from '../../src/store/locks.js';

const locks = new LocalLocks();

const web: FakeWorkload = { kind: 'Deployment', namespace: 'prod', name: 'web' };

/** An execution's journal, as the act job keeps it in the executions table. */
function context(journal: { value: unknown }): ActionContext {
  return {
    receiver: { id: 'r1', name: 'scale web' },
    trigger: 'firing',
    alerts: [],
    meta: null,
    payload: null,
    externalUrl: 'http://alertwire.test',
    now: () => Date.now(),
    signal: new AbortController().signal,
    lastApplied: async () => null,
    tryHold: (keys) => locks.tryHold(keys),
    journal: {
      read: async () => journal.value,
      write: async (value) => {
        journal.value = value;
      },
    },
  };
}

describe('scale action journal (exactly one step across a crash)', () => {
  let kube: FakeKube;
  beforeEach(async () => {
    kube = await startFakeKube();
  });
  afterEach(() => kube.close());

  const action = () =>
    scaleKind.create(
      { workload: web, direction: 'up', max: 10, cooldown_up: 0 } as Parameters<typeof scaleKind.create>[0],
      { kubernetes: { kubeconfig: kube.kubeconfigPath(), context: 'fake', inCluster: false }, commandEnvAllowlist: [], templates: [] },
    );

  it('journals the intended write before making it', async () => {
    kube.setReplicas(web, 2);
    const journal = { value: null as unknown };
    const outcome = await action().run(context(journal));
    assert.equal(outcome.decision, 'applied');
    assert.deepEqual((journal.value as { from: number; to: number }).from, 2);
    assert.deepEqual((journal.value as { from: number; to: number }).to, 3);
  });

  it('does not step again when a journaled write landed before the process died', async () => {
    kube.setReplicas(web, 2);
    const journal = { value: null as unknown };
    await action().run(context(journal));
    assert.equal(kube.getReplicas(web), 3);
    const writes = kube.writes().length;
    // The same execution runs again (its job was reclaimed after a crash).
    const rerun = await action().run(context(journal));
    assert.equal(rerun.decision, 'applied');
    assert.match(rerun.reason, /not repeated/);
    assert.equal(kube.getReplicas(web), 3);
    assert.equal(kube.writes().length, writes, 'no second write');
  });

  it('makes the write when the journaled one never reached the API server', async () => {
    kube.setReplicas(web, 2);
    const journal = { value: { from: 2, to: 3, resourceVersion: kube.resourceVersion(web) } as unknown };
    const outcome = await action().run(context(journal));
    assert.equal(outcome.decision, 'applied');
    assert.equal(kube.getReplicas(web), 3);
  });
});
