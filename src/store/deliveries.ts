import { sql, Transaction, type Generated, type Insertable, type RawBuilder, type Selectable } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import { statementOn, type Store } from './database.js';
import type { Database } from './tables.js';

export type DeliveryState = 'pending' | 'paused' | 'delivered' | 'failed' | 'dropped';

/** One outbound message; `id` is its webhook-id. `notification` is the snapshot it renders from. */
export interface DeliveriesTable {
  id: string;
  contact_point_id: string;
  kind: string;
  state: string;
  /** Bumped whenever the delivery is queued anew: how many series of attempts it has had. */
  generation: number;
  status: string;
  alert_count: number;
  summary: string;
  notification: string;
  /** The rendered body, fixed at the first attempt so every retry sends the same bytes. */
  body: string | null;
  content_type: string | null;
  attempts: number;
  created_at: number;
  /** Start of the current series of attempts; the retry max age counts from here. */
  series_started_at: number;
  updated_at: number;
  /** When the delivery is due (state pending); while a worker holds it, when its lease ends. */
  next_attempt_at: number | null;
  /** The claim holding the delivery; its writes apply only while it still holds it. */
  lease_owner: string | null;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
}

export interface DeliveryAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  contact_point_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number;
  outcome: string;
  /** JSON {method, url, headers} with secrets redacted. */
  request: string;
  request_body: string;
  response_status: number | null;
  /** JSON object of the response headers. */
  response_headers: string | null;
  response_body: string | null;
  error: string | null;
}


export type DeliveryRow = Selectable<DeliveriesTable>;
export type AttemptRow = Selectable<DeliveryAttemptsTable>;
export type NewAttempt = Insertable<DeliveryAttemptsTable>;
type AnyTrx = Transaction<Database>;
const CHUNK = 200;

/** Inserts deliveries in the caller's transaction; an id that exists already is left alone. */
export async function insertDeliveries(trx: AnyTrx, rows: readonly DeliveryRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await trx
      .insertInto('deliveries')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
}

const DELIVERY_COLUMNS = [
  'id', 'contact_point_id', 'kind', 'state', 'generation', 'status', 'alert_count', 'summary', 'notification', 'body', 'content_type',
  'attempts', 'created_at', 'series_started_at', 'updated_at', 'next_attempt_at', 'lease_owner', 'last_attempt_at', 'last_status', 'last_error', 'delivered_at',
] as const satisfies readonly (keyof DeliveriesTable)[];

const INSERT_DELIVERY = `insert into deliveries (${DELIVERY_COLUMNS.join(', ')}) values (${DELIVERY_COLUMNS.map((c) => `@${c}`).join(', ')})
  on conflict (id) do nothing`;

/** insertDeliveries inside a synchronous SQLite transaction on the raw connection. */
export function insertDeliveriesSqlite(raw: BetterSqlite3.Database, rows: readonly DeliveryRow[]): void {
  const insert = statementOn(raw, INSERT_DELIVERY);
  for (const row of rows) insert.run(row);
}

