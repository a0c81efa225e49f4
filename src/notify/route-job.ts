import type { Transaction } from 'kysely';
import type { JobKind, JobResult } from '../jobs/runner.js';
import { createGroupIfAbsent, loadGroupForUpdate, upsertGroupAlerts } from '../store/contact-points.js';
import type { Store } from '../store/database.js';
import { insertDeliveries, insertDeliveriesSqlite, type DeliveryRow } from '../store/deliveries.js';
import type { StoredAlert } from '../store/ingest.js';
import { announceJobs, completeJobs, completeJobsSqlite, enqueueJobs, enqueueJobsSqlite, type ClaimedJob, type JobSpec } from '../store/jobs.js';
import type { Database } from '../store/tables.js';
import { orderedKey } from '../store/ordered-key.js';
import { flushJob } from './flush-job.js';
import { groupLabelsOf } from './grouping.js';
import { messagesFor } from './messages.js';
import { groupLabelsForSubset, labelSetString, outboundFor, selectAlerts, type RouteSnapshot, type SnapshotAlert } from './outbound.js';
import type { ContactPointRegistry, LoadedContactPoint } from './registry.js';

export const ROUTE = 'route';

export interface RoutePayload extends RouteSnapshot {
  /** Unique per stored notification; the cause in the webhook-ids of its messages. */
  key: string;
}

function isRoutePayload(value: unknown): value is RoutePayload {
  const v = value as Partial<RoutePayload> | null;
  return typeof v?.key === 'string' && Array.isArray(v.alerts);
}

function snapshotAlert(st: StoredAlert): SnapshotAlert {
  const a = st.alert;
  return {
    fingerprint: a.fingerprint,
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
    generatorURL: a.generatorURL,
    extras: a.extras,
  };
}

/**
 * The outbox side of routing, called inside the ingest transaction: one `route` job per stored
 * notification, carrying a self-contained snapshot of its stored alerts, under a time-ordered key.
 */
export function planRouting(stored: readonly StoredAlert[]): JobSpec[] {
  const byNotification = new Map<StoredAlert['notification'], StoredAlert[]>();
  for (const st of stored) byNotification.set(st.notification, [...(byNotification.get(st.notification) ?? []), st]);
  return [...byNotification].map(([n, alerts]) => {
    const key = orderedKey();
    const payload: RoutePayload = {
      key,
      source: n.source,
      receivedAt: n.receivedAt,
      ...(n.meta ? { meta: n.meta } : {}),
      alerts: alerts.map(snapshotAlert),
    };
    return { kind: ROUTE, idempotencyKey: `route:${key}`, payload };
  });
}

/** Alerts that join an aggregation group of a contact point. */
interface GroupAddition {
  cp: LoadedContactPoint;
  groupKey: string;
  groupLabels: Record<string, string>;
  alerts: Map<string, SnapshotAlert>;
}

interface RoutePlan {
  deliveries: DeliveryRow[];
  groups: Map<string, GroupAddition>;
}

function routeOne(plan: RoutePlan, cp: LoadedContactPoint, p: RoutePayload, now: number): void {
  const s = cp.settings;
  const alerts = selectAlerts(p.alerts, cp.matcher, s.sendResolved || s.grouping !== null);
  if (alerts.length === 0) return;
  if (s.grouping) {
    for (const a of alerts) {
      const groupLabels = groupLabelsOf(a.labels, s.grouping.groupBy);
      const groupKey = labelSetString(groupLabels);
      const id = `${cp.id}\u0000${groupKey}`;
      let g = plan.groups.get(id);
      if (!g) plan.groups.set(id, (g = { cp, groupKey, groupLabels, alerts: new Map() }));
      g.alerts.set(a.fingerprint, a);
    }
    return;
  }
  const outbound = outboundFor(s.name, alerts, groupLabelsForSubset(p.meta, alerts), p.meta?.orgId);
  plan.deliveries.push(...messagesFor(cp, outbound, { key: p.key, at: p.receivedAt }, now));
}

