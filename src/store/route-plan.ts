// Committing what routing decided: the deliveries of plain contact points, the alerts that join
// aggregation groups (a new group's first flush included), and the route jobs' completion, in
// one transaction per dialect.
import type { Transaction } from 'kysely';
import { createGroupIfAbsent, loadGroupForUpdate, upsertGroupAlerts } from './contact-points.js';
import type { Store } from './database.js';
import { insertDeliveries, insertDeliveriesSqlite, type DeliveryRow } from './deliveries.js';
import { announceJobs, completeJobs, completeJobsSqlite, enqueueJobs, enqueueJobsSqlite, type JobSpec } from './jobs.js';
import type { Database } from './tables.js';

/** Alerts that join one aggregation group of a contact point, as they are stored. */
export interface GroupJoin {
  contactPointId: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  /** When a group created now is first flushed (after group_wait). */
  firstFlushAt: number;
  /** fingerprint → the alert's snapshot, already encoded. */
  alerts: ReadonlyMap<string, string>;
}

export interface RoutePlan {
  deliveries: DeliveryRow[];
  groups: readonly GroupJoin[];
}

/** The first flush of a group created by the plan; the caller's job kind decides its shape. */
export type FirstFlush = (contactPointId: string, groupKey: string, runAt: number) => JobSpec;

export class RouteLeaseLost extends Error {
  constructor() {
    super('lease lost while routing; another worker reruns it');
  }
}

/**
 * Commits a route plan together with the completion of the route jobs that made it; a crash
 * neither loses nor repeats routing. Lost to a power cut (the commit is relaxed), the plan is
 * lost with the jobs' completion, and they run again.
 */
export async function commitRoutePlan(
  store: Store,
  jobs: readonly { id: number; owner: string }[],
  plan: RoutePlan,
  firstFlush: FirstFlush,
  now: number,
): Promise<void> {
  await store.relaxed((db) =>
    db.transaction().execute(async (trx) => {
      // On SQLite the row-by-row work goes through prepared statements on the transaction's connection.
      const raw = store.sqlite;
      const completed = raw ? completeJobsSqlite(raw, jobs, now) : await completeJobs(trx, jobs, now);
      if (completed < jobs.length) throw new RouteLeaseLost();
      if (raw) insertDeliveriesSqlite(raw, plan.deliveries);
      else await insertDeliveries(trx, plan.deliveries);
      const flushes = await joinGroups(trx, store, plan.groups, firstFlush, now);
      if (raw) enqueueJobsSqlite(raw, flushes, now, 1);
      else await enqueueJobs(trx, flushes, now, 1);
      if (flushes.length > 0) await announceJobs(trx, store, [...new Set(flushes.map((f) => f.kind))]);
    }),
  );
}

/** Feeds grouped alerts into their groups; a new group gets its first flush. */
async function joinGroups(trx: Transaction<Database>, store: Store, groups: readonly GroupJoin[], firstFlush: FirstFlush, now: number): Promise<JobSpec[]> {
  const flushes: JobSpec[] = [];
  // A fixed order of locks, so two routing transactions never wait on each other in a cycle.
  const ordered = [...groups].sort((a, b) => (a.contactPointId + a.groupKey < b.contactPointId + b.groupKey ? -1 : 1));
  for (const g of ordered) {
    const created = await createGroupIfAbsent(trx, {
      contact_point_id: g.contactPointId,
      group_key: g.groupKey,
      group_labels: JSON.stringify(g.groupLabels),
      seq: 1,
      created_at: now,
      next_flush_at: g.firstFlushAt,
      last_sent_at: null,
      last_firing: '[]',
      last_resolved: '[]',
    });
    if (created) flushes.push(firstFlush(g.contactPointId, g.groupKey, g.firstFlushAt));
    else await loadGroupForUpdate(trx, store, g.contactPointId, g.groupKey);
    await upsertGroupAlerts(
      trx,
      [...g.alerts].map(([fingerprint, alert]) => ({ contact_point_id: g.contactPointId, group_key: g.groupKey, fingerprint, alert, updated_at: now })),
    );
  }
  return flushes;
}
