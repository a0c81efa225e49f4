import { sql, Transaction, type Generated, type Insertable, type RawBuilder, type Selectable } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import { statementOn, type Store } from './database.js';
import type { Database } from './tables.js';
import { completeJobs, completeJobsSqlite } from './jobs.js';

export type DeliveryState = 'pending' | 'paused' | 'delivered' | 'failed' | 'dropped';

/** One outbound message; `id` is its webhook-id. `notification` is the snapshot it renders from. */
export interface DeliveriesTable {
  id: string;
  contact_point_id: string;
  kind: string;
  state: string;
  /** Bumped whenever the delivery is queued anew, so only the newest deliver job acts on it. */
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
  next_attempt_at: number | null;
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
  'attempts', 'created_at', 'series_started_at', 'updated_at', 'next_attempt_at', 'last_attempt_at', 'last_status', 'last_error', 'delivered_at',
] as const satisfies readonly (keyof DeliveriesTable)[];

const INSERT_DELIVERY = `insert into deliveries (${DELIVERY_COLUMNS.join(', ')}) values (${DELIVERY_COLUMNS.map((c) => `@${c}`).join(', ')})
  on conflict (id) do nothing`;

/** insertDeliveries inside a synchronous SQLite transaction on the raw connection. */
export function insertDeliveriesSqlite(raw: BetterSqlite3.Database, rows: readonly DeliveryRow[]): void {
  const insert = statementOn(raw, INSERT_DELIVERY);
  for (const row of rows) insert.run(row);
}

export async function loadDeliveries(store: Store, ids: readonly string[]): Promise<Map<string, DeliveryRow>> {
  const found = new Map<string, DeliveryRow>();
  const raw = store.sqlite;
  if (raw) {
    // Point lookups by primary key through one prepared statement; the lock keeps Kysely's queries out meanwhile.
    return store.db.connection().execute(async () => {
      const byId = statementOn(raw, 'select * from deliveries where id = ?');
      for (const id of ids) {
        const row = byId.get(id) as DeliveryRow | undefined;
        if (row) found.set(row.id, row);
      }
      return found;
    });
  }
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await store.db.selectFrom('deliveries').selectAll().where('id', 'in', ids.slice(i, i + CHUNK)).execute();
    for (const row of rows) found.set(row.id, row);
  }
  return found;
}

export async function getDelivery(store: Store, id: string): Promise<DeliveryRow | undefined> {
  return store.db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

/** What an attempt (or a decision not to attempt) changes in its delivery. */
export type DeliveryUpdate = { id: string; generation: number } & Partial<
  Pick<
    DeliveryRow,
    'state' | 'attempts' | 'body' | 'content_type' | 'next_attempt_at' | 'last_attempt_at' | 'last_status' | 'last_error' | 'delivered_at'
  >
> & { updated_at: number };

/**
 * Writes a batch of attempts and their deliveries' new state in one transaction, with the
 * completion of the jobs that are done. An update only applies to the generation it was made
 * for: a delivery requeued meanwhile is left alone.
 */
export async function recordAttempts(
  store: Store,
  attempts: readonly NewAttempt[],
  updates: readonly DeliveryUpdate[],
  finished: readonly { id: number; owner: string }[] = [],
  now = 0,
): Promise<void> {
  if (attempts.length === 0 && updates.length === 0 && finished.length === 0) return;
  // Lost to a power cut, an attempt is made again under the same webhook-id: receivers dedupe.
  const raw = store.sqlite;
  if (raw) return store.relaxed(async () => recordAttemptsSqlite(raw, attempts, updates, finished, now));
  await store.db.transaction().execute(async (trx) => {
    // Jobs whose delivery reached a final state complete with it: one commit instead of two.
    if (finished.length > 0) await completeJobs(trx, finished, now);
    for (let i = 0; i < attempts.length; i += CHUNK) {
      await trx.insertInto('delivery_attempts').values(attempts.slice(i, i + CHUNK)).execute();
    }
    for (const { id, generation, ...changes } of updates) {
      await trx.updateTable('deliveries').set(changes).where('id', '=', id).where('generation', '=', generation).execute();
    }
  });
}

const UPDATABLE = ['state', 'attempts', 'body', 'content_type', 'next_attempt_at', 'last_attempt_at', 'last_status', 'last_error', 'delivered_at'] as const;

const INSERT_ATTEMPT = `insert into delivery_attempts (delivery_id, contact_point_id, attempt, started_at, duration_ms, outcome, request, request_body,
    response_status, response_headers, response_body, error)
  values (@delivery_id, @contact_point_id, @attempt, @started_at, @duration_ms, @outcome, @request, @request_body,
    @response_status, @response_headers, @response_body, @error)`;

/** Each column changes only when the update names it (has_<column> = 1); null is a value to set. */
const UPDATE_DELIVERY = `update deliveries set ${UPDATABLE.map((c) => `${c} = case when @has_${c} then @${c} else ${c} end`).join(', ')}, updated_at = @updated_at
  where id = @id and generation = @generation`;

/** recordAttempts on SQLite: prepared statements in one synchronous transaction, a delivery's hot path builds no SQL. */
function recordAttemptsSqlite(
  raw: BetterSqlite3.Database,
  attempts: readonly NewAttempt[],
  updates: readonly DeliveryUpdate[],
  finished: readonly { id: number; owner: string }[],
  now: number,
): void {
  const insertAttempt = statementOn(raw, INSERT_ATTEMPT);
  const update = statementOn(raw, UPDATE_DELIVERY);
  raw.transaction(() => {
    completeJobsSqlite(raw, finished, now);
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
      const params: Record<string, string | number | null> = { id: u.id, generation: u.generation, updated_at: u.updated_at };
      for (const c of UPDATABLE) {
        const value = u[c];
        params[`has_${c}`] = value === undefined ? 0 : 1;
        params[c] = value ?? null;
      }
      update.run(params);
    }
  })();
}

/** Queues deliveries anew (a new generation, a new series of attempts); returns what to enqueue. */
async function requeueWhere(
  trx: AnyTrx,
  where: RawBuilder<unknown>,
  now: number,
): Promise<{ id: string; generation: number; contact_point_id: string }[]> {
  const result = await sql<{ id: string; generation: number; contact_point_id: string }>`
    update deliveries set state = 'pending', generation = generation + 1, series_started_at = ${now},
      next_attempt_at = ${now}, updated_at = ${now}
    where ${where}
    returning id, generation, contact_point_id`.execute(trx);
  return result.rows.map((r) => ({ ...r, generation: Number(r.generation) }));
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
    update deliveries set state = 'dropped', updated_at = ${now}, last_error = 'dropped on request', next_attempt_at = null
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
