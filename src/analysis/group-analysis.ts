import type { Store } from '../store/database.js';
import { loadAnalysisInputs, type AnalysisInputs, type NewAnalysis, type NewReport, type ReportState } from '../store/reports.js';
import type { AlertRow } from '../store/tables.js';
import { analyzeGroup, prepareFiring, type AlertFindings, type GroupAnalysis, type PreparedFiring } from './builtin.js';
import type { Snapshot } from './changes.js';
import type { KnowledgeBase } from './knowledge-base.js';
import type { KubeContext, KubernetesReader } from './kubernetes-context.js';
import { nextTurn } from '../jobs/turn.js';
import type { LlmAnalyst, LlmOutcome } from './llm.js';
import { buildPrompt } from './llm-prompt.js';
import { metricContexts } from './metric-context.js';
import type { PrometheusContext, PrometheusOptions } from './prometheus.js';
import type { Redactor } from './redact.js';
import { isPartial, type AnalysisContent, type ReportContent, type SourceStatus } from './report-content.js';

/** One alert group to analyse: the firing alerts of one notification, each at its episode. */
export interface GroupRequest {
  id: string;
  groupKey: string;
  externalURL: string;
  alerts: { fingerprint: string; startsAt: number }[];
}

export interface AnalysisDeps {
  store: Store;
  kb: KnowledgeBase;
  prometheus: (PrometheusOptions & { maxQueries: number }) | null;
  llm: LlmAnalyst;
  kubernetes: KubernetesReader | null;
  redactor: Redactor;
}

export type GroupResult = { ok: true; analysis: NewAnalysis; reports: NewReport[] } | { ok: false; error: string };

const OCCURRENCES_PER_ALERT = 200;
const FIRING_LIMIT = 2000;
/** Pods read per group: a storm of 100 crash-looping pods needs a few examples, not 100 log tails. */
const MAX_PODS_PER_GROUP = 5;

/** Analyses a batch of groups; the store is read once for all of them. */
export async function analyzeGroups(deps: AnalysisDeps, groups: readonly GroupRequest[], now: number): Promise<GroupResult[]> {
  const inputs = await loadAnalysisInputs(
    deps.store,
    groups.flatMap((g) => g.alerts.map((a) => a.fingerprint)),
    { occurrencesPerAlert: OCCURRENCES_PER_ALERT, firingLimit: FIRING_LIMIT },
  );
  // The built-in analysis is synchronous and the store answers synchronously on SQLite: one
  // group per turn of the event loop, so requests are read and answered in between. The
  // Prometheus, Kubernetes and LLM calls of the groups still overlap.
  const prepared = prepareFiring(inputs.firing);
  await nextTurn();
  let turn: Promise<unknown> = Promise.resolve();
  return Promise.all(
    groups.map((g) => {
      turn = turn.then(nextTurn);
      return turn.then(() => analyzeOneGroup(deps, g, inputs, prepared, now));
    }),
  );
}

async function analyzeOneGroup(deps: AnalysisDeps, group: GroupRequest, inputs: AnalysisInputs, prepared: PreparedFiring, now: number): Promise<GroupResult> {
  const members = group.alerts.flatMap((a) => {
    const row = inputs.alerts.get(a.fingerprint);
    return row ? [{ row, startsAt: a.startsAt }] : [];
  });
  if (members.length === 0) return { ok: false, error: `none of the group's alerts is stored (${group.alerts.map((a) => a.fingerprint).join(', ')})` };
  const builtIn = analyzeGroup(
    { members, occurrences: inputs.occurrences, firing: inputs.firing, previous: previousSnapshots(members, inputs), now },
    deps.kb,
    prepared,
  );
  const labelled = members.map((m, i) => ({ ...m, labels: (builtIn.alerts[i] as AlertFindings).snapshot.labels }));
  const [metrics, kube] = await Promise.all([
    deps.prometheus ? metricContexts(labelled, deps.prometheus, now) : Promise.resolve(new Map<string, PrometheusContext>()),
    kubernetesContexts(deps.kubernetes, labelled),
  ]);
  // Building (and redacting) the prompt costs more than the whole built-in analysis: only with an LLM.
  const llm = !deps.llm.enabled
    ? ({ state: 'disabled' } as const)
    : await deps.llm.analyze(
    buildPrompt(
      builtIn.summary,
      members.map((m, i) => ({ findings: builtIn.alerts[i] as AlertFindings, startsAt: m.startsAt, prometheus: metrics.get(m.row.fingerprint) ?? null, kubernetes: kube.get(m.row.fingerprint) ?? null })),
      deps.redactor,
    ),
  ).catch((error: unknown): LlmOutcome => ({ state: 'failed', reason: error instanceof Error ? error.message : String(error) }));
  return compose(deps, group, members, builtIn, { metrics, kube, llm }, now);
}

