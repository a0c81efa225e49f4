/**
 * A circuit breaker per contact point, so a dead endpoint is not hammered by every queued
 * delivery and its retries. Closed: attempts flow; `failureThreshold` consecutive retryable
 * failures open it. Open: no attempts until `cooldown` has passed. Half-open: one probe goes
 * out; its success closes the circuit, its failure opens it for another cooldown. State is in
 * memory, per process: a restart starts closed, which at worst costs one more probe.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export type Admission = { allowed: true; probe: boolean } | { allowed: false; retryAt: number };

export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private probing = false;
  private opened = false;

  constructor(private threshold: number, private cooldownMs: number) {}

  configure(threshold: number, cooldownMs: number): void {
    this.threshold = threshold;
    this.cooldownMs = cooldownMs;
  }

  state(now: number): CircuitState {
    if (!this.opened) return 'closed';
    return now < this.openUntil || this.probing ? 'open' : 'half-open';
  }

  /** May an attempt go out now? While a probe is out, the others wait a little. */
  admit(now: number): Admission {
    if (!this.opened) return { allowed: true, probe: false };
    if (now < this.openUntil) return { allowed: false, retryAt: this.openUntil };
    if (this.probing) return { allowed: false, retryAt: now + Math.min(this.cooldownMs, 5000) };
    this.probing = true;
    return { allowed: true, probe: true };
  }

  /** Records an attempt's outcome; only retryable failures count against the endpoint. */
  record(outcome: 'success' | 'failure' | 'neutral', now: number, probe: boolean): void {
    if (probe) this.probing = false;
    if (outcome === 'success') {
      this.failures = 0;
      this.opened = false;
      return;
    }
    if (outcome === 'neutral') return;
    this.failures += 1;
    if (probe || this.failures >= this.threshold) {
      this.opened = true;
      this.openUntil = now + this.cooldownMs;
    }
  }
}

export class CircuitBreakers {
  private readonly byId = new Map<string, CircuitBreaker>();

  for(id: string, threshold: number, cooldownMs: number): CircuitBreaker {
    let b = this.byId.get(id);
    if (!b) {
      b = new CircuitBreaker(threshold, cooldownMs);
      this.byId.set(id, b);
    } else {
      b.configure(threshold, cooldownMs);
    }
    return b;
  }

  forget(id: string): void {
    this.byId.delete(id);
  }

  state(id: string, now: number): CircuitState {
    return this.byId.get(id)?.state(now) ?? 'closed';
  }
}
