/**
 * Built-in analysis and report rendering, in process on SQLite:
 *   analysis_group100_history10k_ms  analyse one 100-alert group (store reads included) with
 *                                    10,000 alerts in history; median (and min) of 21 runs (goal ≤ 50 ms)
 *   analysis_pure_group100_ms        the pure part alone (no store reads)
 *   report_render_ms                 render one report page from its loaded view (goal ≤ 20 ms)
 *   report_load_and_render_ms        load the view from the store and render it
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Value } from '@sinclair/typebox/value';
import { Registry } from 'prom-client';
import { analyzeGroup } from '../src/analysis/builtin.js';
import { analyzeGroups, type AnalysisDeps, type GroupRequest } from '../src/analysis/group-analysis.js';
import { loadKnowledgeBase } from '../src/analysis/knowledge-base.js';
import { LlmAnalyst } from '../src/analysis/llm.js';
import { Redactor } from '../src/analysis/redact.js';
import { loadReportView } from '../src/analysis/report-view.js';
import { LlmConfig } from '../src/config/analysis.js';
import type { Alert } from '../src/model/alert.js';
import { openStore, type Store } from '../src/store/database.js';
import { ingestNotifications, type InboundNotification } from '../src/store/ingest.js';
import { migrateToLatest } from '../src/store/migrations/index.js';
import { loadAnalysisInputs, saveAnalyses, saveReports } from '../src/store/reports.js';
import { renderReportPage } from '../src/web/report-page.js';

const NOW = Date.UTC(2024, 5, 1, 12);
const HOUR = 3_600_000;

function alertOf(i: number, startsAt: number, status: 'firing' | 'resolved' = 'firing'): Alert {
  const node = `node-${i % 40}`;
  const labels: Record<string, string> = {
    alertname: ['KubePodNotReady', 'KubePodCrashLooping', 'TargetDown', 'NodeFilesystemSpaceFillingUp', 'HighErrorRate'][i % 5] as string,
    namespace: `ns-${i % 25}`,
    pod: `app-${i % 300}-7d9f8c6b5d-${String(i).padStart(5, 'x')}`,
    instance: `${node}:9100`,
    node,
    job: `job-${i % 12}`,
    severity: i % 3 === 0 ? 'critical' : 'warning',
    seq: String(i),
  };
  return { fingerprint: `fp${i}`, status, labels, annotations: { summary: `alert ${i}`, value: String(i % 97) }, startsAt, endsAt: status === 'resolved' ? startsAt + 600_000 : null, generatorURL: '', extras: {} };
}

function notification(alerts: Alert[]): InboundNotification {
  return { source: 'webhook', format: 'alertmanager', remoteAddr: '127.0.0.1', body: '{}', receivedAt: NOW, alerts };
}

async function seed(store: Store): Promise<GroupRequest> {
  const options = { dedupWindowMs: 0, maxAttempts: 3, planJobs: () => [], now: () => NOW };
  // 10,000 alerts in history, a fifth of them still firing.
  for (let batch = 0; batch < 100; batch++) {
    const alerts = Array.from({ length: 100 }, (_, j) => alertOf(batch * 100 + j, NOW - (2 + (j % 48)) * HOUR, j % 5 === 0 ? 'firing' : 'resolved'));
    await ingestNotifications(store, [notification(alerts)], options);
  }
  // The group: 100 alerts (fp0…fp99), each with four earlier episodes, firing now.
  for (let episode = 4; episode >= 0; episode--) {
    const alerts = Array.from({ length: 100 }, (_, i) => alertOf(i, NOW - episode * 6 * HOUR - 10 * 60_000, episode === 0 ? 'firing' : 'resolved'));
    await ingestNotifications(store, [notification(alerts)], options);
  }
  return { id: 'bench-group', groupKey: '{}:{alertname="bench"}', externalURL: 'http://alertmanager:9093', alerts: Array.from({ length: 100 }, (_, i) => ({ fingerprint: `fp${i}`, startsAt: NOW - 10 * 60_000 })) };
}

/** Median and fastest of `runs` after three warm-ups; the fastest shows the cost on an idle machine. */
async function timed(runs: number, fn: () => Promise<unknown> | unknown): Promise<{ median: number; min: number }> {
  for (let i = 0; i < 3; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const round = (n: number | undefined) => Math.round((n ?? 0) * 100) / 100;
  return { median: round(times[Math.floor(times.length / 2)]), min: round(times[0]) };
}

export async function benchAnalysis(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'alertwire-bench-analysis-'));
  const store = openStore({ url: '', dataDir: dir, sqliteSynchronous: 'NORMAL', poolSize: 1 });
  try {
    await migrateToLatest(store);
    const group = await seed(store);
    const kb = loadKnowledgeBase({ builtin: true, files: [] });
    const redactor = new Redactor({ defaults: true, patterns: [] });
    const llm = new LlmAnalyst(Value.Default(LlmConfig, {}) as typeof LlmConfig.static, new Registry(), () => NOW);
    const deps: AnalysisDeps = { store, kb, prometheus: null, llm, kubernetes: null, redactor };

    const analysis = await timed(21, () => analyzeGroups(deps, [group], NOW));
    const inputs = await loadAnalysisInputs(store, group.alerts.map((a) => a.fingerprint), { occurrencesPerAlert: 200, firingLimit: 2000 });
    const members = group.alerts.map((a) => ({ row: inputs.alerts.get(a.fingerprint)!, startsAt: a.startsAt }));
    const pure = await timed(21, () => analyzeGroup({ members, occurrences: inputs.occurrences, firing: inputs.firing, previous: new Map(), now: NOW }, kb));

    const [result] = await analyzeGroups(deps, [group], NOW);
    if (!result?.ok) throw new Error(`analysis failed: ${result?.ok === false ? result.error : 'no result'}`);
    await saveAnalyses(store, [result.analysis], NOW);
    await saveReports(store, result.reports, NOW);
    const view = await loadReportView(store, 'fp0');
    if (!view) throw new Error('no report view');
    const render = await timed(51, () => renderReportPage(view, 'bench-nonce'));
    const loadAndRender = await timed(31, async () => renderReportPage((await loadReportView(store, 'fp0'))!, 'bench-nonce'));
    return {
      analysis_group100_history10k_ms: analysis.median,
      analysis_group100_history10k_min_ms: analysis.min,
      analysis_pure_group100_ms: pure.median,
      report_render_ms: render.median,
      report_load_and_render_ms: loadAndRender.median,
      firing_candidates: inputs.firing.length,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await benchAnalysis(), null, 2)}\n`);
}
