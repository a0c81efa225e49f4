import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { scaleKind, type ScaleSettings } from '../../src/actions/scale.js';

const valid: ScaleSettings = { workload: { kind: 'Deployment', namespace: 'prod', name: 'web' }, direction: 'up', max: 10 };

/** check() is typed for valid settings, but the API hands it whatever the client sent. */
const check = (settings: unknown) => scaleKind.check(settings as ScaleSettings);
const fields = (settings: unknown) => check(settings).map((issue) => issue.field);

describe('scale settings', () => {
  it('accepts minimal settings and fills HPA-like defaults', () => {
    assert.deepEqual(check(valid), []);
    assert.deepEqual(Value.Default(scaleKind.settings, Value.Clone(valid)), {
      ...valid,
      step: 1,
      min: 1,
      out_of_bounds: 'clamp',
      cooldown_up: 60,
      cooldown_down: 300,
      dry_run: false,
      allow_with_hpa: false,
    });
  });

  it('accepts every field spelled out', () => {
    const full = { ...valid, workload: { kind: 'StatefulSet', namespace: 'data', name: 'pg.primary' }, direction: 'down', step: 2, min: 0, max: 4, out_of_bounds: 'reject', cooldown_up: 0, cooldown_down: 600, dry_run: true, allow_with_hpa: true };
    assert.deepEqual(check(full), []);
  });

  it('names action.min when min exceeds max', () => {
    const issues = check({ ...valid, min: 5, max: 3 });
    assert.deepEqual(issues.map((i) => i.field), ['action.min']);
    assert.match(issues[0]?.message ?? '', /5 > 3/);
  });

  it('names action.step for a step that is zero, negative or fractional', () => {
    for (const step of [0, -1, 1.5]) assert.deepEqual(fields({ ...valid, step }), ['action.step'], `step ${step}`);
  });

  it('names the workload kind and lists the kinds it accepts', () => {
    const issues = check({ ...valid, workload: { ...valid.workload, kind: 'DaemonSet' } });
    assert.deepEqual(issues.map((i) => i.field), ['action.workload.kind']);
    assert.equal(issues[0]?.message, 'must be one of Deployment, StatefulSet, ReplicaSet');
  });

  it('names direction and out_of_bounds when they hold other values', () => {
    assert.deepEqual(fields({ ...valid, direction: 'sideways' }), ['action.direction']);
    assert.deepEqual(fields({ ...valid, out_of_bounds: 'wrap' }), ['action.out_of_bounds']);
  });

  it('requires max: no silent ceiling', () => {
    const { max: _max, ...withoutMax } = valid;
    assert.deepEqual(fields(withoutMax), ['action.max']);
  });

  it('names namespaces and names that Kubernetes would refuse', () => {
    assert.deepEqual(fields({ ...valid, workload: { ...valid.workload, namespace: 'Prod_NS' } }), ['action.workload.namespace']);
    assert.deepEqual(fields({ ...valid, workload: { ...valid.workload, name: '' } }), ['action.workload.name']);
  });

  it('names negative cooldowns and unknown keys', () => {
    assert.deepEqual(fields({ ...valid, cooldown_down: -5 }), ['action.cooldown_down']);
    assert.ok(fields({ ...valid, replicas: 3 }).includes('action.replicas'));
  });

  it('declares no secrets and locks on the workload', () => {
    assert.equal(scaleKind.kind, 'scale');
    assert.deepEqual(scaleKind.secretPaths, []);
    assert.equal(scaleKind.target?.(valid), 'deployment/prod/web');
  });
});
