/**
 * What the chart queries: the alert's expression from its generatorURL (`g0.expr`, as
 * Prometheus writes it) and, when the expression is `<value> <comparison> <number>`, the value
 * side and the threshold, so the chart shows the measured value against its limit instead of
 * only the series that crossed it.
 */
export interface ChartQuery {
  /** The alert's expression as written in the rule. */
  expr: string;
  /** What is queried: the left side of a top-level comparison with a number, else `expr`. */
  query: string;
  threshold: number | null;
  comparison: string | null;
}

export interface GeneratorSource {
  /** Prometheus base URL, e.g. http://prometheus:9090 or https://host/prometheus. */
  baseUrl: string;
  expr: string;
}

/** The Prometheus base URL and expression of a Prometheus generatorURL; null for other senders. */
export function parseGeneratorUrl(generatorUrl: string): GeneratorSource | null {
  let url: URL;
  try {
    url = new URL(generatorUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const expr = url.searchParams.get('g0.expr');
  if (!expr) return null;
  const at = url.pathname.lastIndexOf('/graph');
  const path = at >= 0 ? url.pathname.slice(0, at) : '';
  return { baseUrl: `${url.origin}${path}`, expr };
}

const COMPARISONS = ['==', '!=', '>=', '<=', '>', '<'] as const;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/** Splits `lhs OP [bool] number` at its top level; anything else is queried whole. */
export function chartQuery(expr: string): ChartQuery {
  const split = topLevelComparison(expr);
  if (!split) return { expr, query: expr.trim(), threshold: null, comparison: null };
  const rhs = expr.slice(split.end).trim().replace(/^bool\s+/, '');
  const lhs = expr.slice(0, split.start).trim();
  if (!NUMBER.test(rhs) || lhs === '') return { expr, query: expr.trim(), threshold: null, comparison: null };
  return { expr, query: lhs, threshold: Number(rhs), comparison: split.op };
}

/** The last comparison operator outside brackets, braces, parentheses and strings. */
function topLevelComparison(expr: string): { start: number; end: number; op: string } | null {
  let depth = 0;
  let quote: string | null = null;
  let found: { start: number; end: number; op: string } | null = null;
  let topLevel = '';
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
    else if (depth === 0) {
      topLevel += c;
      const op = COMPARISONS.find((o) => expr.startsWith(o, i));
      if (op) {
        found = { start: i, end: i + op.length, op };
        i += op.length - 1;
      }
    }
  }
  // `a > 1 and b > 2`: a set operation of two conditions has no single value to chart.
  return /\b(and|or|unless)\b/i.test(topLevel) ? null : found;
}
