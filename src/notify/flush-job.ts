import { randomUUID } from 'node:crypto';
import type { JobKind, JobResult } from '../jobs/runner.js';
import type { Store } from '../store/database.js';
import { flushGroupInStore, type FlushableGroup, type FlushDecision } from '../store/group-flush.js';
import type { ClaimedJob, JobSpec } from '../store/jobs.js';
import { needsUpdate, partition } from './grouping.js';
import { messagesFor } from './messages.js';
import { outboundFor, type SnapshotAlert } from './outbound.js';
import type { ContactPointRegistry, LoadedContactPoint } from './registry.js';

export const FLUSH = 'notify-flush';

export interface FlushPayload {
  contactPointId: string;
  groupKey: string;
  /** The group's sequence number this flush was scheduled for; a stale flush does nothing. */
  seq: number;
}

function isFlushPayload(value: unknown): value is FlushPayload {
  const v = value as Partial<FlushPayload> | null;
  return typeof v?.contactPointId === 'string' && typeof v.groupKey === 'string' && typeof v.seq === 'number';
}

/** Each flush schedules the next in the transaction that changes the group, so a key need only be unique. */
export function flushJob(contactPointId: string, groupKey: string, seq: number, runAt: number): JobSpec {
  return { kind: FLUSH, idempotencyKey: `flush:${randomUUID()}`, payload: { contactPointId, groupKey, seq } satisfies FlushPayload, runAt, maxAttempts: 1000 };
}

/**
 * One tick of an aggregation group: notify if Alertmanager would (new firing alerts, newly
 * resolved ones, or repeat_interval), forget the resolved alerts, and schedule the next tick
 * after group_interval while anything is left.
 */
function decideFlush(cp: LoadedContactPoint | undefined, group: { contactPointId: string; groupKey: string }, jobId: number, now: number) {
  return (g: FlushableGroup): FlushDecision => {
    const grouping = cp?.settings.grouping;
    if (!cp || !grouping) return null;
    const alerts = g.alerts as SnapshotAlert[];
    const { firing, resolved } = partition(alerts);
    const send = needsUpdate(g.lastSent, firing, resolved, cp.settings.sendResolved, grouping.repeatInterval * 1000, now);
    const toSend = send ? (cp.settings.sendResolved ? alerts : alerts.filter((a) => a.status === 'firing')) : [];
    const deliveries =
      toSend.length > 0 ? messagesFor(cp, outboundFor(cp.settings.name, toSend, g.groupLabels, undefined), { key: `group:${group.groupKey}:${jobId}`, at: now }, now) : [];
    if (firing.length === 0) return { deliveries, remove: resolved, next: null };
    const at = now + grouping.groupInterval * 1000;
    return { deliveries, remove: resolved, next: { at, job: flushJob(group.contactPointId, group.groupKey, g.seq + 1, at), sent: send ? { firing, resolved } : null } };
  };
}

export interface FlushDeps {
  store: Store;
  registry: ContactPointRegistry;
  now: () => number;
  wake: () => void;
}

export function flushJobKind(deps: FlushDeps): JobKind {
  return {
    kind: FLUSH,
    async run(jobs: readonly ClaimedJob[]): Promise<JobResult[]> {
      const contactPoints = await deps.registry.snapshot();
      const results: JobResult[] = [];
      for (const job of jobs) {
        results.push(await runOne(deps, job, contactPoints));
      }
      deps.wake();
      return results;
    },
  };
}

async function runOne(deps: FlushDeps, job: ClaimedJob, contactPoints: Map<string, LoadedContactPoint>): Promise<JobResult> {
  if (!isFlushPayload(job.payload)) return { ok: false, error: 'malformed flush payload', retryAt: null };
  const p = job.payload;
  const now = deps.now();
  const group = { contactPointId: p.contactPointId, groupKey: p.groupKey, seq: p.seq };
  await flushGroupInStore(deps.store, job, group, decideFlush(contactPoints.get(p.contactPointId), group, job.id, now), now);
  // Done in the store's transaction, or already taken from us (then not ours to mark).
  return { ok: true, completed: true };
}
