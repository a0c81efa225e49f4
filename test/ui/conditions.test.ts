/** The conditions editor's logic: operators as KubeSphere words them, values one per line, checks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  conditionsFromRows,
  EDITOR_OPERATORS,
  emptyRow,
  operandField,
  operandKind,
  operatorLabel,
  rowsFromConditions,
  validateConditions,
  withOperator,
} from '../../ui/src/forms/conditions.js';

describe('conditions editor', () => {
  it('offers the four KubeSphere operators and a regex match, in their words', () => {
    assert.deepEqual(EDITOR_OPERATORS.map((o) => o.label), ['Includes values', 'Does not include values', 'Exists', 'Does not exist', 'Matches (regex)']);
    assert.equal(operatorLabel('!~'), 'Does not match (regex)');
    assert.equal(operatorLabel('Weird'), 'Weird');
  });

  it('reads values one per line, ignoring blank lines and spaces, and needs none for Exists', () => {
    const rows = [
      { key: ' severity ', operator: 'In', operand: 'critical\n\n  warning \n' },
      { key: 'team', operator: 'Exists', operand: 'ignored' },
      { key: 'namespace', operator: 'Match', operand: 'prod-.*' },
    ];
    assert.deepEqual(conditionsFromRows(rows), [
      { key: 'severity', operator: 'In', values: ['critical', 'warning'] },
      { key: 'team', operator: 'Exists' },
      { key: 'namespace', operator: 'Match', value: 'prod-.*' },
    ]);
  });

  it('round-trips saved conditions, Alertmanager operators included', () => {
    const saved = [
      { key: 'severity', operator: 'NotIn', values: ['info', 'none'] },
      { key: 'job', operator: '!~', value: 'node|kube' },
      { key: 'x', operator: 'DoesNotExist' },
    ];
    assert.deepEqual(conditionsFromRows(rowsFromConditions(saved)), saved);
  });

  it('keeps what was typed when the operator changes, as far as it still fits', () => {
    const list = { key: 'severity', operator: 'In', operand: 'critical\nwarning' };
    assert.equal(withOperator(list, 'NotIn').operand, 'critical\nwarning');
    assert.equal(withOperator(list, 'Match').operand, 'critical');
    assert.equal(withOperator(list, 'Exists').operand, '');
    assert.equal(operandKind('DoesNotExist'), 'none');
    assert.equal(operandField('conditions', 2, 'In'), 'conditions[2].values');
    assert.equal(operandField('conditions', 0, 'Match'), 'conditions[0].value');
  });

  it('names each problem with the field path the server uses', () => {
    const errors = validateConditions([
      { key: '', operator: 'In', operand: '' },
      { key: '1bad', operator: 'Exists', operand: '' },
      { key: 'ns', operator: 'Match', operand: '(unclosed' },
      { key: 'ok', operator: 'NotIn', operand: 'a' },
      { key: 'eq', operator: '=', operand: '(' },
    ]);
    assert.equal(errors['conditions[0].key'], 'enter a label name');
    assert.match(errors['conditions[0].values'] ?? '', /at least one value/);
    assert.match(errors['conditions[1].key'] ?? '', /does not start with a digit/);
    assert.match(errors['conditions[2].value'] ?? '', /^invalid regular expression/);
    assert.equal(errors['conditions[3].key'], undefined);
    assert.equal(errors['conditions[4].value'], undefined, '= compares text; a parenthesis is fine');
    assert.deepEqual(validateConditions([emptyRow()], 'matchers'), { 'matchers[0].key': 'enter a label name', 'matchers[0].values': 'enter at least one value, one per line' });
  });
});
