import type { JobKind, JobResult } from '../jobs/runner.js';
import { findFiringNeighbours, getAlert, listOccurrences } from '../store/alerts.js';
import type { Store } from '../store/database.js';
import type { ClaimedJob, JobSpec } from '../store/jobs.js';
import { saveReports, type NewReport } from '../store/reports.js';
import type { StoredAlert } from '../store/ingest.js';
import { historyFacts } from './history.js';

export const ANALYZE = 'analyze';

export interface AnalyzePayload {
  fingerprint: string;
  startsAt: number;
  status: string;
}

function isAnalyzePayload(value: unknown): value is AnalyzePayload {
  const v = value as Partial<AnalyzePayload> | null;
  return typeof v?.fingerprint === 'string' && typeof v.startsAt === 'number' && typeof v.status === 'string';
}

/** One analysis per episode and status: a repeat of the same notification is not analysed again. */
export function planAnalysis(stored: readonly StoredAlert[]): JobSpec[] {
  return stored.map(({ alert }) => ({
    kind: ANALYZE,
    idempotencyKey: `${ANALYZE}:${alert.fingerprint}:${alert.startsAt}:${alert.status}`,
    payload: { fingerprint: alert.fingerprint, startsAt: alert.startsAt, status: alert.status } satisfies AnalyzePayload,
  }));
}

export function analyzeJobKind(store: Store, now: () => number): JobKind {
  return {
    kind: ANALYZE,
    async run(jobs: readonly ClaimedJob[]): Promise<JobResult[]> {
      const results: JobResult[] = [];
      const reports: NewReport[] = [];
      for (const job of jobs) {
        const outcome = await analyzeOne(store, job.payload, now());
        if ('report' in outcome) reports.push(outcome.report);
        results.push(outcome.result);
      }
      await saveReports(store, reports, now());
      return results;
    },
    async onDead(job, error) {
      if (!isAnalyzePayload(job.payload)) return;
      const report: NewReport = { fingerprint: job.payload.fingerprint, startsAt: job.payload.startsAt, state: 'failed', content: { error } };
      await saveReports(store, [report], now());
    },
  };
}

type Outcome = { result: JobResult } | { result: JobResult; report: NewReport };

async function analyzeOne(store: Store, payload: unknown, now: number): Promise<Outcome> {
  if (!isAnalyzePayload(payload)) return { result: { ok: false, error: 'malformed analyze payload', retryAt: null } };
  const alert = await getAlert(store, payload.fingerprint);
  if (!alert) return { result: { ok: false, error: `alert ${payload.fingerprint} not found`, retryAt: null } };
  const [occurrences, neighbours] = await Promise.all([
    listOccurrences(store, alert.fingerprint, 200),
    findFiringNeighbours(store, alert),
  ]);
  const facts = historyFacts(alert, occurrences, neighbours, now);
  return {
    result: { ok: true },
    report: { fingerprint: alert.fingerprint, startsAt: payload.startsAt, state: 'complete', content: { facts, generatedAt: now } },
  };
}
