import type { Series } from './prometheus.js';

/**
 * The geometry of a report's chart, computed here so the page only writes SVG elements: lines
 * in a fixed viewBox, the moment the alert started, the rule's threshold, and axis labels.
 */
export interface ChartGeometry {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  lines: { d: string; label: string }[];
  marker: { x: number; label: string } | null;
  threshold: { y: number; label: string } | null;
  yTicks: { y: number; label: string }[];
  xTicks: { x: number; label: string }[];
}

const WIDTH = 640;
const HEIGHT = 220;
const PLOT = { left: 56, top: 10, right: WIDTH - 10, bottom: HEIGHT - 24 };

export function chartGeometry(input: { series: readonly Series[]; start: number; end: number; threshold: number | null; markAt: number }): ChartGeometry | null {
  const values = input.series.flatMap((s) => s.points.map(([, v]) => v));
  if (values.length === 0) return null;
  if (input.threshold !== null) values.push(input.threshold);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    lo -= Math.abs(lo) * 0.1 || 1;
    hi += Math.abs(hi) * 0.1 || 1;
  }
  const span = input.end - input.start || 1;
  const x = (t: number) => round(PLOT.left + ((t - input.start) / span) * (PLOT.right - PLOT.left));
  const y = (v: number) => round(PLOT.bottom - ((v - lo) / (hi - lo)) * (PLOT.bottom - PLOT.top));
  return {
    width: WIDTH,
    height: HEIGHT,
    plot: PLOT,
    lines: input.series.map((s) => ({ d: path(s.points, x, y), label: seriesLabel(s.labels) })),
    marker: input.markAt >= input.start && input.markAt <= input.end ? { x: x(input.markAt), label: 'alert started' } : null,
    threshold: input.threshold === null ? null : { y: y(input.threshold), label: `threshold ${formatValue(input.threshold)}` },
    yTicks: [lo, (lo + hi) / 2, hi].map((v) => ({ y: y(v), label: formatValue(v) })),
    xTicks: [input.start, input.start + span / 2, input.end].map((t) => ({ x: x(t), label: new Date(t).toISOString().slice(11, 16) })),
  };
}

/** A gap longer than three steps breaks the line, so a missing scrape is not drawn as a slope. */
function path(points: readonly [number, number][], x: (t: number) => number, y: (v: number) => number): string {
  const steps = points.slice(1).map(([t], i) => t - (points[i]?.[0] ?? t));
  const step = steps.length ? Math.min(...steps) : 0;
  let d = '';
  let prev: number | null = null;
  for (const [t, v] of points) {
    const move = prev === null || (step > 0 && t - prev > step * 3);
    d += `${move ? 'M' : 'L'}${x(t)} ${y(v)}`;
    prev = t;
  }
  return d;
}

export function seriesLabel(labels: Record<string, string>): string {
  const parts = Object.entries(labels)
    .filter(([k]) => k !== '__name__')
    .map(([k, v]) => `${k}="${v}"`);
  return `${labels.__name__ ?? ''}{${parts.join(', ')}}`;
}

/** Three significant digits, with k/M/G for large values: enough to read a chart. */
export function formatValue(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (abs >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  return String(+v.toPrecision(3));
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
