import type { Transaction } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { JobKind, JobResult } from '../jobs/runner.js';
import { deleteGroup, loadGroupAlerts, loadGroupForUpdate, removeGroupAlerts, updateGroup, type NotifyGroupRow } from '../store/contact-points.js';
import type { Store } from '../store/database.js';
import { insertDeliveries } from '../store/deliveries.js';
import { completeJobs } from '../store/jobs.js';
import { announceJobs, enqueueJobs, type ClaimedJob, type JobSpec } from '../store/jobs.js';
import type { Database } from '../store/tables.js';
import { needsUpdate, partition, type LastSent } from './grouping.js';
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

function lastSent(group: NotifyGroupRow): LastSent | null {
  if (group.last_sent_at === null) return null;
  return { at: group.last_sent_at, firing: JSON.parse(group.last_firing) as string[], resolved: JSON.parse(group.last_resolved) as string[] };
}

/**
 * One tick of an aggregation group: notify if Alertmanager would (new firing alerts, newly
 * resolved ones, or repeat_interval), forget the resolved alerts, and schedule the next tick
 * after group_interval while anything is left. Runs in the caller's transaction.
 */
async function flushGroup(trx: Transaction<Database>, cp: LoadedContactPoint, group: NotifyGroupRow, jobId: number, now: number): Promise<JobSpec[]> {
  const grouping = cp.settings.grouping;
  const alerts = (await loadGroupAlerts(trx, cp.id, group.group_key)).map((a) => JSON.parse(a) as SnapshotAlert);
  const { firing, resolved } = partition(alerts);
  const jobs: JobSpec[] = [];
  const repeatMs = (grouping?.repeatInterval ?? 14400) * 1000;
  const send = needsUpdate(lastSent(group), firing, resolved, cp.settings.sendResolved, repeatMs, now);
  if (send) {
    const toSend = cp.settings.sendResolved ? alerts : alerts.filter((a) => a.status === 'firing');
    if (toSend.length > 0) {
      const outbound = outboundFor(cp.settings.name, toSend, JSON.parse(group.group_labels) as Record<string, string>, undefined);
      await insertDeliveries(trx, messagesFor(cp, outbound, { key: `group:${group.group_key}:${jobId}`, at: now }, now));
    }
  }
  await removeGroupAlerts(trx, cp.id, group.group_key, resolved);
  if (firing.length === 0) {
    await deleteGroup(trx, cp.id, group.group_key);
    return jobs;
  }
  const next = now + (grouping?.groupInterval ?? 300) * 1000;
  await updateGroup(trx, cp.id, group.group_key, {
    seq: group.seq + 1,
    next_flush_at: next,
    ...(send ? { last_sent_at: now, last_firing: JSON.stringify(firing), last_resolved: JSON.stringify(resolved) } : {}),
  });
  jobs.push(flushJob(cp.id, group.group_key, group.seq + 1, next));
  return jobs;
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
  await deps.store.relaxed((db) => db.transaction().execute(async (trx) => {
    if ((await completeJobs(trx, [job], now)) === 0) return;
    const group = await loadGroupForUpdate(trx, deps.store, p.contactPointId, p.groupKey);
    if (!group || group.seq !== p.seq) return;
    const cp = contactPoints.get(p.contactPointId);
    if (!cp || !cp.settings.grouping) {
      await deleteGroup(trx, p.contactPointId, p.groupKey);
      return;
    }
    const jobs = await flushGroup(trx, cp, group, job.id, now);
    await enqueueJobs(trx, jobs, now, 1);
    if (jobs.length > 0) await announceJobs(trx, deps.store);
  }));
  // Done in the transaction above, or already taken from us (then not ours to mark).
  return { ok: true, completed: true };
}
