import type { CircuitLedger, CircuitRow, FailurePolicy } from '../store/circuits.js';

/**
 * Circuit breakers for outbound endpoints (each contact point, the LLM), so that a dead endpoint
 * is not hammered by every queued request and its retries. Closed: requests flow; `threshold`
 * consecutive failures open it. Open: nothing goes out until `cooldownMs` has passed. Half-open:
 * one probe goes out; its success closes the circuit, its failure opens it for another cooldown.
 *
 * The state lives in a ledger every replica shares: the count is the deployment's, and one
 * replica's probe is the only one. Each replica reads the ledger at most once a second while it
 * sends, so the healthy path costs no write and a replica learns of a circuit another opened
 * within a second.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export type Admission = { allowed: true; probe: boolean } | { allowed: false; retryAt: number };

export type AttemptOutcome = 'success' | 'failure' | 'neutral';

export type { FailurePolicy } from '../store/circuits.js';

const REFRESH_MS = 1000;
/** How long a probe holds the circuit when its replica never reports back: longer than any request may take. */
const PROBE_LEASE_MS = 120_000;
/** While another request is the probe, the others look again this soon (or after the cooldown if shorter). */
const PROBE_WAIT_MS = 5000;

export class CircuitBreakers {
  private known = new Map<string, CircuitRow>();
  private readAt = -Infinity;
  private reading: Promise<void> | null = null;

  constructor(private readonly ledger: CircuitLedger) {}

  /** May a request to `name` go out now? A request let through after the cooldown is the probe. */
  async admit(name: string, policy: FailurePolicy, now: number): Promise<Admission> {
    await this.refresh(now);
    const c = this.known.get(name);
    if (!c || c.openUntil === 0) return { allowed: true, probe: false };
    if (now < c.openUntil) return { allowed: false, retryAt: c.openUntil };
    const wait = { allowed: false, retryAt: now + Math.min(policy.cooldownMs, PROBE_WAIT_MS) } as const;
    if (c.probeUntil > now) return wait;
    const claimed = await this.ledger.claimProbe(name, now, PROBE_LEASE_MS).catch(() => false);
    if (!claimed) return wait;
    this.known.set(name, { ...c, probeUntil: now + PROBE_LEASE_MS });
    return { allowed: true, probe: true };
  }

  /** Records a request's outcome; only failures that say the endpoint is down count against it. */
  async record(name: string, policy: FailurePolicy, outcome: AttemptOutcome, now: number, probe: boolean): Promise<void> {
    const c = this.known.get(name);
    try {
      if (outcome === 'success') {
        if (!c && !probe) return;
        this.known.delete(name);
        await this.ledger.succeeded(name);
      } else if (outcome === 'failure') {
        this.known.set(name, await this.ledger.failed(name, policy, now, probe));
      } else if (probe) {
        if (c) this.known.set(name, { ...c, probeUntil: 0 });
        await this.ledger.releaseProbe(name);
      }
    } catch {
      // The ledger is unreachable (the database is away): this replica goes on with what it
      // knows, and the next refresh brings the shared state back.
      if (outcome === 'failure') this.known.set(name, failedCircuit(c ?? { name, failures: 0, openUntil: 0, probeUntil: 0 }, policy, now, probe));
    }
  }

  /** Closes the circuit and forgets its count, for every replica. */
  async reset(name: string): Promise<void> {
    this.known.delete(name);
    await this.ledger.succeeded(name).catch(() => undefined);
  }

  async state(name: string, now: number): Promise<CircuitState> {
    await this.refresh(now);
    const c = this.known.get(name);
    if (!c || c.openUntil === 0) return 'closed';
    return now < c.openUntil || c.probeUntil > now ? 'open' : 'half-open';
  }

  private async refresh(now: number): Promise<void> {
    if (now - this.readAt < REFRESH_MS && now >= this.readAt) return;
    this.reading ??= this.ledger
      .all()
      .then((rows) => {
        this.known = new Map(rows.map((r) => [r.name, r]));
        this.readAt = now;
      })
      // Unreadable: keep what is known, and try again at the next request after a second.
      .catch(() => {
        this.readAt = now;
      })
      .finally(() => {
        this.reading = null;
      });
    await this.reading;
  }
}

/** One more failure: the circuit opens at the threshold, and again at once when the probe fails. */
export function failedCircuit(c: CircuitRow, policy: FailurePolicy, now: number, probe: boolean): CircuitRow {
  const failures = c.failures + 1;
  const opens = probe || failures >= policy.threshold;
  return { name: c.name, failures, openUntil: opens ? now + policy.cooldownMs : c.openUntil, probeUntil: probe ? 0 : c.probeUntil };
}

/** A ledger for one process alone (tests, and an LLM analyst without a store). */
export class MemoryCircuitLedger implements CircuitLedger {
  private readonly rows = new Map<string, CircuitRow>();

  async all(): Promise<CircuitRow[]> {
    return [...this.rows.values()];
  }

  async failed(name: string, policy: FailurePolicy, now: number, probe: boolean): Promise<CircuitRow> {
    const row = failedCircuit(this.rows.get(name) ?? { name, failures: 0, openUntil: 0, probeUntil: 0 }, policy, now, probe);
    this.rows.set(name, row);
    return row;
  }

  async succeeded(name: string): Promise<void> {
    this.rows.delete(name);
  }

  async claimProbe(name: string, now: number, leaseMs: number): Promise<boolean> {
    const c = this.rows.get(name);
    if (!c || c.openUntil === 0 || c.openUntil > now || c.probeUntil > now) return false;
    this.rows.set(name, { ...c, probeUntil: now + leaseMs });
    return true;
  }

  async releaseProbe(name: string): Promise<void> {
    const c = this.rows.get(name);
    if (c) this.rows.set(name, { ...c, probeUntil: 0 });
  }
}
