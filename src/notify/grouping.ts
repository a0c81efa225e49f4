import type { SnapshotAlert } from './outbound.js';

/** The labels an alert is grouped by; `...` stands for all of them, as in Alertmanager. */
export function groupLabelsOf(labels: Readonly<Record<string, string>>, groupBy: readonly string[]): Record<string, string> {
  if (groupBy.includes('...')) return { ...labels };
  const out: Record<string, string> = {};
  for (const name of groupBy) {
    const v = labels[name];
    if (v !== undefined && v !== '') out[name] = v;
  }
  return out;
}

/** What the last notification of a group contained, as Alertmanager's notification log keeps it. */
export interface LastSent {
  at: number;
  firing: readonly string[];
  resolved: readonly string[];
}

function isSubset(of: readonly string[], items: Iterable<string>): boolean {
  const set = new Set(of);
  for (const i of items) if (!set.has(i)) return false;
  return true;
}

/**
 * Alertmanager's DedupStage.needsUpdate: notify a new group only if something fires; notify
 * when new alerts fire, when everything resolved after a notification that had firing alerts,
 * when new alerts resolved (with send_resolved), or when repeat_interval has passed.
 */
export function needsUpdate(
  last: LastSent | null,
  firing: readonly string[],
  resolved: readonly string[],
  sendResolved: boolean,
  repeatIntervalMs: number,
  now: number,
): boolean {
  if (!last) return firing.length > 0;
  if (!isSubset(last.firing, firing)) return true;
  if (firing.length === 0) return last.firing.length > 0;
  if (sendResolved && !isSubset(last.resolved, resolved)) return true;
  return last.at <= now - repeatIntervalMs;
}

export function partition(alerts: readonly SnapshotAlert[]): { firing: string[]; resolved: string[] } {
  const firing: string[] = [];
  const resolved: string[] = [];
  for (const a of alerts) (a.status === 'firing' ? firing : resolved).push(a.fingerprint);
  return { firing: firing.sort(), resolved: resolved.sort() };
}
