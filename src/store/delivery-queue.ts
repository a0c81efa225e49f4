import { sql } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import { claimRowsSqlite, statementOn, type Store } from './database.js';
import type { DeliveryRow, NewAttempt } from './deliveries.js';

/**
 * The delivery queue is the deliveries table itself: a pending delivery is due at its
 * `next_attempt_at`. A claim leases it by moving `next_attempt_at` to the lease's end and
 * writing its owner token; if the worker dies, the delivery is simply due again when the lease
 * runs out. Every write about an attempt is fenced by the owner token, so a worker whose lease
 * was lost (or whose delivery was requeued or dropped meanwhile) changes nothing.
 */
export interface DeliveryClaim {
  owner: string;
  limit: number;
  leaseMs: number;
  now: number;
  /** Contact points to leave alone this time (those with as many deliveries in flight as they may have). */
  skip?: readonly string[];
}

const DUE = `state = 'pending' and next_attempt_at <= ?`;

/** The due condition, leaving out `skipped` contact points; one statement text per number of them. */
const dueSkipping = (skipped: number) => (skipped === 0 ? DUE : `${DUE} and contact_point_id not in (${Array(skipped).fill('?').join(', ')})`);

export async function claimDueDeliveries(store: Store, claim: DeliveryClaim): Promise<DeliveryRow[]> {
  const raw = store.sqlite;
  // A lease lost to a power cut only means the delivery is claimed again.
  if (raw) return store.relaxed(async () => claimSqlite(raw, claim));
  const skip = claim.skip ?? [];
  const skipping = skip.length > 0 ? sql`and contact_point_id not in (${sql.join(skip)})` : sql``;
  const result = await sql<DeliveryRow>`
    update deliveries set lease_owner = ${claim.owner}, next_attempt_at = ${claim.now + claim.leaseMs}
    where id in (
      select id from deliveries where state = 'pending' and next_attempt_at <= ${claim.now} ${skipping}
      order by next_attempt_at limit ${claim.limit}
      for update skip locked
    )
    returning *`.execute(store.db);
  return result.rows;
}

function claimSqlite(raw: BetterSqlite3.Database, claim: DeliveryClaim): DeliveryRow[] {
  const skip = claim.skip ?? [];
  return claimRowsSqlite<DeliveryRow>(
    raw,
    // Without statistics SQLite reads every pending delivery through (state, contact point) and sorts them; the due index is a range.
    { table: 'deliveries', from: 'deliveries indexed by deliveries_due', due: dueSkipping(skip.length), order: 'next_attempt_at', set: 'lease_owner = ?, next_attempt_at = ?' },
    { set: [claim.owner, claim.now + claim.leaseMs], due: [claim.now, ...skip], limit: claim.limit },
  );
}

/** Leases a worker holds: claim owner → the ids of its deliveries not yet written back. */
export type HeldLeases = ReadonlyMap<string, ReadonlySet<string>>;

/** Sets what the held leases' deliveries look like, by primary key and only while the lease is theirs. */
async function updateHeld(store: Store, held: HeldLeases, set: { next_attempt_at: number; lease_owner?: null }): Promise<number> {
  let changed = 0;
  // One statement at a time, no transaction around them: the rows need no common commit, and
  // a transaction holding every renewed row deadlocked with attempt logs of the same rows.
  await store.relaxed(async (db) => {
      for (const [owner, ids] of held) {
        const all = [...ids].sort();
        for (let i = 0; i < all.length; i += 500) {
          const r = await db
            .updateTable('deliveries')
            .set(set)
            .where('id', 'in', all.slice(i, i + 500))
            .where('lease_owner', '=', owner)
            .where('state', '=', 'pending')
            .executeTakeFirst();
          changed += Number(r.numUpdatedRows);
        }
      }
  });
  return changed;
}

/** Extends the leases of deliveries still in flight, so a slow endpoint does not lose them to another worker. */
export async function renewDeliveryLeases(store: Store, held: HeldLeases, leaseMs: number, now: number): Promise<void> {
  if (held.size > 0) await updateHeld(store, held, { next_attempt_at: now + leaseMs });
}

/** Hands leased deliveries back, due now: at shutdown, for what did not finish. */
export async function releaseDeliveries(store: Store, held: HeldLeases, now: number): Promise<number> {
  return held.size > 0 ? updateHeld(store, held, { next_attempt_at: now, lease_owner: null }) : 0;
}

