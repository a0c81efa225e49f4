import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupLabelsOf, needsUpdate } from '../../src/notify/grouping.js';

describe('group labels', () => {
  it('picks the group_by labels, or all with "..."', () => {
    const labels = { alertname: 'A', team: 'x', pod: 'p1' };
    assert.deepEqual(groupLabelsOf(labels, ['alertname', 'team', 'missing']), { alertname: 'A', team: 'x' });
    assert.deepEqual(groupLabelsOf(labels, ['...']), labels);
    assert.deepEqual(groupLabelsOf(labels, []), {});
  });
});

describe("Alertmanager's needsUpdate", () => {
  const H = 3600_000;
  const last = (firing: string[], resolved: string[] = [], at = 0) => ({ at, firing, resolved });
  const cases: [string, ReturnType<typeof last> | null, string[], string[], boolean, boolean][] = [
    ['a new group with firing alerts', null, ['a'], [], true, true],
    ['a new group with only resolved alerts', null, [], ['a'], true, false],
    ['a new alert fires', last(['a']), ['a', 'b'], [], true, true],
    ['nothing changed within repeat_interval', last(['a', 'b']), ['a', 'b'], [], true, false],
    ['a firing alert went away (subset)', last(['a', 'b']), ['a'], [], false, false],
    ['an alert resolved, send_resolved on', last(['a', 'b']), ['a'], ['b'], true, true],
    ['an alert resolved, send_resolved off', last(['a', 'b']), ['a'], ['b'], false, false],
    ['everything resolved after firing', last(['a']), [], ['a'], false, true],
    ['everything resolved, nothing was firing', last([], ['a']), [], ['a'], true, false],
  ];
  for (const [name, prev, firing, resolved, sendResolved, expected] of cases) {
    it(`${name} → ${expected ? 'notify' : 'wait'}`, () => assert.equal(needsUpdate(prev, firing, resolved, sendResolved, 4 * H, H), expected));
  }
  it('repeats after repeat_interval', () => {
    assert.equal(needsUpdate(last(['a'], [], 0), ['a'], [], true, 4 * H, 4 * H), true);
    assert.equal(needsUpdate(last(['a'], [], 0), ['a'], [], true, 4 * H, 4 * H - 1), false);
  });
});
