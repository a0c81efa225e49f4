import type { AlertFindings, GroupSummary } from './builtin.js';
import type { HistoryFacts } from './history.js';
import type { KubeContext } from './kubernetes-context.js';
import type { LlmOutcome } from './llm.js';
import type { PrometheusContext } from './prometheus.js';

/**
 * What the store keeps: per alert and episode, its view of the group analysis (`reports`);
 * per group, what was computed once for all its alerts (`analyses`). Version 1 reports (the
 * first analysis) held only `facts`; readers accept both.
 */
export type SourceName = 'built-in' | 'prometheus' | 'llm' | 'kubernetes';
export type SourceState = 'ok' | 'failed' | 'skipped' | 'disabled' | 'not-applicable';

export interface SourceStatus {
  name: SourceName;
  state: SourceState;
  detail: string | null;
}

export interface ReportContent extends Partial<Omit<AlertFindings, 'facts' | 'fingerprint'>> {
  version?: 2;
  facts?: HistoryFacts;
  generatedAt?: number;
  analysisId?: string;
  groupKey?: string;
  externalURL?: string;
  prometheus?: PrometheusContext | null;
  kubernetes?: KubeContext | null;
  sources?: SourceStatus[];
  error?: string;
}

export interface AnalysisContent {
  version: 2;
  generatedAt: number;
  groupKey: string;
  summary: GroupSummary;
  llm: LlmOutcome;
  members: { fingerprint: string; alertname: string }[];
}

/** A source that was asked and did not deliver makes the report partial. */
export function isPartial(sources: readonly SourceStatus[]): boolean {
  return sources.some((s) => s.state === 'failed' || s.state === 'skipped');
}
