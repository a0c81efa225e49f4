/**
 * What an attempt's result means for the delivery, and when to try again. Any 2xx is
 * success (KubeSphere only counts 200); 5xx, 408, 429 and network errors are retried (Alertmanager
 * drops 429); 410 means the endpoint is gone; every other answer fails at once.
 */
export type Verdict = 'success' | 'retry' | 'failed' | 'gone';

export interface AttemptResult {
  status?: number;
  /** Network failure, timeout, TLS error: the request may not have reached the receiver. */
  networkError?: boolean;
  /** Failures that no retry can fix (a refused address, a template bug is not one of them). */
  permanentError?: boolean;
}

export function verdict(r: AttemptResult): Verdict {
  if (r.permanentError) return 'failed';
  if (r.status === undefined) return r.networkError ? 'retry' : 'failed';
  if (r.status >= 200 && r.status < 300) return 'success';
  if (r.status === 410) return 'gone';
  if (r.status >= 500 || r.status === 408 || r.status === 429) return 'retry';
  return 'failed';
}

/** Longest wait a Retry-After may impose; past it the schedule takes over again. */
export const RETRY_AFTER_CAP_MS = 3600_000;

/** Retry-After as delay-seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (!value) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, RETRY_AFTER_CAP_MS);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now), RETRY_AFTER_CAP_MS);
}

/** ±20 % so the retries of a burst spread out instead of arriving together. */
export function jitter(ms: number, random: () => number = Math.random): number {
  return Math.round(ms * (0.8 + random() * 0.4));
}

/**
 * Delay before the next attempt, after `failedAttempts` failures: the schedule's entry for that
 * retry (its last entry repeats), or the receiver's Retry-After when it gave one.
 */
export function retryDelay(failedAttempts: number, scheduleSeconds: readonly number[], retryAfterMs: number | null, random?: () => number): number {
  if (retryAfterMs !== null) return retryAfterMs;
  const index = Math.min(Math.max(0, failedAttempts - 1), scheduleSeconds.length - 1);
  return jitter((scheduleSeconds[index] ?? 3600) * 1000, random);
}