export async function getDelivery(store: Store, id: string): Promise<DeliveryRow | undefined> {
  return store.db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Queues deliveries anew (a new generation, a new series of attempts), due now; returns how many.
 * A lease still held on one is void from here: its worker's writes no longer apply.
 */
async function requeueWhere(trx: AnyTrx, where: RawBuilder<unknown>, now: number): Promise<number> {
  const result = await sql`
    update deliveries set state = 'pending', generation = generation + 1, series_started_at = ${now},
      next_attempt_at = ${now}, lease_owner = null, updated_at = ${now}
    where ${where}`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

export function resumePaused(trx: AnyTrx, contactPointId: string, now: number) {
  return requeueWhere(trx, sql`contact_point_id = ${contactPointId} and state = 'paused'`, now);
}

export function requeueFailedSince(trx: AnyTrx, contactPointId: string, since: number, now: number) {
  return requeueWhere(trx, sql`contact_point_id = ${contactPointId} and state = 'failed' and kind = 'alert' and updated_at >= ${since}`, now);
}

export function requeueOne(trx: AnyTrx, id: string, now: number) {
  return requeueWhere(trx, sql`id = ${id}`, now);
}

/** Drops what waits for a contact point (queued, retrying or paused); returns how many. */
export async function dropQueued(store: Store | AnyTrx, contactPointId: string, now: number): Promise<number> {
  const r = await sql`
    update deliveries set state = 'dropped', updated_at = ${now}, last_error = 'dropped on request', next_attempt_at = null, lease_owner = null
    where contact_point_id = ${contactPointId} and state in ('pending', 'paused')`.execute(store instanceof Transaction ? store : store.db);
  return Number(r.numAffectedRows ?? 0);
}

export interface DeliveryFilter {
  contactPointId?: string;
  state?: string;
  status?: string;
  kind?: string;
  since?: number;
  until?: number;
  limit: number;
}

export async function listDeliveries(store: Store, filter: DeliveryFilter): Promise<DeliveryRow[]> {
  let q = store.db.selectFrom('deliveries').selectAll();
  if (filter.contactPointId) q = q.where('contact_point_id', '=', filter.contactPointId);
  if (filter.state) q = q.where('state', '=', filter.state);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.kind) q = q.where('kind', '=', filter.kind);
  if (filter.since !== undefined) q = q.where('created_at', '>=', filter.since);
  if (filter.until !== undefined) q = q.where('created_at', '<', filter.until);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

export async function listAttempts(store: Store, deliveryId: string): Promise<AttemptRow[]> {
  return store.db.selectFrom('delivery_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('id').execute();
}

export interface AttemptStats {
  attempts: number;
  successes: number;
  lastSuccessAt: number | null;
  lastErrorAt: number | null;
  lastError: string | null;
  queued: number;
  paused: number;
}

/** Per contact point: attempts and successes since `since`, the last success and error, the queue. */
export async function attemptStats(store: Store, contactPointId: string, since: number): Promise<AttemptStats> {
  const d = store.db;
  const counts = await d
    .selectFrom('delivery_attempts')
    .select(['outcome', (eb) => eb.fn.countAll<number>().as('n')])
    .where('contact_point_id', '=', contactPointId)
    .where('started_at', '>=', since)
    .groupBy('outcome')
    .execute();
  const lastSuccess = await d
    .selectFrom('delivery_attempts')
    .select('started_at')
    .where('contact_point_id', '=', contactPointId)
    .where('outcome', '=', 'success')
    .orderBy('started_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  const lastError = await d
    .selectFrom('delivery_attempts')
    .select(['started_at', 'error', 'response_status'])
    .where('contact_point_id', '=', contactPointId)
    .where('outcome', 'in', ['retry', 'failed'])
    .orderBy('started_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  const queue = await d
    .selectFrom('deliveries')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('contact_point_id', '=', contactPointId)
    .where('state', 'in', ['pending', 'paused'])
    .groupBy('state')
    .execute();
  const total = counts.reduce((sum, c) => sum + Number(c.n), 0);
  return {
    attempts: total,
    successes: Number(counts.find((c) => c.outcome === 'success')?.n ?? 0),
    lastSuccessAt: lastSuccess?.started_at ?? null,
    lastErrorAt: lastError?.started_at ?? null,
    lastError: lastError ? (lastError.error ?? `HTTP ${lastError.response_status ?? '?'}`) : null,
    queued: Number(queue.find((q) => q.state === 'pending')?.n ?? 0),
    paused: Number(queue.find((q) => q.state === 'paused')?.n ?? 0),
  };
}

/** Deliveries waiting (queued, retrying or paused), per contact point id. */
export async function queueDepths(store: Store): Promise<Map<string, number>> {
  const rows = await store.db
    .selectFrom('deliveries')
    .select(['contact_point_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('state', 'in', ['pending', 'paused'])
    .groupBy('contact_point_id')
    .execute();
  return new Map(rows.map((r) => [r.contact_point_id, Number(r.n)]));
}

/** Removes finished deliveries (and their attempts) created before `olderThan`. */
export async function purgeDeliveries(store: Store, olderThan: number): Promise<number> {
  return store.db.transaction().execute(async (trx) => {
    const t = trx;
    const old = t
      .selectFrom('deliveries')
      .select('id')
      .where('created_at', '<', olderThan)
      .where('state', 'in', ['delivered', 'failed', 'dropped']);
    await t.deleteFrom('delivery_attempts').where('delivery_id', 'in', old).execute();
    const r = await t
      .deleteFrom('deliveries')
      .where('created_at', '<', olderThan)
      .where('state', 'in', ['delivered', 'failed', 'dropped'])
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  });
}


/** Logs a delivery that was attempted outside the queue (a test message) with its attempt. */
export async function recordFinishedDelivery(store: Store, row: DeliveryRow, attempt: NewAttempt): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    const t = trx;
    await t.insertInto('deliveries').values(row).execute();
    await t.insertInto('delivery_attempts').values(attempt).execute();
  });
}
