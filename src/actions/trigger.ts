import { LabelMatcher, type Condition } from '../model/matchers.js';
import type { Alert } from '../model/alert.js';

export type TriggerPlan =
  | { act: false; reason: string }
  | { act: true; trigger: 'firing' | 'resolved'; matched: Alert[] };

/**
 * Decides whether a hook call acts, and how. Firing alerts that meet the conditions trigger the
 * action once for the whole notification (a step, in Rancher's terms); a notification of only
 * resolved alerts triggers the resolve path (reverse action, or killing a running command). An
 * empty POST, or JSON without alerts, triggers the action once when there are no conditions.
 */
export function planTrigger(alerts: readonly Alert[], conditions: readonly Condition[], hadAlerts: boolean): TriggerPlan {
  const matcher = new LabelMatcher(conditions);
  if (!hadAlerts) {
    if (conditions.length > 0) return { act: false, reason: 'the request carried no alerts to match the conditions' };
    return { act: true, trigger: 'firing', matched: [] };
  }
  const matched = alerts.filter((a) => matcher.matches(a.labels));
  if (matched.length === 0) {
    const first = alerts[0];
    const why = first ? matcher.explainMismatch(first.labels) : null;
    return { act: false, reason: alerts.length === 0 ? 'the notification has no alerts' : `no alert met the conditions${why ? ` (${why})` : ''}` };
  }
  const firing = matched.filter((a) => a.status === 'firing');
  if (firing.length > 0) return { act: true, trigger: 'firing', matched: firing };
  return { act: true, trigger: 'resolved', matched };
}
