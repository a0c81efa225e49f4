import type { AlertRow } from '../store/tables.js';
import { alertSeries, chartTarget, chartWindow, firstCrossing, queryRange, type PrometheusContext, type PrometheusOptions, type Series } from './prometheus.js';

/**
 * The Prometheus step of a group: each distinct expression is queried once (a group of 100
 * alerts of one rule is one query), then every alert takes its own series out of the answer.
 */
export interface MetricMember {
  row: AlertRow;
  labels: Record<string, string>;
  startsAt: number;
}

export async function metricContexts(members: readonly MetricMember[], options: PrometheusOptions & { maxQueries: number }, now: number): Promise<Map<string, PrometheusContext>> {
  const byQuery = new Map<string, { baseUrl: string; members: MetricMember[]; chart: NonNullable<ReturnType<typeof chartTarget>>['chart'] }>();
  for (const m of members) {
    const target = chartTarget(m.row.generator_url, options);
    if (!target) continue;
    const key = `${target.baseUrl}\u0000${target.chart.query}`;
    const entry = byQuery.get(key) ?? { baseUrl: target.baseUrl, chart: target.chart, members: [] };
    entry.members.push(m);
    byQuery.set(key, entry);
  }
  const out = new Map<string, PrometheusContext>();
  const queries = [...byQuery.values()];
  await Promise.all(
    queries.map(async (q, i) => {
      if (i >= options.maxQueries) {
        for (const m of q.members) out.set(m.row.fingerprint, { state: 'failed', expr: q.chart.expr, baseUrl: q.baseUrl, error: `not queried: the group has more than ${options.maxQueries} distinct expressions` });
        return;
      }
      const earliest = Math.min(...q.members.map((m) => m.startsAt));
      const latestEnd = q.members.some((m) => m.row.ends_at === null) ? null : Math.max(...q.members.map((m) => m.row.ends_at ?? now));
      const window = chartWindow(earliest, latestEnd, now, options.lookbackMs);
      let series: Series[];
      try {
        series = await queryRange(q.baseUrl, q.chart.query, window, options);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        for (const m of q.members) out.set(m.row.fingerprint, { state: 'failed', expr: q.chart.expr, baseUrl: q.baseUrl, error: message });
        return;
      }
      for (const m of q.members) {
        const mine = alertSeries(series, m.labels);
        const first = mine.series[0];
        out.set(m.row.fingerprint, {
          state: 'ok',
          ...q.chart,
          baseUrl: q.baseUrl,
          ...window,
          series: mine.series,
          unmatched: mine.unmatched,
          current: first?.points[first.points.length - 1]?.[1] ?? null,
          crossedAt: firstCrossing(first, q.chart),
        });
      }
    }),
  );
  return out;
}
