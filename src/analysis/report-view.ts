import { alertDetails, getAlert, listOccurrences } from '../store/alerts.js';
import type { Store } from '../store/database.js';
import { hasUnappliedNotifications } from '../store/ingest.js';
import { getAnalyses, listReports, type AnalysisRow, type ReportListRow, type ReportWithAnalysis } from '../store/reports.js';
import type { AlertFindings, GroupSummary } from './builtin.js';
import type { HistoryFacts } from './history.js';
import type { KubeContext } from './kubernetes-context.js';
import type { LlmOutcome } from './llm.js';
import type { PrometheusContext } from './prometheus.js';
import type { AnalysisContent, ReportContent, SourceStatus } from './report-content.js';

export type ReportViewState = 'processing' | 'complete' | 'partial' | 'failed';

export interface ReportLinks {
  source: string | null;
  runbook: string | null;
  dashboard: string | null;
  panel: string | null;
  silence: string | null;
}

/** One episode's analysis as the page, the JSON and the Markdown show it. */
export interface AnalysisView {
  startsAt: number;
  state: string;
  generatedAt: number | null;
  error: string | null;
  target: AlertFindings['target'];
  findings: AlertFindings['findings'];
  changes: AlertFindings['changes'];
  widespread: AlertFindings['widespread'] | null;
  correlated: AlertFindings['correlated'];
  knowledge: AlertFindings['knowledge'];
  value: string | null;
  prometheus: PrometheusContext | null;
  kubernetes: KubeContext | null;
  sources: SourceStatus[];
  group: (GroupSummary & { id: string; groupKey: string }) | null;
  llm: LlmOutcome | null;
}

/** Everything a report shows, shared by the HTML page and the JSON API. Times are epoch ms. */
export interface ReportView {
  fingerprint: string;
  alertName: string;
  namespace: string;
  state: ReportViewState;
  error: string | null;
  /** Why there is no analysis, when there is none and none is coming. */
  note: string | null;
  alert: {
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: number;
    endsAt: number | null;
    source: string;
    firstSeen: number;
    lastSeen: number;
    receivedCount: number;
    occurrenceCount: number;
  };
  links: ReportLinks;
  facts: HistoryFacts | null;
  generatedAt: number | null;
  analysis: AnalysisView | null;
  occurrences: { startsAt: number; endsAt: number | null; status: string; receivedCount: number }[];
  earlier: { startsAt: number; state: string; facts: HistoryFacts | null; analysis: AnalysisView }[];
}

/** Only absolute http(s) URLs become links; anything else (javascript:, data:) is dropped. */
export function safeLink(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}

