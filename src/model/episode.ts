// The rules that decide what one arrival of an alert changes, as pure functions over what is
// known of the alert (its stored state) and of its source (the last receipt). Every dialect's
// ingest applies them the same way.
import type { Alert, AlertStatus } from './alert.js';

/** The stored state of an alert, as far as the rules look at it. */
export interface KnownAlert {
  status: string;
  starts_at: number;
  last_seen: number;
}

/** The last time one source delivered one alert. */
export interface Receipt {
  status: string;
  starts_at: number;
  last_at: number;
}

/**
 * A sender that omits startsAt (a curl, a script) repeats an alert that is still firing: it
 * belongs to the stored episode, as Alertmanager merges it, rather than opening a new one.
 */
export function continueEpisode(alert: Alert, previous: KnownAlert | undefined): Alert {
  if (!alert.startsAtImplied || !previous || previous.status !== 'firing') return alert;
  return { ...alert, startsAt: previous.starts_at };
}

/**
 * An episode older than the stored one, or news of the stored episode older than what is
 * stored (replicas applying out of order), only joins the history: it must not roll the alert back.
 */
export function isStale(alert: Alert, at: number, previous: KnownAlert): boolean {
  return alert.startsAt < previous.starts_at || (alert.startsAt === previous.starts_at && at < previous.last_seen);
}

/**
 * A repeat of what the same source said last, within the window: stored once. An HA pair of
 * Alertmanagers sends each notification twice; a retry after a timeout sends it again.
 */
export function isDuplicate(receipt: Receipt, alert: { status: AlertStatus; startsAt: number }, at: number, windowMs: number): boolean {
  return receipt.status === alert.status && receipt.starts_at === alert.startsAt && at - receipt.last_at < windowMs;
}

/** Whether the arrival opens a new episode (occurrence) of the alert. */
export function opensEpisode(alert: { startsAt: number }, previous: KnownAlert | undefined): boolean {
  return !previous || previous.starts_at !== alert.startsAt;
}
