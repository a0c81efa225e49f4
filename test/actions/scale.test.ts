import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Action, ActionContext, ActionDeps, ActionOutcome } from '../../src/actions/action.js';
import { scaleKind, type ScaleSettings } from '../../src/actions/scale.js';
import { startFakeKube, type FakeKube, type FakeWorkload } from '../support/fake-kube.js';
import { LocalLocks } from '../../src/store/locks.js';

const locks = new LocalLocks();

const web: FakeWorkload = { kind: 'Deployment', namespace: 'prod', name: 'web' };
const T0 = Date.parse('2025-03-01T12:00:00Z');

/**
 * Stands in for the act job: a clock, and the execution records' "last applied" per target and
 * direction, which it updates after an applied outcome just as the job does.
 */
class Receiver {
  now = T0;
  private readonly applied = new Map<string, number>();

  constructor(readonly action: Action) {}

  async fire(trigger: 'firing' | 'resolved' = 'firing', signal = new AbortController().signal): Promise<ActionOutcome> {
    const outcome = await this.action.run(this.context(trigger, signal));
    if (outcome.decision === 'applied') this.applied.set(`${outcome.target} ${outcome.direction}`, this.now);
    return outcome;
  }

  after(seconds: number): this {
    this.now += seconds * 1000;
    return this;
  }

  private context(trigger: 'firing' | 'resolved', signal: AbortSignal): ActionContext {
    return {
      receiver: { id: 'r1', name: 'scale web' },
      trigger,
      alerts: [],
      meta: null,
      payload: null,
      externalUrl: 'http://alertwire.test',
      now: () => this.now,
      signal,
      lastApplied: async (target, direction) => this.applied.get(`${target} ${direction}`) ?? null,
      tryHold: (keys) => locks.tryHold(keys),
    };
  }
}