/** Alertmanager's "new silence" page, pre-filled with the alert's labels as matchers. */
export function silenceLink(externalURL: string | undefined, labels: Record<string, string>): string | null {
  if (!externalURL || !safeLink(externalURL)) return null;
  const matchers = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${(labels[k] ?? '').replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
    .join(',');
  return safeLink(`${externalURL.replace(/\/+$/, '')}/#/silences/new?filter=${encodeURIComponent(`{${matchers}}`)}`);
}

/**
 * For an alert not found: 'pending' while acknowledged notifications wait to be applied (it may
 * be among them), else a second look, since it may have been applied since the first one.
 */
export async function reportOnceApplied(store: Store, fingerprint: string): Promise<ReportView | 'pending' | null> {
  if (await hasUnappliedNotifications(store)) return 'pending';
  return loadReportView(store, fingerprint);
}

export async function loadReportView(store: Store, fingerprint: string): Promise<ReportView | null> {
  const alert = await getAlert(store, fingerprint);
  if (!alert) return null;
  const [occurrences, reports] = await Promise.all([listOccurrences(store, fingerprint, 100), listReports(store, fingerprint, 50)]);
  const analyses = await getAnalyses(store, reports.map((r) => r.analysis_id).filter((id): id is string => id !== null));
  const { labels, annotations, extra } = alertDetails(alert);
  const views = reports.map((r) => analysisView(r, analyses));
  const currentIndex = reports.findIndex((r) => r.starts_at === alert.starts_at);
  const current = views[currentIndex] ?? null;
  const pending = !current && alert.status === 'firing';
  return {
    fingerprint,
    alertName: alert.alertname,
    namespace: labels.namespace || 'Unknown',
    state: current ? (current.state as ReportViewState) : pending ? 'processing' : 'complete',
    error: current?.error ?? null,
    note: current || pending ? null : 'This episode resolved before it was analysed; resolved notifications do not start an analysis.',
    alert: {
      status: alert.status,
      labels,
      annotations,
      startsAt: alert.starts_at,
      endsAt: alert.ends_at,
      source: alert.source,
      firstSeen: alert.first_seen,
      lastSeen: alert.last_seen,
      receivedCount: alert.received_count,
      occurrenceCount: alert.occurrence_count,
    },
    links: {
      source: safeLink(alert.generator_url),
      runbook: safeLink(annotations.runbook_url ?? annotations.runbook),
      dashboard: safeLink(extra.dashboardURL ?? annotations.dashboard_url ?? annotations.dashboard),
      panel: safeLink(extra.panelURL),
      silence: safeLink(extra.silenceURL) ?? silenceLink(contentOf(reports[currentIndex] ?? reports[0])?.externalURL, labels),
    },
    facts: currentIndex >= 0 ? (contentOf(reports[currentIndex])?.facts ?? null) : null,
    generatedAt: current?.generatedAt ?? null,
    analysis: current,
    occurrences: occurrences.map((o) => ({ startsAt: o.starts_at, endsAt: o.ends_at, status: o.status, receivedCount: o.received_count })),
    earlier: reports
      .map((r, i) => ({ r, view: views[i] as AnalysisView }))
      .filter(({ r }) => r.starts_at !== alert.starts_at)
      .map(({ r, view }) => ({ startsAt: r.starts_at, state: r.state, facts: contentOf(r)?.facts ?? null, analysis: view })),
  };
}

function contentOf(row: ReportWithAnalysis | undefined): ReportContent | null {
  return row ? (JSON.parse(row.content) as ReportContent) : null;
}

function analysisView(row: ReportWithAnalysis, analyses: Map<string, AnalysisRow>): AnalysisView {
  const c = JSON.parse(row.content) as ReportContent;
  const groupRow = row.analysis_id ? analyses.get(row.analysis_id) : undefined;
  const group = groupRow ? (JSON.parse(groupRow.content) as AnalysisContent) : null;
  return {
    startsAt: row.starts_at,
    state: row.state,
    generatedAt: c.generatedAt ?? null,
    error: c.error ?? null,
    target: c.target ?? [],
    findings: c.findings ?? [],
    changes: c.changes ?? null,
    widespread: c.widespread ?? null,
    correlated: c.correlated ?? [],
    knowledge: c.knowledge ?? null,
    value: c.snapshot?.value ?? null,
    prometheus: c.prometheus ?? null,
    kubernetes: c.kubernetes ?? null,
    sources: c.sources ?? [],
    group: group && groupRow ? { ...group.summary, id: groupRow.id, groupKey: group.groupKey } : null,
    llm: group?.llm ?? null,
  };
}

/** One line of a report list, shared by the /reports page and the JSON API. Times are epoch ms. */
export function reportListItem(row: ReportListRow) {
  const { labels, annotations } = alertDetails(row);
  return {
    fingerprint: row.fingerprint,
    alertName: row.alertname,
    namespace: row.namespace ?? 'Unknown',
    instance: row.instance,
    severity: labels.severity ?? null,
    summary: annotations.summary ?? null,
    status: row.status,
    state: row.state,
    startsAt: row.starts_at,
    analysedAt: row.updated_at,
  };
}

export type ReportListItem = ReturnType<typeof reportListItem>;
