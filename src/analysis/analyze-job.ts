import { createHash } from 'node:crypto';
import type { JobKind, JobResult } from '../jobs/runner.js';
import type { ClaimedJob, JobSpec } from '../store/jobs.js';
import { saveAnalyses, saveReports, type NewAnalysis, type NewReport } from '../store/reports.js';
import type { InboundNotification, StoredAlert } from '../store/ingest.js';
import { analyzeGroups, type AnalysisDeps, type GroupRequest } from './group-analysis.js';
import { nextTurn } from '../jobs/turn.js';

export const ANALYZE = 'analyze';

/** A job analyses one alert group: the firing alerts of one notification. */
export interface AnalyzePayload extends GroupRequest {
  kind: 'group';
}

/** The first analysis queued one job per alert; such jobs may still wait in a store after an upgrade. */
interface LegacyPayload {
  fingerprint: string;
  startsAt: number;
  status: string;
}

function isGroupPayload(value: unknown): value is AnalyzePayload {
  const v = value as Partial<AnalyzePayload> | null;
  return v?.kind === 'group' && typeof v.id === 'string' && Array.isArray(v.alerts);
}

function isLegacyPayload(value: unknown): value is LegacyPayload {
  const v = value as Partial<LegacyPayload> | null;
  return typeof v?.fingerprint === 'string' && typeof v.startsAt === 'number' && typeof v.status === 'string';
}

/**
 * One analysis per group and episode set: a notification whose firing alerts include a new
 * episode queues one job for all its firing alerts; a repeat, or a notification that only
 * resolves alerts, queues none (the timeline records resolutions by itself).
 */
export function planAnalysis(stored: readonly StoredAlert[]): JobSpec[] {
  const byNotification = new Map<InboundNotification, StoredAlert[]>();
  for (const s of stored) byNotification.set(s.notification, [...(byNotification.get(s.notification) ?? []), s]);
  const jobs: JobSpec[] = [];
  for (const [notification, alerts] of byNotification) {
    if (!alerts.some((s) => s.alert.status === 'firing' && s.newOccurrence)) continue;
    const payload = groupPayload(notification, alerts);
    jobs.push({ kind: ANALYZE, idempotencyKey: `${ANALYZE}:${payload.id}`, payload });
  }
  return jobs;
}

/**
 * The group's firing alerts: the ones stored now, plus repeats the dedup window kept out (they
 * are still part of the group) when they carry their own startsAt.
 */
function groupPayload(notification: InboundNotification, stored: readonly StoredAlert[]): AnalyzePayload {
  const members = new Map<string, number>();
  for (const s of stored) if (s.alert.status === 'firing') members.set(s.alert.fingerprint, s.alert.startsAt);
  for (const a of notification.alerts) if (a.status === 'firing' && !a.startsAtImplied && !members.has(a.fingerprint)) members.set(a.fingerprint, a.startsAt);
  const alerts = [...members].map(([fingerprint, startsAt]) => ({ fingerprint, startsAt }));
  const groupKey = notification.meta?.groupKey ?? '';
  const identity = [groupKey, ...alerts.map((a) => `${a.fingerprint}@${a.startsAt}`).sort()].join('\n');
  const id = createHash('sha256').update(identity).digest('hex').slice(0, 32);
  return { kind: 'group', id, groupKey, externalURL: notification.meta?.externalURL ?? '', alerts };
}

function requestOf(payload: unknown): GroupRequest | null {
  if (isGroupPayload(payload)) return payload;
  if (isLegacyPayload(payload) && payload.status === 'firing') {
    return { id: `legacy-${payload.fingerprint}-${payload.startsAt}`, groupKey: '', externalURL: '', alerts: [{ fingerprint: payload.fingerprint, startsAt: payload.startsAt }] };
  }
  return null;
}

export function analyzeJobKind(deps: AnalysisDeps, now: () => number): JobKind {
  return {
    kind: ANALYZE,
    async run(jobs: readonly ClaimedJob[]): Promise<JobResult[]> {
      const requests = jobs.map((j) => requestOf(j.payload));
      const runnable = requests.filter((r): r is GroupRequest => r !== null);
      const outcomes = await analyzeGroups(deps, runnable, now());
      const analyses: NewAnalysis[] = [];
      const reports: NewReport[] = [];
      const byRequest = new Map(runnable.map((r, i) => [r, outcomes[i]]));
      const results = jobs.map((job, i): JobResult => {
        const request = requests[i];
        // A resolved legacy job has nothing left to do: resolutions no longer start an analysis.
        if (!request) return isLegacyPayload(job.payload) ? { ok: true } : { ok: false, error: 'malformed analyze payload', retryAt: null };
        const outcome = byRequest.get(request);
        if (!outcome?.ok) return { ok: false, error: outcome?.error ?? 'not analysed', retryAt: null };
        analyses.push(outcome.analysis);
        reports.push(...outcome.reports);
        return { ok: true };
      });
      await nextTurn();
      await saveAnalyses(deps.store, analyses, now());
      await nextTurn();
      await saveReports(deps.store, reports, now());
      return results;
    },
    async onDead(job, error) {
      const request = requestOf(job.payload);
      if (!request) return;
      const reports: NewReport[] = request.alerts.map((a) => ({ fingerprint: a.fingerprint, startsAt: a.startsAt, state: 'failed', content: { error }, analysisId: null }));
      await saveReports(deps.store, reports, now());
    },
  };
}
