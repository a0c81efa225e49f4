import type { FieldErrors } from './field-errors.js';
import { lines } from './field-errors.js';

/** A label condition as the API takes it (see docs/contact-points.md). */
export interface Condition {
  key: string;
  operator: string;
  values?: string[];
  value?: string;
}

/** The operators the editor offers, worded as KubeSphere words them, plus a regex match. */
export const EDITOR_OPERATORS = [
  { operator: 'In', label: 'Includes values' },
  { operator: 'NotIn', label: 'Does not include values' },
  { operator: 'Exists', label: 'Exists' },
  { operator: 'DoesNotExist', label: 'Does not exist' },
  { operator: 'Match', label: 'Matches (regex)' },
] as const;

/** Alertmanager's matcher operators, shown when a saved condition uses one. */
const OTHER_LABELS: Record<string, string> = { '=': 'Equals', '!=': 'Does not equal', '=~': 'Matches (regex)', '!~': 'Does not match (regex)' };

export function operatorLabel(operator: string): string {
  return EDITOR_OPERATORS.find((o) => o.operator === operator)?.label ?? OTHER_LABELS[operator] ?? operator;
}

/** What an operator needs: several values (one per line), one value, or nothing. */
export function operandKind(operator: string): 'list' | 'one' | 'none' {
  if (operator === 'In' || operator === 'NotIn') return 'list';
  if (operator === 'Exists' || operator === 'DoesNotExist') return 'none';
  return 'one';
}

/** One row of the editor; `operand` is the text box: values one per line, or the single value. */
export interface ConditionRow {
  key: string;
  operator: string;
  operand: string;
}

export function emptyRow(): ConditionRow {
  return { key: '', operator: 'In', operand: '' };
}

export function rowsFromConditions(conditions: readonly Condition[]): ConditionRow[] {
  return conditions.map((c) => ({
    key: c.key,
    operator: c.operator,
    operand: operandKind(c.operator) === 'list' ? (c.values ?? []).join('\n') : (c.value ?? ''),
  }));
}

export function conditionsFromRows(rows: readonly ConditionRow[]): Condition[] {
  return rows.map((r) => {
    const kind = operandKind(r.operator);
    const key = r.key.trim();
    if (kind === 'list') return { key, operator: r.operator, values: lines(r.operand) };
    if (kind === 'one') return { key, operator: r.operator, value: r.operand };
    return { key, operator: r.operator };
  });
}

/** Changing the operator keeps what was typed when it still fits, and clears it when it cannot. */
export function withOperator(row: ConditionRow, operator: string): ConditionRow {
  const from = operandKind(row.operator);
  const to = operandKind(operator);
  if (to === 'none') return { ...row, operator, operand: '' };
  if (from === 'list' && to === 'one') return { ...row, operator, operand: lines(row.operand)[0] ?? '' };
  return { ...row, operator };
}

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks the rows as the server will, keyed `<prefix>[i].key|values|value`. */
export function validateConditions(rows: readonly ConditionRow[], prefix = 'conditions'): FieldErrors {
  const errors: FieldErrors = {};
  rows.forEach((r, i) => {
    const at = `${prefix}[${i}]`;
    const key = r.key.trim();
    if (key === '') errors[`${at}.key`] = 'enter a label name';
    else if (!LABEL_NAME.test(key)) errors[`${at}.key`] = 'a label name has letters, digits and _ and does not start with a digit';
    const kind = operandKind(r.operator);
    if (kind === 'list' && lines(r.operand).length === 0) errors[`${at}.values`] = 'enter at least one value, one per line';
    if (kind === 'one' && r.operand === '') errors[`${at}.value`] = 'enter a value';
    if (kind === 'one' && r.operator !== '=' && r.operator !== '!=' && r.operand !== '') {
      const problem = regexProblem(r.operand);
      if (problem) errors[`${at}.value`] = `invalid regular expression: ${problem}`;
    }
  });
  return errors;
}

/**
 * The browser's RegExp is not RE2, but both refuse unbalanced groups and the like; the server
 * compiles with RE2 and has the last word (lookarounds pass here and fail there).
 */
function regexProblem(pattern: string): string | null {
  try {
    new RegExp(`^(?:${pattern})$`);
    return null;
  } catch (error) {
    return (error as Error).message.replace(/^Invalid regular expression: /, '');
  }
}

/** The field key of a row's operand, for showing errors beside it. */
export function operandField(prefix: string, i: number, operator: string): string {
  return `${prefix}[${i}].${operandKind(operator) === 'list' ? 'values' : 'value'}`;
}
