import { getAlert, listOccurrences } from '../store/alerts.js';
import type { Store } from '../store/database.js';
import { listReports } from '../store/reports.js';
import type { HistoryFacts } from './history.js';

export type ReportViewState = 'processing' | 'complete' | 'partial' | 'failed';

export interface ReportLinks {
  source: string | null;
  runbook: string | null;
  dashboard: string | null;
  panel: string | null;
  silence: string | null;
}

/** Everything a report shows, shared by the HTML page and the JSON API. Times are epoch ms. */
export interface ReportView {
  fingerprint: string;
  alertName: string;
  namespace: string;
  state: ReportViewState;
  error: string | null;
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
  occurrences: { startsAt: number; endsAt: number | null; status: string; receivedCount: number }[];
  earlier: { startsAt: number; state: string; facts: HistoryFacts | null }[];
}

interface StoredContent {
  facts?: HistoryFacts;
  generatedAt?: number;
  error?: string;
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

export async function loadReportView(store: Store, fingerprint: string): Promise<ReportView | null> {
  const alert = await getAlert(store, fingerprint);
  if (!alert) return null;
  const [occurrences, reports] = await Promise.all([listOccurrences(store, fingerprint, 100), listReports(store, fingerprint, 50)]);
  const labels = JSON.parse(alert.labels) as Record<string, string>;
  const annotations = JSON.parse(alert.annotations) as Record<string, string>;
  const extra = JSON.parse(alert.extra) as Record<string, string | undefined>;
  const current = reports.find((r) => r.starts_at === alert.starts_at);
  const content = current ? (JSON.parse(current.content) as StoredContent) : null;
  return {
    fingerprint,
    alertName: alert.alertname,
    namespace: labels.namespace || 'Unknown',
    state: current ? (current.state as ReportViewState) : 'processing',
    error: content?.error ?? null,
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
      dashboard: safeLink(extra.dashboardURL),
      panel: safeLink(extra.panelURL),
      silence: safeLink(extra.silenceURL),
    },
    facts: content?.facts ?? null,
    generatedAt: content?.generatedAt ?? null,
    occurrences: occurrences.map((o) => ({ startsAt: o.starts_at, endsAt: o.ends_at, status: o.status, receivedCount: o.received_count })),
    earlier: reports
      .filter((r) => r.starts_at !== alert.starts_at)
      .map((r) => ({ startsAt: r.starts_at, state: r.state, facts: (JSON.parse(r.content) as StoredContent).facts ?? null })),
  };
}
