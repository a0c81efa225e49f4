import type { Log } from '../observability/log.js';

/** Longest wait between claims while the store keeps failing. */
const MAX_BACKOFF_MS = 5000;

/**
 * What a claim loop does while its store fails (a database that is down or restarting): wait
 * longer after each failure in a row, up to a cap, and log one line per outage (then one per
 * ten failures) instead of one per poll.
 */
export class ClaimBackoff {
  private failures = 0;

  constructor(
    private readonly log: Log,
    private readonly what: string,
    private readonly pollMs: number,
  ) {}

  succeeded(): void {
    if (this.failures > 0) this.log.info({ failures: this.failures }, `${this.what} works again`);
    this.failures = 0;
  }

  failed(error: unknown): void {
    if (this.failures % 10 === 0) this.log.error({ err: error, failures: this.failures + 1 }, `${this.what} failed`);
    this.failures += 1;
  }

  /** The poll interval, doubled per failure in a row up to the cap. */
  idleWait(): number {
    if (this.failures === 0) return this.pollMs;
    return Math.min(this.pollMs * 2 ** Math.min(this.failures, 10), Math.max(this.pollMs, MAX_BACKOFF_MS));
  }
}