/** Feeds grouped alerts into their groups; a new group gets its first flush after group_wait. */
async function applyGroups(trx: Transaction<Database>, store: Store, groups: Iterable<GroupAddition>, now: number): Promise<JobSpec[]> {
  const flushes: JobSpec[] = [];
  // A fixed order of locks, so two routing transactions never wait on each other in a cycle.
  const ordered = [...groups].sort((a, b) => (a.cp.id + a.groupKey < b.cp.id + b.groupKey ? -1 : 1));
  for (const g of ordered) {
    const grouping = g.cp.settings.grouping;
    if (!grouping) continue;
    const flushAt = now + grouping.groupWait * 1000;
    const created = await createGroupIfAbsent(trx, {
      contact_point_id: g.cp.id,
      group_key: g.groupKey,
      group_labels: JSON.stringify(g.groupLabels),
      seq: 1,
      created_at: now,
      next_flush_at: flushAt,
      last_sent_at: null,
      last_firing: '[]',
      last_resolved: '[]',
    });
    if (created) flushes.push(flushJob(g.cp.id, g.groupKey, 1, flushAt));
    else await loadGroupForUpdate(trx, store, g.cp.id, g.groupKey);
    await upsertGroupAlerts(
      trx,
      [...g.alerts.values()].map((a) => ({ contact_point_id: g.cp.id, group_key: g.groupKey, fingerprint: a.fingerprint, alert: JSON.stringify(a), updated_at: now })),
    );
  }
  return flushes;
}

/**
 * The batch's writes, in one transaction. On SQLite the row-by-row work goes through prepared
 * statements on the connection the transaction holds: building it through Kysely cost more than
 * SQLite's own work.
 */
async function writeRoutePlan(trx: Transaction<Database>, store: Store, jobs: readonly ClaimedJob[], plan: RoutePlan, now: number): Promise<void> {
  const raw = store.sqlite;
  const completed = raw ? completeJobsSqlite(raw, jobs, now) : await completeJobs(trx, jobs, now);
  if (completed < jobs.length) throw new Error('lease lost while routing; another worker reruns it');
  if (raw) insertDeliveriesSqlite(raw, plan.deliveries);
  else await insertDeliveries(trx, plan.deliveries);
  const flushes = await applyGroups(trx, store, plan.groups.values(), now);
  if (raw) enqueueJobsSqlite(raw, flushes, now, 1);
  else await enqueueJobs(trx, flushes, now, 1);
  if (flushes.length > 0) await announceJobs(trx, store);
}

export interface RouteDeps {
  store: Store;
  registry: ContactPointRegistry;
  now: () => number;
  /** New deliver jobs were committed: let the runner claim them now. */
  wake: () => void;
  ready: () => Promise<void>;
}

/**
 * Offers each stored notification to every enabled contact point. Everything a batch causes
 * (deliveries, group state) commits in one transaction together with the route
 * jobs' completion, so a crash neither loses nor repeats routing.
 */
export function routeJobKind(deps: RouteDeps): JobKind {
  return {
    kind: ROUTE,
    async run(jobs: readonly ClaimedJob[]): Promise<JobResult[]> {
      await deps.ready();
      const now = deps.now();
      const contactPoints = await deps.registry.enabled();
      const plan: RoutePlan = { deliveries: [], groups: new Map() };
      for (const job of jobs) {
        if (!isRoutePayload(job.payload)) continue;
        for (const cp of contactPoints) routeOne(plan, cp, job.payload, now);
      }
      if (plan.deliveries.length === 0 && plan.groups.size === 0) return jobs.map(() => ({ ok: true }));
      // Lost to a power cut, routing is lost with the route jobs' completion, and runs again.
      await deps.store.relaxed((db) => db.transaction().execute((trx) => writeRoutePlan(trx, deps.store, jobs, plan, now)));
      deps.wake();
      return jobs.map(() => ({ ok: true, completed: true }));
    },
  };
}
