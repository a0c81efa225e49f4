import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { loadUndici } from '../lazy-modules.js';
import { chartQuery, parseGeneratorUrl, type ChartQuery } from './promql.js';

/** One series of a range query: its labels and [epoch ms, value] points (NaN and ±Inf dropped). */
export interface Series {
  labels: Record<string, string>;
  points: [number, number][];
}

/** The chart's data as a report stores it. */
export interface PrometheusData extends ChartQuery {
  state: 'ok';
  /** Where it was asked, without credentials, so the reader can open it. */
  baseUrl: string;
  start: number;
  end: number;
  stepSeconds: number;
  /** The alert's own series first; at most MAX_SERIES. */
  series: Series[];
  /** True when no series carries the alert's labels (the expression aggregates them away). */
  unmatched: boolean;
  current: number | null;
  /** The first moment in range where the value met the threshold, as the rule compares it. */
  crossedAt: number | null;
}

export type PrometheusContext = PrometheusData | { state: 'failed'; expr: string; baseUrl: string; error: string };

const MatrixResponse = Type.Object({
  status: Type.Literal('success'),
  data: Type.Object({
    resultType: Type.Literal('matrix'),
    result: Type.Array(
      Type.Object({
        metric: Type.Record(Type.String(), Type.String()),
        values: Type.Array(Type.Tuple([Type.Number(), Type.String()])),
      }),
    ),
  }),
});
type MatrixResponse = Static<typeof MatrixResponse>;

const ErrorResponse = Type.Object({ status: Type.Literal('error'), error: Type.String() });

export const MAX_SERIES = 5;
/** About 120 points per chart: enough for a line, small enough to store with every report. */
const TARGET_POINTS = 120;

export interface PrometheusOptions {
  /** Configured base URL; '' = use the generatorURL's when `useGeneratorUrl`. */
  url: string;
  useGeneratorUrl: boolean;
  timeoutMs: number;
  lookbackMs: number;
  bearerToken: string;
}

/** Where and what to ask for an alert, or null when there is nothing to chart. */
export function chartTarget(generatorUrl: string, options: Pick<PrometheusOptions, 'url' | 'useGeneratorUrl'>): { baseUrl: string; chart: ChartQuery } | null {
  const source = parseGeneratorUrl(generatorUrl);
  if (!source) return null;
  const baseUrl = options.url ? options.url.replace(/\/+$/, '') : options.useGeneratorUrl ? source.baseUrl : '';
  return baseUrl ? { baseUrl, chart: chartQuery(source.expr) } : null;
}

/** The time window of an alert's chart: the lookback before it started, until it ended or now. */
export function chartWindow(startsAt: number, endsAt: number | null, now: number, lookbackMs: number): { start: number; end: number; stepSeconds: number } {
  const start = startsAt - lookbackMs;
  const end = Math.max(startsAt + 60_000, Math.min(now, endsAt ?? now));
  const stepSeconds = Math.max(15, Math.ceil((end - start) / 1000 / TARGET_POINTS));
  return { start, end, stepSeconds };
}

/** Runs one query_range; throws an Error whose message says what went wrong, for the report. */
export async function queryRange(
  baseUrl: string,
  query: string,
  window: { start: number; end: number; stepSeconds: number },
  options: Pick<PrometheusOptions, 'timeoutMs' | 'bearerToken'>,
): Promise<Series[]> {
  const params = new URLSearchParams({
    query,
    start: String(window.start / 1000),
    end: String(window.end / 1000),
    step: String(window.stepSeconds),
  });
  // undici is imported on first use, not at start: memory at idle.
  const { request } = await loadUndici();
  const response = await request(`${baseUrl}/api/v1/query_range?${params}`, {
    method: 'GET',
    headers: { accept: 'application/json', ...(options.bearerToken ? { authorization: `Bearer ${options.bearerToken}` } : {}) },
    signal: AbortSignal.timeout(options.timeoutMs),
  }).catch((error: unknown) => {
    throw new Error(`Prometheus at ${baseUrl} is unreachable: ${describe(error)}`);
  });
  const text = await response.body.text();
  const body = parseJson(text);
  if (Value.Check(ErrorResponse, body)) throw new Error(`Prometheus refused the query (HTTP ${response.statusCode}): ${body.error}`);
  if (response.statusCode !== 200) throw new Error(`Prometheus answered HTTP ${response.statusCode}`);
  if (!Value.Check(MatrixResponse, body)) throw new Error('Prometheus answered something other than a range-query matrix');
  return toSeries(body);
}

function toSeries(body: MatrixResponse): Series[] {
  return body.data.result.map((r) => ({
    labels: r.metric,
    points: r.values.map(([t, v]) => [Math.round(t * 1000), Number(v)] as [number, number]).filter(([, v]) => Number.isFinite(v)),
  }));
}

/** The series that can be the alert's: every label they share with the alert has its value. */
export function alertSeries(all: readonly Series[], labels: Record<string, string>): { series: Series[]; unmatched: boolean } {
  const scored = all
    .map((s) => {
      let shared = 0;
      for (const [k, v] of Object.entries(s.labels)) {
        if (k === '__name__' || labels[k] === undefined) continue;
        if (labels[k] !== v) return null;
        shared++;
      }
      return { s, shared };
    })
    .filter((x): x is { s: Series; shared: number } => x !== null)
    .sort((a, b) => b.shared - a.shared);
  if (scored.length === 0) return { series: all.slice(0, MAX_SERIES), unmatched: all.length > 0 };
  return { series: scored.slice(0, MAX_SERIES).map((x) => x.s), unmatched: false };
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

/** The first point of the series where `value OP threshold` held, scanning from the start. */
export function firstCrossing(series: Series | undefined, chart: ChartQuery): number | null {
  if (!series || chart.threshold === null || chart.comparison === null) return null;
  const test = COMPARE[chart.comparison];
  if (!test) return null;
  const threshold = chart.threshold;
  return series.points.find(([, v]) => test(v, threshold))?.[0] ?? null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
