import type { AlertFindings, GroupSummary } from './builtin.js';
import type { KubeContext } from './kubernetes-context.js';
import { OUTPUT_CONTRACT } from './llm-output.js';
import type { PrometheusContext } from './prometheus.js';
import type { Redactor } from './redact.js';

/** What the LLM is told about a group: the built-in findings, chart summaries, related alerts. */
export interface PromptAlert {
  findings: AlertFindings;
  startsAt: number;
  prometheus: PrometheusContext | null;
  kubernetes: KubeContext | null;
}

const MAX_ALERTS = 15;
const MAX_LOG_LINES = 40;

const SYSTEM = `You are an on-call assistant. You receive an alert group that alertwire has already analysed: the alerts, what the history and related alerts show, a summary of the alert's metric, and sometimes Kubernetes status, events and logs.
Write for the person who was just paged. Quote exact names, numbers and times from the input; never invent a metric, log line or resource that is not in it.
Mark a root cause "certain" only when the input shows it directly, and list the evidence (the exact facts from the input) it rests on; otherwise mark it "possible".
Answer with one JSON object and nothing else, exactly of this shape; a section that does not apply is null:
${OUTPUT_CONTRACT}`;

export function buildPrompt(group: GroupSummary, alerts: readonly PromptAlert[], redactor: Redactor): { system: string; user: string } {
  const input = {
    group: {
      alerts: group.alertCount,
      alertnames: group.alertnames,
      commonLabels: group.commonLabels,
      probableOrigin: group.origin,
      relatedAlertsOutsideTheGroup: group.relatedOutside,
    },
    alerts: alerts.slice(0, MAX_ALERTS).map(describeAlert),
    ...(alerts.length > MAX_ALERTS ? { omitted: alerts.length - MAX_ALERTS } : {}),
  };
  return { system: SYSTEM, user: redactor.redact(JSON.stringify(input, null, 1)) };
}

function describeAlert(a: PromptAlert) {
  const f = a.findings;
  return {
    labels: f.snapshot.labels,
    annotations: f.snapshot.annotations,
    value: f.snapshot.value,
    startsAt: new Date(a.startsAt).toISOString(),
    findings: f.findings.map((x) => x.text),
    correlated: f.correlated.slice(0, 8).map((r) => ({ alertname: r.alertname, shared: r.shared, startsAt: new Date(r.startsAt).toISOString() })),
    sameAlertOnOtherTargets: f.widespread.targets - 1,
    knowledgeBase: f.knowledge ? { summary: f.knowledge.summary, usualCauses: f.knowledge.causes, layer: f.knowledge.layer } : null,
    metric: a.prometheus ? chartSummary(a.prometheus) : null,
    kubernetes: a.kubernetes ? kubeSummary(a.kubernetes) : null,
  };
}

/** The chart in numbers: the model gets the shape of the curve, not 120 points. */
export function chartSummary(p: PrometheusContext) {
  if (p.state === 'failed') return { unavailable: p.error };
  const first = p.series[0];
  const values = first?.points.map(([, v]) => v) ?? [];
  const before = first?.points.filter(([t]) => t < p.start + (p.end - p.start) / 2).map(([, v]) => v) ?? [];
  const round = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? null : +n.toPrecision(4));
  return {
    query: p.query,
    threshold: p.threshold,
    comparison: p.comparison,
    series: p.series.length,
    min: round(Math.min(...values)),
    max: round(Math.max(...values)),
    mean: round(values.reduce((s, v) => s + v, 0) / (values.length || 1)),
    firstValue: round(values[0]),
    current: round(p.current ?? undefined),
    meanEarlierHalf: round(before.reduce((s, v) => s + v, 0) / (before.length || 1)),
    crossedAt: p.crossedAt === null ? null : new Date(p.crossedAt).toISOString(),
  };
}

function kubeSummary(k: KubeContext) {
  if (k.state === 'failed') return { unavailable: k.error };
  return {
    pod: `${k.namespace}/${k.pod}`,
    phase: k.phase,
    node: k.node,
    deployment: k.deployment,
    containers: k.containers,
    events: k.events.slice(0, 10).map((e) => `${e.type} ${e.reason} x${e.count}: ${e.message}`),
    logTail: k.logs ? k.logs.lines.slice(-MAX_LOG_LINES) : null,
  };
}
