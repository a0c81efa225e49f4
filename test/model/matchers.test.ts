import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkConditions, LabelMatcher, parseMatcher, type Condition } from '../../src/model/matchers.js';

const prodCritical = { alertname: 'X', namespace: 'prod-eu', severity: 'critical' };
const devWarning = { alertname: 'Y', namespace: 'dev', severity: 'warning', team: '' };
const noNamespace = { alertname: 'Z' };

/** label sets × conditions: expected match for [prodCritical, devWarning, noNamespace]. */
const TABLE: [Condition, [boolean, boolean, boolean]][] = [
  [{ key: 'severity', operator: 'In', values: ['critical', 'page'] }, [true, false, false]],
  [{ key: 'severity', operator: 'NotIn', values: ['critical'] }, [false, true, true]],
  [{ key: 'namespace', operator: 'Exists' }, [true, true, false]],
  [{ key: 'team', operator: 'Exists' }, [false, false, false]],
  [{ key: 'namespace', operator: 'DoesNotExist' }, [false, false, true]],
  [{ key: 'team', operator: 'DoesNotExist' }, [true, true, true]],
  [{ key: 'namespace', operator: 'Match', value: 'prod-.*' }, [true, false, false]],
  [{ key: 'namespace', operator: 'Match', value: 'prod' }, [false, false, false]],
  [{ key: 'severity', operator: '=', value: 'warning' }, [false, true, false]],
  [{ key: 'namespace', operator: '=', value: '' }, [false, false, true]],
  [{ key: 'severity', operator: '!=', value: 'warning' }, [true, false, true]],
  [{ key: 'namespace', operator: '=~', value: 'prod.*|dev' }, [true, true, false]],
  [{ key: 'namespace', operator: '!~', value: 'prod.*' }, [false, true, true]],
];

describe('label conditions', () => {
  for (const [condition, expected] of TABLE) {
    it(`${JSON.stringify(condition)} → ${expected.join(', ')}`, () => {
      const m = new LabelMatcher([condition]);
      assert.deepEqual([prodCritical, devWarning, noNamespace].map((l) => m.matches(l)), expected);
    });
  }

  it('requires every condition and matches everything without any', () => {
    const both = new LabelMatcher([
      { key: 'severity', operator: '=', value: 'critical' },
      { key: 'namespace', operator: 'Match', value: 'prod.*' },
    ]);
    assert.equal(both.matches(prodCritical), true);
    assert.equal(both.matches({ ...prodCritical, namespace: 'dev' }), false);
    assert.equal(both.explainMismatch({ ...prodCritical, namespace: 'dev' }), 'namespace Match "prod.*"');
    assert.equal(new LabelMatcher([]).matches(noNamespace), true);
  });

  it('names the field of a missing operand or a bad regex', () => {
    const issues = checkConditions(
      [
        { key: 'a', operator: 'In' },
        { key: 'b', operator: '=~', value: '(unclosed' },
        { key: 'c', operator: '=' },
        { key: 'd', operator: 'Exists' },
      ],
      'conditions',
    );
    assert.deepEqual(
      issues.map((i) => i.field),
      ['conditions[0].values', 'conditions[1].value', 'conditions[2].value'],
    );
    assert.match(issues[1]?.message ?? '', /invalid regular expression/);
  });

  it('runs regexes in linear time (no catastrophic backtracking)', () => {
    const m = new LabelMatcher([{ key: 'x', operator: '=~', value: '(a+)+$' }]);
    // A backtracking engine would not return from this within the test runner's lifetime.
    assert.equal(m.matches({ x: `${'a'.repeat(50_000)}!` }), false);
  });

  it("parses Alertmanager's matcher syntax", () => {
    assert.deepEqual(parseMatcher('severity=~"critical|warning"'), { key: 'severity', operator: '=~', value: 'critical|warning' });
    assert.deepEqual(parseMatcher('team != ops'), { key: 'team', operator: '!=', value: 'ops' });
    assert.deepEqual(parseMatcher('a="b\\"c"'), { key: 'a', operator: '=', value: 'b"c' });
    assert.throws(() => parseMatcher('nonsense'), /cannot parse matcher/);
  });
});