/**
 * On SQLite only this process can hold leases, so any lease found at start belonged to a process
 * that died: its deliveries are due again now rather than when the lease would have run out.
 */
export async function releaseOrphanedDeliveries(store: Store, now: number): Promise<number> {
  if (store.dialect !== 'sqlite') return 0;
  const r = await store.db
    .updateTable('deliveries')
    .set({ next_attempt_at: now, lease_owner: null })
    .where('state', '=', 'pending')
    .where('lease_owner', 'is not', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** What an attempt (or a decision not to attempt) changes in its delivery, under the claim `owner`. */
export type DeliveryUpdate = { id: string; owner: string } & Partial<
  Pick<
    DeliveryRow,
    'state' | 'attempts' | 'body' | 'content_type' | 'next_attempt_at' | 'last_attempt_at' | 'last_status' | 'last_error' | 'delivered_at'
  >
> & { updated_at: number };

/**
 * Writes a batch of attempts and their deliveries' new state in one transaction, and ends their
 * leases. An update applies only while its claim still holds the delivery; the attempt is
 * logged either way, because it was made.
 */
export async function recordAttempts(store: Store, attempts: readonly NewAttempt[], updates: readonly DeliveryUpdate[]): Promise<void> {
  if (attempts.length === 0 && updates.length === 0) return;
  // Lost to a power cut, an attempt is made again under the same webhook-id: receivers dedupe.
  const raw = store.sqlite;
  if (raw) return store.relaxed(async () => recordAttemptsSqlite(raw, attempts, updates));
  await store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < attempts.length; i += 200) {
      await trx.insertInto('delivery_attempts').values(attempts.slice(i, i + 200)).execute();
    }
    for (const { id, owner, ...changes } of updates) {
      await trx.updateTable('deliveries').set({ ...changes, lease_owner: null }).where('id', '=', id).where('lease_owner', '=', owner).execute();
    }
  });
}

const UPDATABLE = ['state', 'attempts', 'body', 'content_type', 'next_attempt_at', 'last_attempt_at', 'last_status', 'last_error', 'delivered_at'] as const;

const INSERT_ATTEMPT = `insert into delivery_attempts (delivery_id, contact_point_id, attempt, started_at, duration_ms, outcome, request, request_body,
    response_status, response_headers, response_body, error)
  values (@delivery_id, @contact_point_id, @attempt, @started_at, @duration_ms, @outcome, @request, @request_body,
    @response_status, @response_headers, @response_body, @error)`;

/** Each column changes only when the update names it (has_<column> = 1); null is a value to set. */
const UPDATE_DELIVERY = `update deliveries set ${UPDATABLE.map((c) => `${c} = case when @has_${c} then @${c} else ${c} end`).join(', ')},
    lease_owner = null, updated_at = @updated_at
  where id = @id and lease_owner = @owner`;

/** recordAttempts on SQLite: prepared statements in one synchronous transaction, a delivery's hot path builds no SQL. */
function recordAttemptsSqlite(raw: BetterSqlite3.Database, attempts: readonly NewAttempt[], updates: readonly DeliveryUpdate[]): void {
  const insertAttempt = statementOn(raw, INSERT_ATTEMPT);
  const update = statementOn(raw, UPDATE_DELIVERY);
  raw.transaction(() => {
    for (const a of attempts) {
      insertAttempt.run({
        delivery_id: a.delivery_id,
        contact_point_id: a.contact_point_id,
        attempt: a.attempt,
        started_at: a.started_at,
        duration_ms: a.duration_ms,
        outcome: a.outcome,
        request: a.request,
        request_body: a.request_body,
        response_status: a.response_status ?? null,
        response_headers: a.response_headers ?? null,
        response_body: a.response_body ?? null,
        error: a.error ?? null,
      });
    }
    for (const u of updates) {
      const params: Record<string, string | number | null> = { id: u.id, owner: u.owner, updated_at: u.updated_at };
      for (const c of UPDATABLE) {
        const value = u[c];
        params[`has_${c}`] = value === undefined ? 0 : 1;
        params[c] = value ?? null;
      }
      update.run(params);
    }
  })();
}

/** Deliveries waiting to be sent (due or not), for the health check's queue size. */
export async function countPendingDeliveries(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
