import { sql } from 'kysely';
import type { Store } from './database.js';

/** One circuit that has seen failures; a closed circuit with none has no row. `openUntil` 0: closed. */
export interface CircuitRow {
  name: string;
  failures: number;
  openUntil: number;
  /** While a probe is out, until when it holds the circuit (a replica that dies mid-probe frees it then). */
  probeUntil: number;
}

export interface FailurePolicy {
  threshold: number;
  cooldownMs: number;
}

/** Where circuit breakers keep their state: one place for every replica of a deployment. */
export interface CircuitLedger {
  all(): Promise<CircuitRow[]>;
  /** Counts one failure and returns the circuit as it now is; a failed probe opens it again. */
  failed(name: string, policy: FailurePolicy, now: number, probe: boolean): Promise<CircuitRow>;
  /** A success closes the circuit and clears its count. */
  succeeded(name: string): Promise<void>;
  /** Takes the one probe of an open circuit whose cooldown has passed; false when another holds it. */
  claimProbe(name: string, now: number, leaseMs: number): Promise<boolean>;
  releaseProbe(name: string): Promise<void>;
}

/** The circuits in the `circuits` table: each change is one statement, so replicas never overwrite each other's counts. */
export class StoredCircuitLedger implements CircuitLedger {
  constructor(private readonly store: Store) {}

  async all(): Promise<CircuitRow[]> {
    const rows = await this.store.db.selectFrom('circuits').selectAll().execute();
    return rows.map(circuitRow);
  }

  async failed(name: string, policy: FailurePolicy, now: number, probe: boolean): Promise<CircuitRow> {
    const reopen = now + policy.cooldownMs;
    const row = await this.store.db
      .insertInto('circuits')
      .values({ name, failures: 1, open_until: probe || policy.threshold <= 1 ? reopen : 0, probe_until: 0 })
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({
          failures: sql<number>`circuits.failures + 1`,
          open_until: probe ? reopen : sql<number>`case when circuits.failures + 1 >= ${policy.threshold} then ${reopen} else circuits.open_until end`,
          probe_until: probe ? 0 : sql<number>`circuits.probe_until`,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return circuitRow(row);
  }

  async succeeded(name: string): Promise<void> {
    await this.store.db.deleteFrom('circuits').where('name', '=', name).execute();
  }

  async claimProbe(name: string, now: number, leaseMs: number): Promise<boolean> {
    const result = await this.store.db
      .updateTable('circuits')
      .set({ probe_until: now + leaseMs })
      .where('name', '=', name)
      .where('open_until', '>', 0)
      .where('open_until', '<=', now)
      .where('probe_until', '<=', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async releaseProbe(name: string): Promise<void> {
    await this.store.db.updateTable('circuits').set({ probe_until: 0 }).where('name', '=', name).execute();
  }
}

function circuitRow(r: { name: string; failures: number | string; open_until: number | string; probe_until: number | string }): CircuitRow {
  return { name: r.name, failures: Number(r.failures), openUntil: Number(r.open_until), probeUntil: Number(r.probe_until) };
}
