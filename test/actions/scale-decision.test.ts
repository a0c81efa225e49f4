import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cooldownUntil, decideStep, findHpaOwner, opposite, targetName, type StepPlan } from '../../src/actions/scale-decision.js';

const plan = (overrides: Partial<StepPlan> = {}): StepPlan => ({ direction: 'up', step: 1, min: 1, max: 10, outOfBounds: 'clamp', ...overrides });

describe('decideStep', () => {
  it('moves one step up or down inside the bounds', () => {
    assert.deepEqual(decideStep(3, plan()), { kind: 'change', from: 3, to: 4, clamped: false });
    assert.deepEqual(decideStep(5, plan({ direction: 'down', step: 2 })), { kind: 'change', from: 5, to: 3, clamped: false });
  });

  it('lands exactly on a bound without calling it clamped', () => {
    assert.deepEqual(decideStep(8, plan({ step: 2 })), { kind: 'change', from: 8, to: 10, clamped: false });
    assert.deepEqual(decideStep(3, plan({ direction: 'down', step: 2 })), { kind: 'change', from: 3, to: 1, clamped: false });
  });

  it('clamps a step that overshoots to the bound it crosses', () => {
    assert.deepEqual(decideStep(9, plan({ step: 3 })), { kind: 'change', from: 9, to: 10, clamped: true });
    assert.deepEqual(decideStep(2, plan({ direction: 'down', step: 3 })), { kind: 'change', from: 2, to: 1, clamped: true });
  });

  it('rejects an overshooting step under the reject policy, with the would-be value', () => {
    const up = decideStep(9, plan({ step: 3, outOfBounds: 'reject' }));
    assert.equal(up.kind, 'reject');
    assert.equal(up.kind === 'reject' && up.wouldBe, 12);
    const down = decideStep(2, plan({ direction: 'down', step: 3, outOfBounds: 'reject' }));
    assert.equal(down.kind === 'reject' && down.wouldBe, -1);
  });

  it('holds at the maximum when scaling up, including above it, never scaling down', () => {
    for (const current of [10, 12]) {
      const decision = decideStep(current, plan());
      assert.equal(decision.kind, 'hold');
      assert.match(decision.kind === 'hold' ? decision.reason : '', /already at the maximum/);
    }
  });

  it('holds at the minimum when scaling down, including below it, never scaling up', () => {
    for (const current of [1, 0]) {
      const decision = decideStep(current, plan({ direction: 'down' }));
      assert.equal(decision.kind, 'hold');
      assert.match(decision.kind === 'hold' ? decision.reason : '', /already at the minimum/);
    }
  });

  it('brings a workload below min up into the range when scaling up', () => {
    assert.deepEqual(decideStep(0, plan({ min: 3 })), { kind: 'change', from: 0, to: 3, clamped: true });
  });

  it('brings a workload above max down into the range when scaling down, or rejects that under reject', () => {
    assert.deepEqual(decideStep(20, plan({ direction: 'down' })), { kind: 'change', from: 20, to: 10, clamped: true });
    assert.equal(decideStep(20, plan({ direction: 'down', outOfBounds: 'reject' })).kind, 'reject');
  });
});

describe('cooldownUntil', () => {
  const t0 = 1_700_000_000_000;

  it('is over when nothing was ever applied or the cooldown is zero', () => {
    assert.equal(cooldownUntil(null, 60, t0), null);
    assert.equal(cooldownUntil(t0, 0, t0), null);
  });

  it('runs until last applied + cooldown seconds, and ends exactly then', () => {
    assert.equal(cooldownUntil(t0, 60, t0 + 59_999), t0 + 60_000);
    assert.equal(cooldownUntil(t0, 60, t0 + 60_000), null);
  });
});

describe('findHpaOwner', () => {
  const web = { kind: 'Deployment' as const, namespace: 'prod', name: 'web' };

  it('matches the scale target by kind and name', () => {
    const hpas = [
      { name: 'db', targetKind: 'StatefulSet', targetName: 'db' },
      { name: 'web-hpa', targetKind: 'Deployment', targetName: 'web' },
    ];
    assert.equal(findHpaOwner(hpas, web)?.name, 'web-hpa');
  });

  it('ignores an HPA on another kind with the same name, or another name', () => {
    const hpas = [
      { name: 'a', targetKind: 'StatefulSet', targetName: 'web' },
      { name: 'b', targetKind: 'Deployment', targetName: 'api' },
    ];
    assert.equal(findHpaOwner(hpas, web), null);
  });
});

describe('naming', () => {
  it('flips a direction', () => {
    assert.equal(opposite('up'), 'down');
    assert.equal(opposite('down'), 'up');
  });

  it('names a target by kind, namespace and name, with the kube context when set', () => {
    const db = { kind: 'StatefulSet' as const, namespace: 'data', name: 'pg' };
    assert.equal(targetName(db, null), 'statefulset/data/pg');
    assert.equal(targetName(db, 'prod-eu'), 'statefulset/data/pg@prod-eu');
  });
});