describe('scale action against a Kubernetes API server', () => {
  let kube: FakeKube;
  beforeEach(async () => {
    kube = await startFakeKube();
  });
  afterEach(async () => {
    await kube.close();
  });

  const deps = (context = 'fake', kubeconfig = kube.kubeconfigPath()): ActionDeps => ({
    kubernetes: { kubeconfig, context, inCluster: false },
    commandEnvAllowlist: [],
    templates: [],
  });
  const receiver = (overrides: Partial<ScaleSettings> = {}, withDeps = deps()): Receiver =>
    new Receiver(scaleKind.create({ workload: web, direction: 'up', max: 10, ...overrides }, withDeps));

  describe('steps', () => {
    it('scales up one step with GET then PUT carrying the resourceVersion it read', async () => {
      kube.setReplicas(web, 2);
      const readVersion = kube.resourceVersion(web);
      const outcome = await receiver().fire();
      assert.deepEqual(
        { decision: outcome.decision, target: outcome.target, direction: outcome.direction, from: outcome.from, to: outcome.to },
        { decision: 'applied', target: 'deployment/prod/web@fake', direction: 'up', from: 2, to: 3 },
      );
      assert.equal(kube.getReplicas(web), 3);
      const [put, ...more] = kube.writes();
      assert.equal(more.length, 0);
      assert.equal(put?.method, 'PUT');
      assert.equal(put?.path, '/apis/apps/v1/namespaces/prod/deployments/web/scale');
      assert.deepEqual(put?.body, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'prod', resourceVersion: readVersion }, spec: { replicas: 3 } });
      assert.equal(put?.query.dryRun, undefined);
      assert.ok(kube.requests.every((r) => r.authorization === `Bearer ${kube.token}`));
    });

    it('scales down by the configured step', async () => {
      kube.setReplicas(web, 5);
      const outcome = await receiver({ direction: 'down', step: 2 }).fire();
      assert.equal(outcome.decision, 'applied');
      assert.equal(outcome.direction, 'down');
      assert.deepEqual([outcome.from, outcome.to, kube.getReplicas(web)], [5, 3, 3]);
    });

    it('keeps stepping on repeated firing notifications once the cooldown has passed', async () => {
      kube.setReplicas(web, 1);
      const r = receiver();
      assert.equal((await r.fire()).to, 2);
      assert.equal((await r.after(61).fire()).to, 3);
      assert.equal((await r.after(61).fire()).to, 4);
      assert.equal(kube.getReplicas(web), 4);
    });

    it('steps the other way on a resolved notification, with that direction in the outcome', async () => {
      kube.setReplicas(web, 2);
      const r = receiver();
      await r.fire();
      const resolved = await r.fire('resolved');
      assert.deepEqual([resolved.decision, resolved.direction, resolved.from, resolved.to], ['applied', 'down', 3, 2]);
      assert.equal(kube.getReplicas(web), 2);
    });

    it('scales a StatefulSet and a ReplicaSet through their own scale subresources', async () => {
      const db: FakeWorkload = { kind: 'StatefulSet', namespace: 'data', name: 'pg' };
      const rs: FakeWorkload = { kind: 'ReplicaSet', namespace: 'data', name: 'legacy-7c9' };
      kube.setReplicas(db, 1);
      kube.setReplicas(rs, 4);
      const up = await receiver({ workload: db }).fire();
      const down = await receiver({ workload: rs, direction: 'down' }).fire();
      assert.deepEqual([up.decision, up.target, kube.getReplicas(db)], ['applied', 'statefulset/data/pg@fake', 2]);
      assert.deepEqual([down.decision, down.target, kube.getReplicas(rs)], ['applied', 'replicaset/data/legacy-7c9@fake', 3]);
      assert.deepEqual(
        kube.writes().map((w) => w.path),
        ['/apis/apps/v1/namespaces/data/statefulsets/pg/scale', '/apis/apps/v1/namespaces/data/replicasets/legacy-7c9/scale'],
      );
    });
  });

  describe('bounds', () => {
    it('clamps a step that would pass max or min, and says so', async () => {
      kube.setReplicas(web, 9);
      const up = await receiver({ step: 3 }).fire();
      assert.deepEqual([up.decision, up.from, up.to, kube.getReplicas(web)], ['applied', 9, 10, 10]);
      assert.match(up.reason, /clamped to max 10/);
      kube.setReplicas(web, 2);
      const down = await receiver({ direction: 'down', step: 3, min: 1 }).fire();
      assert.deepEqual([down.decision, down.to, kube.getReplicas(web)], ['applied', 1, 1]);
      assert.match(down.reason, /clamped to min 1/);
    });

    it('rejects an out-of-bounds step under the reject policy, with the would-be value, changing nothing', async () => {
      kube.setReplicas(web, 9);
      const outcome = await receiver({ step: 3, out_of_bounds: 'reject' }).fire();
      assert.deepEqual([outcome.decision, outcome.from, outcome.to], ['rejected', 9, 12]);
      assert.match(outcome.reason, /12 replicas would be outside \[1, 10\]/);
      assert.equal(kube.getReplicas(web), 9);
      assert.deepEqual(kube.writes(), []);
    });

    it('never scales against its direction: up above max and down below min are skipped', async () => {
      kube.setReplicas(web, 12);
      const up = await receiver().fire();
      assert.deepEqual([up.decision, up.from, up.to, kube.getReplicas(web)], ['skipped', 12, 12, 12]);
      assert.match(up.reason, /already at the maximum/);
      // 0 replicas travels as an empty spec (omitempty); it must read as 0, not as "unknown".
      kube.setReplicas(web, 0);
      const down = await receiver({ direction: 'down' }).fire();
      assert.deepEqual([down.decision, down.from, kube.getReplicas(web)], ['skipped', 0, 0]);
      assert.match(down.reason, /already at the minimum/);
      assert.deepEqual(kube.writes(), []);
    });
  });

  describe('cooldown', () => {
    it('skips a step inside the cooldown without calling the API, and says until when', async () => {
      kube.setReplicas(web, 2);
      const r = receiver();
      await r.fire();
      const seen = kube.requests.length;
      const outcome = await r.after(30).fire();
      assert.equal(outcome.decision, 'skipped');
      assert.equal(outcome.cooldownUntil, T0 + 60_000);
      assert.match(outcome.reason, /cooldown_up 60 s/);
      assert.equal(kube.requests.length, seen);
      assert.equal(kube.getReplicas(web), 3);
    });

    it('keeps up and down cooldowns apart, each with its own length', async () => {
      kube.setReplicas(web, 2);
      const r = receiver({ cooldown_up: 60, cooldown_down: 300 });
      assert.equal((await r.fire()).decision, 'applied'); // up at T0
      assert.equal((await r.after(10).fire('resolved')).decision, 'applied'); // down at T0+10s: up's cooldown does not apply
      const downAgain = await r.after(100).fire('resolved'); // T0+110s: inside down's 300 s
      assert.deepEqual([downAgain.decision, downAgain.cooldownUntil], ['skipped', T0 + 310_000]);
      assert.equal((await r.fire()).decision, 'applied'); // T0+110s: up's 60 s are over
      assert.equal(kube.getReplicas(web), 3);
    });

    it('keys cooldowns by target, so another workload is not held back', async () => {
      const api: FakeWorkload = { kind: 'Deployment', namespace: 'prod', name: 'api' };
      kube.setReplicas(web, 1);
      kube.setReplicas(api, 1);
      const r = receiver();
      await r.fire();
      const other = new Receiver(scaleKind.create({ workload: api, direction: 'up', max: 10 }, deps()));
      assert.equal((await other.fire()).decision, 'applied');
    });
  });

  describe('optimistic concurrency', () => {
    it('re-reads and retries when another writer changed the scale in between (409)', async () => {
      kube.setReplicas(web, 2);
      kube.beforeNextWrite(web, () => kube.setReplicas(web, 5));
      const outcome = await receiver().fire();
      assert.deepEqual([outcome.decision, outcome.from, outcome.to, kube.getReplicas(web)], ['applied', 5, 6, 6]);
      const puts = kube.writes();
      assert.equal(puts.length, 2);
      assert.notEqual(
        (puts[0]?.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
        (puts[1]?.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
      );
    });

    it('decides again after a conflict: a racer that reached max leaves nothing to do', async () => {
      kube.setReplicas(web, 2);
      kube.beforeNextWrite(web, () => kube.setReplicas(web, 10));
      const outcome = await receiver().fire();
      assert.deepEqual([outcome.decision, kube.getReplicas(web), kube.writes().length], ['skipped', 10, 1]);
    });

    it('gives up with a transient failure when every attempt conflicts', async () => {
      kube.setReplicas(web, 2);
      let racer = 2;
      const race = (): void => {
        racer += 1;
        kube.setReplicas(web, racer);
        kube.beforeNextWrite(web, race);
      };
      kube.beforeNextWrite(web, race);
      const outcome = await receiver({ max: 100 }).fire();
      assert.deepEqual([outcome.decision, outcome.transient], ['failed', true]);
      assert.match(outcome.reason, /409 Conflict/);
      assert.equal(kube.writes().length, 4);
      assert.equal(kube.getReplicas(web), racer);
    });
  });

  describe('dry run', () => {
    it('sends the PUT with dryRun=All, records the decision and changes nothing', async () => {
      kube.setReplicas(web, 2);
      const version = kube.resourceVersion(web);
      const outcome = await receiver({ dry_run: true }).fire();
      assert.deepEqual([outcome.decision, outcome.from, outcome.to], ['dry-run', 2, 3]);
      assert.match(outcome.reason, /nothing changed/);
      assert.equal(kube.writes()[0]?.query.dryRun, 'All');
      assert.equal(kube.getReplicas(web), 2);
      assert.equal(kube.resourceVersion(web), version);
    });

    it('does not start a cooldown, so the next dry run decides again', async () => {
      kube.setReplicas(web, 2);
      const r = receiver({ dry_run: true });
      await r.fire();
      assert.equal((await r.after(1).fire()).decision, 'dry-run');
    });
  });

  describe('HorizontalPodAutoscaler', () => {
    it('refuses a target an HPA owns, naming the HPA', async () => {
      kube.setReplicas(web, 2);
      kube.addHpa({ namespace: 'prod', name: 'web-cpu', target: { kind: 'Deployment', name: 'web' } });
      const outcome = await receiver().fire();
      assert.equal(outcome.decision, 'rejected');
      assert.match(outcome.reason, /HorizontalPodAutoscaler prod\/web-cpu owns Deployment prod\/web/);
      assert.deepEqual([kube.writes().length, kube.getReplicas(web)], [0, 2]);
      assert.ok(kube.requests.some((r) => r.path === '/apis/autoscaling/v2/namespaces/prod/horizontalpodautoscalers'));
    });

    it('is not fooled by an HPA on another kind, name or namespace', async () => {
      kube.setReplicas(web, 2);
      kube.addHpa({ namespace: 'prod', name: 'a', target: { kind: 'StatefulSet', name: 'web' } });
      kube.addHpa({ namespace: 'prod', name: 'b', target: { kind: 'Deployment', name: 'api' } });
      kube.addHpa({ namespace: 'staging', name: 'c', target: { kind: 'Deployment', name: 'web' } });
      assert.equal((await receiver().fire()).decision, 'applied');
    });

    it('scales anyway with allow_with_hpa, without listing HPAs', async () => {
      kube.setReplicas(web, 2);
      kube.addHpa({ namespace: 'prod', name: 'web-cpu', target: { kind: 'Deployment', name: 'web' } });
      const outcome = await receiver({ allow_with_hpa: true }).fire();
      assert.deepEqual([outcome.decision, kube.getReplicas(web)], ['applied', 3]);
      assert.ok(kube.requests.every((r) => !r.path.includes('horizontalpodautoscalers')));
    });

    it('refuses when it may not list HPAs, naming the permission', async () => {
      kube.setReplicas(web, 2);
      kube.forbid({ verb: 'list', resource: 'horizontalpodautoscalers' });
      const outcome = await receiver().fire();
      assert.equal(outcome.decision, 'rejected');
      assert.match(outcome.reason, /verb "list" on resource "horizontalpodautoscalers" in API group "autoscaling"/);
      assert.equal(kube.getReplicas(web), 2);
    });
  });

  describe('API errors', () => {
    it('rejects an unknown workload for good, naming it', async () => {
      const outcome = await receiver({ workload: { kind: 'Deployment', namespace: 'prod', name: 'ghost' } }).fire();
      assert.deepEqual([outcome.decision, outcome.transient], ['rejected', undefined]);
      assert.match(outcome.reason, /Deployment prod\/ghost not found/);
    });

    it('rejects a forbidden write, saying which RBAC permission is missing', async () => {
      kube.setReplicas(web, 2);
      kube.forbid({ verb: 'update', resource: 'deployments/scale', name: 'web' });
      const outcome = await receiver().fire();
      assert.deepEqual([outcome.decision, outcome.from, kube.getReplicas(web)], ['rejected', 2, 2]);
      assert.match(outcome.reason, /verb "update" on resource "deployments\/scale" in API group "apps" in namespace "prod"/);
    });

    it('rejects a forbidden read the same way, with verb get', async () => {
      const db: FakeWorkload = { kind: 'StatefulSet', namespace: 'data', name: 'pg' };
      kube.setReplicas(db, 1);
      kube.forbid({ verb: 'get', resource: 'statefulsets/scale' });
      const outcome = await receiver({ workload: db }).fire();
      assert.equal(outcome.decision, 'rejected');
      assert.match(outcome.reason, /verb "get" on resource "statefulsets\/scale"/);
    });

    it('fails transiently on a 500 from the write, changing nothing', async () => {
      kube.setReplicas(web, 2);
      kube.failNext(1, 500, 'PUT');
      const outcome = await receiver().fire();
      assert.deepEqual([outcome.decision, outcome.transient, kube.getReplicas(web)], ['failed', true, 2]);
      assert.match(outcome.reason, /500/);
    });

    it('fails transiently on a 503 from the read', async () => {
      kube.setReplicas(web, 2);
      kube.failNext(1, 503, 'GET');
      const outcome = await receiver({ allow_with_hpa: true }).fire();
      assert.deepEqual([outcome.decision, outcome.transient], ['failed', true]);
    });

    it('fails transiently when the API server cannot be reached', async () => {
      const gone = await startFakeKube();
      // Keep its kubeconfig: close() removes the original with the server.
      const dir = mkdtempSync(join(tmpdir(), 'scale-test-'));
      const kubeconfig = join(dir, 'kubeconfig');
      copyFileSync(gone.kubeconfigPath(), kubeconfig);
      await gone.close();
      try {
        const outcome = await receiver({}, deps('fake', kubeconfig)).fire();
        assert.deepEqual([outcome.decision, outcome.transient], ['failed', true]);
        assert.match(outcome.reason, /cannot reach the API server/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('fails for good when the credentials are refused (401)', async () => {
      kube.setReplicas(web, 2);
      const outcome = await receiver({}, deps('fake-wrong-token')).fire();
      assert.deepEqual([outcome.decision, outcome.transient, outcome.target], ['failed', false, 'deployment/prod/web@fake-wrong-token']);
      assert.match(outcome.reason, /unauthorized/);
      assert.equal(kube.getReplicas(web), 2);
    });

    it('picks up a kubeconfig fixed after a refused token, without a restart or a save', async () => {
      kube.setReplicas(web, 2);
      const dir = mkdtempSync(join(tmpdir(), 'scale-test-'));
      const kubeconfig = join(dir, 'kubeconfig');
      const good = readFileSync(kube.kubeconfigPath(), 'utf8');
      writeFileSync(kubeconfig, good.replaceAll(kube.token, 'a-stale-token'));
      try {
        const r = receiver({}, deps('fake', kubeconfig));
        const refused = await r.fire();
        assert.deepEqual([refused.decision, refused.transient], ['failed', false]);
        assert.match(refused.reason, /unauthorized/);
        writeFileSync(kubeconfig, good);
        const fixed = await r.fire();
        assert.equal(fixed.decision, 'applied', fixed.reason);
        assert.equal(kube.getReplicas(web), 3);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('picks up a rotated token in the kubeconfig file after a success', async () => {
      kube.setReplicas(web, 2);
      const dir = mkdtempSync(join(tmpdir(), 'scale-test-'));
      const kubeconfig = join(dir, 'kubeconfig');
      const good = readFileSync(kube.kubeconfigPath(), 'utf8');
      writeFileSync(kubeconfig, good);
      try {
        const r = receiver({}, deps('fake', kubeconfig));
        assert.equal((await r.fire()).decision, 'applied');
        // The token the client holds stops working, and the file gets a new one.
        const original = kube.token;
        kube.rotateToken('rotated-token');
        writeFileSync(kubeconfig, good.replaceAll(original, 'rotated-token').concat('\n'));
        const next = await r.after(3600).fire();
        assert.equal(next.decision, 'applied', next.reason);
        assert.equal(kube.getReplicas(web), 4);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('fails for good when the kubeconfig lacks the configured context', async () => {
      const outcome = await receiver({}, deps('prod-eu')).fire();
      assert.deepEqual([outcome.decision, outcome.transient], ['failed', false]);
      assert.match(outcome.reason, /context "prod-eu" is not in the kubeconfig/);
      assert.deepEqual(kube.requests, []);
    });

    it('fails for good, saying why, when in-cluster access is configured outside a pod', async () => {
      const host = process.env.KUBERNETES_SERVICE_HOST;
      delete process.env.KUBERNETES_SERVICE_HOST;
      try {
        const outcome = await receiver({}, { kubernetes: { kubeconfig: '', context: 'ignored', inCluster: true }, commandEnvAllowlist: [], templates: [] }).fire();
        assert.deepEqual([outcome.decision, outcome.transient, outcome.target], ['failed', false, 'deployment/prod/web']);
        assert.match(outcome.reason, /KUBERNETES_SERVICE_HOST is not set/);
      } finally {
        if (host !== undefined) process.env.KUBERNETES_SERVICE_HOST = host;
      }
    });

    it('uses the kubeconfig current-context when none is configured, and leaves it out of the target', async () => {
      kube.setReplicas(web, 2);
      const outcome = await receiver({}, deps('')).fire();
      assert.deepEqual([outcome.decision, outcome.target], ['applied', 'deployment/prod/web']);
    });

    it('stops when the server shuts down, without writing', async () => {
      kube.setReplicas(web, 2);
      const outcome = await receiver().fire('firing', AbortSignal.abort());
      assert.deepEqual([outcome.decision, outcome.transient, kube.getReplicas(web)], ['failed', true, 2]);
      assert.deepEqual(kube.writes(), []);
    });
  });
});

/** The fake must behave like the API server where tests rely on it, or the tests above prove nothing. */
describe('fake Kubernetes API server', () => {
  let kube: FakeKube;
  beforeEach(async () => {
    kube = await startFakeKube();
  });
  afterEach(async () => {
    await kube.close();
  });

  const scaleUrl = () => `${kube.url}/apis/apps/v1/namespaces/prod/deployments/web/scale`;
  const call = async (method: string, body?: unknown, headers: Record<string, string> = {}, query = '') => {
    const res = await fetch(`${scaleUrl()}${query}`, {
      method,
      headers: { authorization: `Bearer ${kube.token}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as { metadata?: { resourceVersion?: string }; spec?: { replicas?: number }; reason?: string } };
  };

  it('answers 401 without the bearer token', async () => {
    kube.setReplicas(web, 1);
    const res = await fetch(scaleUrl());
    assert.equal(res.status, 401);
  });

  it('applies a merge patch, bumping the resourceVersion, and wants the merge-patch media type', async () => {
    kube.setReplicas(web, 1);
    const before = kube.resourceVersion(web);
    const patched = await call('PATCH', { spec: { replicas: 4 } }, { 'content-type': 'application/merge-patch+json' });
    assert.deepEqual([patched.status, patched.body.spec?.replicas, kube.getReplicas(web)], [200, 4, 4]);
    assert.notEqual(kube.resourceVersion(web), before);
    assert.equal((await call('PATCH', { spec: { replicas: 5 } })).status, 415);
  });

  it('answers 409 to a PUT with a stale resourceVersion, 422 to negative replicas, and changes nothing on dryRun=All', async () => {
    kube.setReplicas(web, 2);
    const stale = (await call('GET')).body.metadata?.resourceVersion;
    kube.setReplicas(web, 3);
    const put = (replicas: number, resourceVersion = kube.resourceVersion(web), query = '') =>
      call('PUT', { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'web', resourceVersion }, spec: { replicas } }, {}, query);
    assert.equal((await put(7, stale)).status, 409);
    assert.equal((await put(-1)).status, 422);
    const dry = await put(7, undefined, '?dryRun=All');
    assert.deepEqual([dry.status, dry.body.spec?.replicas, kube.getReplicas(web)], [200, 7, 3]);
    assert.equal((await put(7)).status, 200);
    assert.equal(kube.getReplicas(web), 7);
  });
});
