import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabelMatcher, type Condition } from '../../src/model/matchers.js';
import { withDefaults } from '../../src/notify/contact-point.js';
import { selectAlerts, type SnapshotAlert } from '../../src/notify/outbound.js';
import { checkSettings } from '../../src/notify/validate.js';

const LABEL_SETS: Record<string, Record<string, string>> = {
  critProd: { alertname: 'CPU', severity: 'critical', env: 'prod' },
  warnProd: { alertname: 'Disk', severity: 'warning', env: 'prod' },
  infoDev: { alertname: 'Mem', severity: 'info', env: 'dev' },
  bare: { alertname: 'Bare' },
  emptySev: { alertname: 'E', severity: '' },
};

// Each row: conditions, and the label sets (by name) that must be selected. All conditions must hold.
const TABLE: [string, Condition[], string[]][] = [
  ['no conditions = everything', [], ['critProd', 'warnProd', 'infoDev', 'bare', 'emptySev']],
  ['Includes values', [{ key: 'severity', operator: 'In', values: ['critical', 'warning'] }], ['critProd', 'warnProd']],
  ['Does not include values (missing label included)', [{ key: 'severity', operator: 'NotIn', values: ['critical', 'warning'] }], ['infoDev', 'bare', 'emptySev']],
  ['Exists', [{ key: 'env', operator: 'Exists' }], ['critProd', 'warnProd', 'infoDev']],
  ['Exists treats an empty value as absent', [{ key: 'severity', operator: 'Exists' }], ['critProd', 'warnProd', 'infoDev']],
  ['Does not exist', [{ key: 'env', operator: 'DoesNotExist' }], ['bare', 'emptySev']],
  ['Match (regex, anchored)', [{ key: 'alertname', operator: 'Match', value: 'C.U|Mem' }], ['critProd', 'infoDev']],
  ['= ', [{ key: 'env', operator: '=', value: 'prod' }], ['critProd', 'warnProd']],
  ['= "" matches a missing label', [{ key: 'env', operator: '=', value: '' }], ['bare', 'emptySev']],
  ['!=', [{ key: 'env', operator: '!=', value: 'prod' }], ['infoDev', 'bare', 'emptySev']],
  ['=~ anchored', [{ key: 'severity', operator: '=~', value: 'crit.*|warn' }], ['critProd']],
  ['!~', [{ key: 'severity', operator: '!~', value: 'critical|warning' }], ['infoDev', 'bare', 'emptySev']],
  [
    'all must hold',
    [
      { key: 'env', operator: '=', value: 'prod' },
      { key: 'severity', operator: 'NotIn', values: ['warning'] },
    ],
    ['critProd'],
  ],
];

function snapshot(name: string, labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing'): SnapshotAlert {
  return { fingerprint: name, status, labels, annotations: {}, startsAt: 0, endsAt: null, generatorURL: '', extras: {} };
}

describe('contact point conditions: label sets × conditions', () => {
  const alerts = Object.entries(LABEL_SETS).map(([name, labels]) => snapshot(name, labels));
  for (const [name, conditions, expected] of TABLE) {
    it(name, () => {
      const selected = selectAlerts(alerts, new LabelMatcher(conditions), true).map((a) => a.fingerprint);
      assert.deepEqual(selected, expected);
    });
  }

  it('drops resolved alerts unless sendResolved', () => {
    const both = [snapshot('f', { a: '1' }), snapshot('r', { a: '1' }, 'resolved')];
    assert.deepEqual(selectAlerts(both, new LabelMatcher([]), false).map((a) => a.fingerprint), ['f']);
    assert.deepEqual(selectAlerts(both, new LabelMatcher([]), true).map((a) => a.fingerprint), ['f', 'r']);
  });

  it('is validated on save: operands present, regexes valid', () => {
    const check = (conditions: Condition[]) => checkSettings(withDefaults({ name: 'x', url: 'http://127.0.0.1/', conditions }));
    assert.deepEqual(check([{ key: 'a', operator: 'In' }])?.field, 'conditions[0].values');
    assert.deepEqual(check([{ key: 'a', operator: '=~', value: '(' }])?.field, 'conditions[0].value');
    assert.equal(check([{ key: 'a', operator: 'Exists' }]), null);
  });
});
