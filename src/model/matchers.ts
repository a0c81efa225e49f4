import { Type, type Static } from '@sinclair/typebox';
import { RE2JS } from 're2js';

/**
 * Label conditions, with KubeSphere's operators (In, NotIn, Exists, DoesNotExist), a regex
 * Match, and Alertmanager's matchers (=, !=, =~, !~). Regexes use Go's RE2 syntax and run in
 * linear time; like Alertmanager's, they are anchored at both ends.
 */
export const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Match', '=', '!=', '=~', '!~'] as const;
export type Operator = (typeof OPERATORS)[number];

export const ConditionSchema = Type.Object(
  {
    key: Type.String({ minLength: 1 }),
    operator: Type.Union(OPERATORS.map((o) => Type.Literal(o))),
    values: Type.Optional(Type.Array(Type.String())),
    value: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type Condition = Static<typeof ConditionSchema>;

export interface ConditionIssue {
  field: string;
  message: string;
}

/** What an operator needs: a list (In/NotIn), one value (= != =~ !~ Match), or nothing. */
function needs(operator: Operator): 'values' | 'value' | 'nothing' {
  if (operator === 'In' || operator === 'NotIn') return 'values';
  if (operator === 'Exists' || operator === 'DoesNotExist') return 'nothing';
  return 'value';
}

function isRegex(operator: Operator): boolean {
  return operator === '=~' || operator === '!~' || operator === 'Match';
}

function compileAnchored(pattern: string): RE2JS {
  return RE2JS.compile(`^(?:${pattern})$`);
}

/** Checks conditions beyond their shape: operands present, regexes valid. `field` prefixes paths. */
export function checkConditions(conditions: readonly Condition[], field: string): ConditionIssue[] {
  const issues: ConditionIssue[] = [];
  conditions.forEach((c, i) => {
    const at = `${field}[${i}]`;
    const need = needs(c.operator);
    if (need === 'values' && (!c.values || c.values.length === 0)) {
      issues.push({ field: `${at}.values`, message: `operator ${c.operator} needs at least one value` });
    }
    if (need === 'value' && c.value === undefined) {
      issues.push({ field: `${at}.value`, message: `operator ${c.operator} needs a value` });
    }
    if (isRegex(c.operator) && c.value !== undefined) {
      try {
        compileAnchored(c.value);
      } catch (error) {
        issues.push({ field: `${at}.value`, message: `invalid regular expression: ${(error as Error).message}` });
      }
    }
  });
  return issues;
}

/** A compiled set of conditions: all must hold; none means everything matches. */
export class LabelMatcher {
  private readonly tests: ((labels: Readonly<Record<string, string>>) => boolean)[];

  constructor(readonly conditions: readonly Condition[]) {
    this.tests = conditions.map(compileCondition);
  }

  matches(labels: Readonly<Record<string, string>>): boolean {
    return this.tests.every((t) => t(labels));
  }

  /** The first condition a label set fails, in words, for "skipped" answers. */
  explainMismatch(labels: Readonly<Record<string, string>>): string | null {
    const i = this.tests.findIndex((t) => !t(labels));
    return i < 0 ? null : describeCondition(this.conditions[i] as Condition);
  }
}

function compileCondition(c: Condition): (labels: Readonly<Record<string, string>>) => boolean {
  const value = c.value ?? '';
  const values = new Set(c.values ?? []);
  const has = (l: Readonly<Record<string, string>>) => Object.hasOwn(l, c.key) && l[c.key] !== '';
  // Alertmanager treats a missing label as the empty string.
  const get = (l: Readonly<Record<string, string>>) => (Object.hasOwn(l, c.key) ? (l[c.key] ?? '') : '');
  switch (c.operator) {
    case 'In':
      return (l) => has(l) && values.has(get(l));
    case 'NotIn':
      return (l) => !values.has(get(l));
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return (l) => !has(l);
    case '=':
      return (l) => get(l) === value;
    case '!=':
      return (l) => get(l) !== value;
    case '=~':
    case 'Match': {
      const re = compileAnchored(value);
      return (l) => re.matches(get(l));
    }
    case '!~': {
      const re = compileAnchored(value);
      return (l) => !re.matches(get(l));
    }
  }
}

export function describeCondition(c: Condition): string {
  switch (needs(c.operator)) {
    case 'values':
      return `${c.key} ${c.operator} [${(c.values ?? []).join(', ')}]`;
    case 'nothing':
      return `${c.key} ${c.operator}`;
    default:
      return `${c.key}${c.operator.length <= 2 ? '' : ' '}${c.operator}${c.operator.length <= 2 ? '' : ' '}"${c.value ?? ''}"`;
  }
}

/**
 * Parses Alertmanager's matcher syntax (`severity=~"critical|warning"`, `team!=ops`) into a
 * condition, so alertmanager.yml habits carry over.
 */
export function parseMatcher(text: string): Condition {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(text);
  if (!m) throw new Error(`cannot parse matcher ${JSON.stringify(text)}: expected name, an operator (= != =~ !~) and a value`);
  const [, key, operator, raw] = m as unknown as [string, string, Operator, string];
  const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  return { key, operator, value };
}
