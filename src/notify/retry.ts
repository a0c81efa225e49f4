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

/** Longest wait a Retry-After may impose, in either form: a receiver cannot park a delivery for days. */
export const RETRY_AFTER_CAP_MS = 3600_000;

/**
 * Retry-After (RFC 9110 §10.2.3) as delay-seconds or an HTTP-date, in ms from `now`, at most
 * RETRY_AFTER_CAP_MS; null when absent, unreadable, or a date that is not in the future (the
 * receiver's hint has expired, so the schedule decides).
 */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (!value) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, RETRY_AFTER_CAP_MS);
  const at = parseHttpDate(text, now);
  if (at === null || at <= now) return null;
  return Math.min(at - now, RETRY_AFTER_CAP_MS);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
/** Sun, 06 Nov 1994 08:49:37 GMT — the form senders must use. */
const IMF_FIXDATE = new RegExp(`^(?:mon|tue|wed|thu|fri|sat|sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i');
/** Sunday, 06-Nov-94 08:49:37 GMT — obsolete, but recipients must read it. */
const RFC850_DATE = new RegExp(`^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i');
/** Sun Nov  6 08:49:37 1994 — C's asctime(), in GMT although it does not say so. */
const ASCTIME_DATE = new RegExp(`^(?:mon|tue|wed|thu|fri|sat|sun) ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`, 'i');

interface DateParts {
  year: number;
  month: string;
  day: string;
  time: (string | undefined)[];
}

function dateParts(text: string, now: number): DateParts | null {
  const imf = IMF_FIXDATE.exec(text);
  if (imf) return { day: imf[1] ?? '', month: imf[2] ?? '', year: Number(imf[3]), time: imf.slice(4, 7) };
  const rfc850 = RFC850_DATE.exec(text);
  if (rfc850) {
    // The year with those last two digits at most 50 years ahead: one further ahead is the most recent past one.
    const latest = new Date(now).getUTCFullYear() + 50;
    const year = latest - ((((latest - Number(rfc850[3])) % 100) + 100) % 100);
    return { day: rfc850[1] ?? '', month: rfc850[2] ?? '', year, time: rfc850.slice(4, 7) };
  }
  const asctime = ASCTIME_DATE.exec(text);
  if (asctime) return { month: asctime[1] ?? '', day: asctime[2] ?? '', year: Number(asctime[6]), time: asctime.slice(3, 6) };
  return null;
}

/**
 * An HTTP-date (RFC 9110 §5.6.7) in ms since the epoch, or null. Strict where Date.parse is
 * not: V8 reads "soon 2" as February 2001, asctime in local time, and 31 Feb as 3 March.
 */
export function parseHttpDate(text: string, now: number): number | null {
  const parts = dateParts(text, now);
  if (!parts) return null;
  const month = MONTHS.indexOf(parts.month.toLowerCase());
  const day = Number(parts.day.trim());
  const [hour = 0, minute = 0, second = 0] = parts.time.map(Number);
  if (hour > 23 || minute > 59 || second > 60) return null;
  const at = Date.UTC(parts.year, month, day, hour, minute, second);
  const check = new Date(at);
  if (check.getUTCFullYear() !== parts.year || check.getUTCMonth() !== month || check.getUTCDate() !== day) return null;
  return at;
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
