// One tick of an aggregation group, in the store: the group is locked and read, the caller
// decides what the tick does (a pure function of the group), and the decision is written with
// the completion of the flush job that made it, in one transaction.
import { deleteGroup, loadGroupAlerts, loadGroupForUpdate, removeGroupAlerts, updateGroup } from './contact-points.js';
import type { Store } from './database.js';
import { insertDeliveries, type DeliveryRow } from './deliveries.js';
import { announceJobs, completeJobs, enqueueJobs, type JobSpec } from './jobs.js';

/** A group as a flush sees it, its JSON columns decoded. */
export interface FlushableGroup {
  seq: number;
  groupLabels: Record<string, string>;
  /** What the last notification of the group carried, when one was sent. */
  lastSent: { at: number; firing: string[]; resolved: string[] } | null;
  /** The snapshots of the group's alerts, as routing stored them. */
  alerts: unknown[];
}

/** What one tick does: null forgets the group (its contact point is gone or no longer groups). */
export type FlushDecision = {
  deliveries: DeliveryRow[];
  /** Fingerprints that leave the group (resolved, and notified if the contact point wanted it). */
  remove: string[];
  /** The group's next tick, or none when nothing is left firing (the group is deleted). */
  next: { at: number; job: JobSpec; sent: { firing: string[]; resolved: string[] } | null } | null;
} | null;

/**
 * Runs the flush job `job` for the group at sequence `seq`. A job whose lease passed to another
 * worker, or a stale flush (the group moved on, or is gone), does nothing.
 */
export async function flushGroupInStore(
  store: Store,
  job: { id: number; owner: string },
  group: { contactPointId: string; groupKey: string; seq: number },
  decide: (g: FlushableGroup) => FlushDecision,
  now: number,
): Promise<void> {
  const { contactPointId, groupKey } = group;
  await store.relaxed((db) =>
    db.transaction().execute(async (trx) => {
      if ((await completeJobs(trx, [job], now)) === 0) return;
      const row = await loadGroupForUpdate(trx, store, contactPointId, groupKey);
      if (!row || row.seq !== group.seq) return;
      const alerts = (await loadGroupAlerts(trx, contactPointId, groupKey)).map((a) => JSON.parse(a) as unknown);
      const lastSent = row.last_sent_at === null ? null : { at: row.last_sent_at, firing: JSON.parse(row.last_firing) as string[], resolved: JSON.parse(row.last_resolved) as string[] };
      const decision = decide({ seq: row.seq, groupLabels: JSON.parse(row.group_labels) as Record<string, string>, lastSent, alerts });
      if (!decision) return deleteGroup(trx, contactPointId, groupKey);
      await insertDeliveries(trx, decision.deliveries);
      await removeGroupAlerts(trx, contactPointId, groupKey, decision.remove);
      if (!decision.next) return deleteGroup(trx, contactPointId, groupKey);
      const sent = decision.next.sent;
      await updateGroup(trx, contactPointId, groupKey, {
        seq: row.seq + 1,
        next_flush_at: decision.next.at,
        ...(sent ? { last_sent_at: now, last_firing: JSON.stringify(sent.firing), last_resolved: JSON.stringify(sent.resolved) } : {}),
      });
      await enqueueJobs(trx, [decision.next.job], now, 1);
      await announceJobs(trx, store, [decision.next.job.kind]);
    }),
  );
}
