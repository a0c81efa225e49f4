import type { JobKind, JobResult } from '../jobs/runner.js';
import type { Store } from '../store/database.js';
import type { DeliveryRow } from '../store/deliveries.js';
import type { StoredAlert } from '../store/ingest.js';
import type { ClaimedJob, JobSpec } from '../store/jobs.js';
import { orderedKey } from '../store/ordered-key.js';
import { commitRoutePlan, type RoutePlan as StoredRoutePlan } from '../store/route-plan.js';
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

/** The plan in the store's terms: each group's alerts encoded, its first flush after group_wait. */
function storedPlan(plan: RoutePlan, now: number): StoredRoutePlan {
  return {
    deliveries: plan.deliveries,
    groups: [...plan.groups.values()].map((g) => ({
      contactPointId: g.cp.id,
      groupKey: g.groupKey,
      groupLabels: g.groupLabels,
      firstFlushAt: now + (g.cp.settings.grouping?.groupWait ?? 0) * 1000,
      alerts: new Map([...g.alerts].map(([fingerprint, a]) => [fingerprint, JSON.stringify(a)])),
    })),
  };
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
      await commitRoutePlan(deps.store, jobs, storedPlan(plan, now), (cpId, groupKey, runAt) => flushJob(cpId, groupKey, 1, runAt), now);
      deps.wake();
      return jobs.map(() => ({ ok: true, completed: true }));
    },
  };
}