function compose(
  deps: AnalysisDeps,
  group: GroupRequest,
  members: readonly { row: AlertRow; startsAt: number }[],
  builtIn: GroupAnalysis,
  sources: { metrics: Map<string, PrometheusContext>; kube: Map<string, KubeContext | null>; llm: LlmOutcome },
  now: number,
): GroupResult {
  const llmStatus = llmSource(sources.llm);
  let worst: ReportState = 'complete';
  const reports = members.map(({ row, startsAt }, i): NewReport => {
    const findings = builtIn.alerts[i] as AlertFindings;
    const prometheus = sources.metrics.get(row.fingerprint) ?? null;
    const kubernetes = sources.kube.get(row.fingerprint) ?? null;
    const statuses: SourceStatus[] = [
      { name: 'built-in', state: 'ok', detail: deps.kb.lookup(row.alertname) ? null : 'no knowledge-base entry for this alertname' },
      prometheusSource(deps, row, prometheus),
      llmStatus,
      kubeSource(deps, kubernetes, findings.snapshot.labels),
    ];
    const state: ReportState = isPartial(statuses) ? 'partial' : 'complete';
    if (state === 'partial') worst = 'partial';
    const { fingerprint: _fp, ...view } = findings;
    void _fp;
    const content: ReportContent = { version: 2, ...view, generatedAt: now, analysisId: group.id, groupKey: group.groupKey, externalURL: group.externalURL, prometheus, kubernetes, sources: statuses };
    return { fingerprint: row.fingerprint, startsAt, state, content, analysisId: group.id };
  });
  const analysis: AnalysisContent = {
    version: 2,
    generatedAt: now,
    groupKey: group.groupKey,
    summary: builtIn.summary,
    llm: sources.llm,
    members: members.slice(0, 200).map((m) => ({ fingerprint: m.row.fingerprint, alertname: m.row.alertname })),
  };
  return { ok: true, analysis: { id: group.id, groupKey: group.groupKey, state: worst, alertCount: members.length, content: analysis }, reports };
}

/** The snapshot kept with each member's previous analysed episode, when there is one. */
function previousSnapshots(members: readonly { row: AlertRow; startsAt: number }[], inputs: AnalysisInputs): Map<string, Snapshot> {
  const out = new Map<string, Snapshot>();
  for (const { row, startsAt } of members) {
    const earlier = (inputs.recentReports.get(row.fingerprint) ?? []).find((r) => r.starts_at < startsAt);
    if (!earlier) continue;
    const content = JSON.parse(earlier.content) as ReportContent;
    if (content.snapshot) out.set(row.fingerprint, content.snapshot);
  }
  return out;
}

/** Whether the alert names something the Kubernetes reader can look at. */
function namesKubernetesObject(labels: Record<string, string>): boolean {
  return Boolean(labels.namespace && (labels.pod || labels.deployment));
}

async function kubernetesContexts(reader: KubernetesReader | null, members: readonly { row: AlertRow; labels: Record<string, string> }[]): Promise<Map<string, KubeContext | null>> {
  const out = new Map<string, KubeContext | null>();
  if (!reader) return out;
  const applicable = members.filter((m) => namesKubernetesObject(m.labels));
  await Promise.all(applicable.slice(0, MAX_PODS_PER_GROUP).map(async (m) => out.set(m.row.fingerprint, await reader.read(m.labels))));
  for (const m of applicable.slice(MAX_PODS_PER_GROUP)) out.set(m.row.fingerprint, null);
  return out;
}

function prometheusSource(deps: AnalysisDeps, row: AlertRow, context: PrometheusContext | null): SourceStatus {
  if (!deps.prometheus) return { name: 'prometheus', state: 'disabled', detail: null };
  if (!context) return { name: 'prometheus', state: 'not-applicable', detail: row.generator_url ? 'the generatorURL carries no expression (g0.expr)' : 'the alert has no generatorURL' };
  if (context.state === 'failed') return { name: 'prometheus', state: 'failed', detail: context.error };
  return { name: 'prometheus', state: 'ok', detail: null };
}

function llmSource(outcome: LlmOutcome): SourceStatus {
  if (outcome.state === 'disabled') return { name: 'llm', state: 'disabled', detail: null };
  if (outcome.state === 'ok') return { name: 'llm', state: 'ok', detail: `${outcome.model}, ${outcome.usage.prompt + outcome.usage.completion} tokens` };
  return { name: 'llm', state: outcome.state, detail: outcome.reason };
}

function kubeSource(deps: AnalysisDeps, context: KubeContext | null, labels: Record<string, string>): SourceStatus {
  if (!deps.kubernetes) return { name: 'kubernetes', state: 'disabled', detail: null };
  if (!namesKubernetesObject(labels)) return { name: 'kubernetes', state: 'not-applicable', detail: 'the alert names no namespace with a pod or deployment' };
  if (!context) return { name: 'kubernetes', state: 'not-applicable', detail: `only the first ${MAX_PODS_PER_GROUP} pods of a group are read` };
  if (context.state === 'failed') return { name: 'kubernetes', state: 'failed', detail: context.error };
  return { name: 'kubernetes', state: 'ok', detail: context.notes.length ? context.notes.join('; ') : null };
}
