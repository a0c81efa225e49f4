// Ingest on PostgreSQL, written for it rather than translated from the SQLite path: every
// statement is set-based (one INSERT … SELECT FROM unnest per table) and prepared once per
// connection, and a batch of webhook notifications is one statement, its own transaction.
import type pg from 'pg';
import type { Store } from './database.js';
import { insertExecutionsQuery } from './executions.js';
import {
  ALERT_COLUMNS,
  ALERTS_PER_INGEST_JOB,
  assertLeasesHeld,
  IngestBatch,
  INGEST_JOB,
  LoopTime,
  ingestJobs,
  kindsOf,
  outcomesInOrder,
  plannedWork,
  toApplyNow,
  type InboundNotification,
  type IngestOptions,
  type IngestOutcome,
  type IngestResult,
  type WriteRequest,
} from './ingest-batch.js';
import { receiptKey, type OccurrenceUpdate } from './alerts.js';
import { JOBS_CHANNEL, type JobSpec } from './jobs.js';
import { noticePrefix } from './commit-listener.js';
import type { AlertRow, ReceiptRow } from './tables.js';

const NOTIFICATION_COLUMNS = 'received_at, source, format, remote_addr, alert_count, body';
/**
 * Bodies travel as one text joined by U+001F rather than as a text[]: pg escapes every element
 * of an array parameter in JavaScript (quotes and backslashes, all over a JSON body), which was
 * a tenth of the server's CPU at 100-alert POSTs. A JSON body cannot hold a raw U+001F.
 */
const BODY_SEPARATOR = '\u001f';
const JOINED_NOTIFICATIONS = 'unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], string_to_array($6::text, chr(31)))';
/** Hook bodies may be any text: the transactional path, a few rows at a time, sends them as an array. */
const NOTIFICATIONS = 'unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[])';

/**
 * Webhook notifications whose alerts are applied later: the rows, their ingest jobs (about
 * ALERTS_PER_INGEST_JOB alerts each, grouped by a running count) and the wake-up of every
 * replica's runner, in one statement. No BEGIN or COMMIT: one statement is one transaction.
 */
const APPEND_DEFERRED = {
  name: 'alertwire_append_deferred',
  text: `with stored as (
      insert into notifications (${NOTIFICATION_COLUMNS}) select * from ${JOINED_NOTIFICATIONS} returning id, alert_count
    ), chunked as (
      select id, alert_count, (sum(alert_count) over (order by id) - alert_count) / $7::int as chunk from stored
    ), queued as (
      insert into jobs (kind, idempotency_key, payload, state, attempts, max_attempts, run_at, created_at, updated_at)
      select '${INGEST_JOB}', '${INGEST_JOB}:' || min(id),
        json_build_object('notifications', json_agg(id order by id), 'alerts', sum(alert_count))::text,
        'pending', 0, $8::int, $9::bigint, $9::bigint, $9::bigint
      from chunked group by chunk
      on conflict (idempotency_key) do nothing
      returning 1
    )
    select (select count(*) from queued)::int as jobs, (select count(*) from (select pg_notify('${JOBS_CHANNEL}', $10::text || '${INGEST_JOB}')) as woken)::int as woken`,
};

const APPEND = {
  name: 'alertwire_append_notifications',
  text: `insert into notifications (${NOTIFICATION_COLUMNS}) select * from ${NOTIFICATIONS} returning id`,
};

/**
 * Serializes the transactions that apply the same alerts, on every replica, until commit.
 * `FOR UPDATE` locks only rows that exist: two replicas applying a notification that an
 * Alertmanager HA pair sent to both would each find no receipt of a new alert and notify
 * twice. Waiting here, the second reads the first one's receipt and finds a duplicate. Locks
 * are taken in one order, so two transactions never wait for each other.
 */
const LOCK_FINGERPRINTS = {
  name: 'alertwire_lock_fingerprints',
  text: `select count(pg_advisory_xact_lock(h)) from (
      select distinct hashtextextended('alert:' || f, 0) as h from unnest($1::text[]) as f order by h offset 0
    ) as ordered`,
};

const SELECT_ALERTS = {
  name: 'alertwire_select_alerts',
  text: 'select * from alerts where fingerprint = any($1::text[]) for update',
};

const SELECT_RECEIPTS = {
  name: 'alertwire_select_receipts',
  text: `select r.* from receipts r join unnest($1::text[], $2::text[]) as k(source, fingerprint)
      on r.source = k.source and r.fingerprint = k.fingerprint for update of r`,
};

/** PostgreSQL's type of each alert column, for the unnest of its array parameter. */
const ALERT_COLUMN_TYPES: Record<(typeof ALERT_COLUMNS)[number], 'text' | 'bigint' | 'int'> = {
  fingerprint: 'text', alertname: 'text', namespace: 'text', instance: 'text', job: 'text', status: 'text', labels: 'text',
  annotations: 'text', extra: 'text', generator_url: 'text', starts_at: 'bigint', ends_at: 'bigint', source: 'text',
  first_seen: 'bigint', last_seen: 'bigint', last_change: 'bigint', received_count: 'int', occurrence_count: 'int',
};

/** Built from ALERT_COLUMNS, as SQLite's upsert is: the two dialects write the same columns. */
const UPSERT_ALERTS = {
  name: 'alertwire_upsert_alerts',
  text: `insert into alerts (${ALERT_COLUMNS.join(', ')})
    select * from unnest(${ALERT_COLUMNS.map((c, i) => `$${i + 1}::${ALERT_COLUMN_TYPES[c]}[]`).join(', ')})
    on conflict (fingerprint) do update set ${ALERT_COLUMNS.filter((c) => c !== 'fingerprint' && c !== 'first_seen')
      .map((c) => `${c} = excluded.${c}`)
      .join(', ')}`,
};

const UPSERT_RECEIPTS = {
  name: 'alertwire_upsert_receipts',
  text: `insert into receipts (source, fingerprint, status, starts_at, last_at, seq)
    select * from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::int[])
    on conflict (source, fingerprint) do update set status = excluded.status, starts_at = excluded.starts_at,
      last_at = excluded.last_at, seq = excluded.seq`,
};

const UPSERT_OCCURRENCES = {
  name: 'alertwire_upsert_occurrences',
  text: `insert into occurrences (fingerprint, starts_at, ends_at, status, first_received, last_received, received_count)
    select * from unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[], $7::int[])
    on conflict (fingerprint, starts_at) do update set ends_at = excluded.ends_at, status = excluded.status,
      last_received = excluded.last_received, received_count = occurrences.received_count + excluded.received_count`,
};

/** The jobs a write causes, and the wake-up of every replica's runner when any is new. */
const ENQUEUE_JOBS = {
  name: 'alertwire_enqueue_jobs',
  text: `with queued as (
      insert into jobs (kind, idempotency_key, payload, state, attempts, max_attempts, run_at, created_at, updated_at)
      select kind, key, payload, 'pending', 0, max_attempts, run_at, $6::bigint, $6::bigint
      from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[]) as j(kind, key, payload, max_attempts, run_at)
      on conflict (idempotency_key) do nothing
      returning kind
    ), counted as (select count(*)::int as jobs, string_agg(distinct kind, ',') as kinds from queued)
    select jobs, (select count(*) from (select pg_notify('${JOBS_CHANNEL}', $7::text || counted.kinds) where counted.jobs > 0) as woken)::int as woken from counted`,
};

const COMPLETE_JOBS = {
  name: 'alertwire_complete_jobs',
  text: `update jobs set state = 'done', lease_owner = null, lease_expires_at = null, updated_at = $3
    from unnest($1::bigint[], $2::text[]) as c(id, owner)
    where jobs.id = c.id and jobs.lease_owner = c.owner and jobs.state = 'running'`,
};

function poolOf(store: Store): pg.Pool {
  if (!store.pool) throw new Error('the PostgreSQL ingest needs a PostgreSQL store');
  return store.pool;
}

/** Stores, and applies or defers, notifications: PostgreSQL's side of ingestNotifications. */
export async function writePostgres(store: Store, request: WriteRequest, options: IngestOptions): Promise<IngestResult> {
  const pool = poolOf(store);
  if (isAppendOnly(request)) return appendDeferred(pool, store.commits.origin, request.append, options);
  const client = await pool.connect();
  try {
    await client.query('begin');
    // Applying stored notifications is done again if a crash loses it: no need to wait for the WAL flush.
    if (request.relaxed) await client.query('set local synchronous_commit = off');
    const result = await writeInTransaction(client, store, request, options);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Only new webhook notifications, deferred, whose bodies can be joined: one statement writes them. */
function isAppendOnly(request: WriteRequest): boolean {
  if ((request.stored?.length ?? 0) > 0 || request.complete.length > 0 || request.append.length === 0) return false;
  return request.append.every((n) => n.deferApply && !n.body.includes(BODY_SEPARATOR));
}

function notificationArrays(notifications: readonly InboundNotification[], joined: boolean): unknown[] {
  const bodies = notifications.map((n) => n.body);
  return [
    notifications.map((n) => n.receivedAt),
    notifications.map((n) => n.source),
    notifications.map((n) => n.format),
    notifications.map((n) => n.remoteAddr),
    notifications.map((n) => n.alerts.length),
    joined ? bodies.join(BODY_SEPARATOR) : bodies,
  ];
}

async function appendDeferred(pool: pg.Pool, origin: string, notifications: readonly InboundNotification[], options: IngestOptions): Promise<IngestResult> {
  const clock = new LoopTime();
  const values = clock.held(() => [...notificationArrays(notifications, true), ALERTS_PER_INGEST_JOB, options.maxAttempts, options.now(), noticePrefix(origin)]);
  const { rows } = await pool.query<{ jobs: number }>({ ...APPEND_DEFERRED, values });
  const jobsEnqueued = rows[0]?.jobs ?? 0;
  return { outcomes: notifications.map(() => ({ deduplicated: [] })), jobsEnqueued, enqueuedKinds: jobsEnqueued > 0 ? [INGEST_JOB] : [], loopMs: clock.ms };
}

async function writeInTransaction(client: pg.PoolClient, store: Store, request: WriteRequest, options: IngestOptions): Promise<IngestResult> {
  const clock = new LoopTime();
  const now = options.now();
  const ids = request.append.length > 0 ? (await client.query<{ id: number }>({ ...APPEND, values: notificationArrays(request.append, false) })).rows.map((r) => r.id) : [];
  const deferred = request.append.flatMap((n, i) => (n.deferApply ? [{ id: ids[i] ?? 0, alerts: n.alerts.length }] : []));
  const applied = await applyNotifications(client, store, toApplyNow(request), options, now, clock);
  const jobs = [...ingestJobs(deferred), ...applied.jobs];
  const jobsEnqueued = await enqueue(client, store.commits.origin, jobs, now, options.maxAttempts);
  assertLeasesHeld(await complete(client, request.complete, now), request.complete.length);
  return { outcomes: outcomesInOrder(request, applied.outcomes), jobsEnqueued, enqueuedKinds: kindsOf(jobs), loopMs: clock.ms };
}

async function applyNotifications(
  client: pg.PoolClient,
  store: Store,
  notifications: readonly InboundNotification[],
  options: IngestOptions,
  now: number,
  clock: LoopTime,
): Promise<{ outcomes: Map<InboundNotification, IngestOutcome>; jobs: JobSpec[] }> {
  if (notifications.length === 0) return { outcomes: new Map(), jobs: [] };
  const fingerprints = [...new Set(notifications.flatMap((n) => n.alerts.map((a) => a.fingerprint)))];
  await client.query({ ...LOCK_FINGERPRINTS, values: [fingerprints] });
  const found = { alerts: await selectAlerts(client, fingerprints), receipts: await selectReceipts(client, notifications) };
  const batch = new IngestBatch(found.alerts, found.receipts, options);
  const outcomes = clock.held(() => batch.applyAll(notifications));
  await upsertAlerts(client, [...batch.dirty.values()]);
  await upsertReceipts(client, [...batch.dirtyReceipts.values()]);
  await upsertOccurrences(client, [...batch.occurrences.values()]);
  const { jobs, executions } = clock.held(() => plannedWork(batch, notifications, options));
  // Executions come from receiver hooks, a few per write: Kysely's INSERT is fine there.
  const insert = insertExecutionsQuery(store.db, executions, now)?.compile();
  if (insert) await client.query(insert.sql, [...insert.parameters]);
  return { outcomes, jobs };
}

async function selectAlerts(client: pg.PoolClient, fingerprints: readonly string[]): Promise<Map<string, AlertRow>> {
  const { rows } = await client.query<AlertRow>({ ...SELECT_ALERTS, values: [fingerprints] });
  return new Map(rows.map((r) => [r.fingerprint, r]));
}

async function selectReceipts(client: pg.PoolClient, notifications: readonly InboundNotification[]): Promise<Map<string, ReceiptRow>> {
  const keys = new Map<string, { source: string; fingerprint: string }>();
  for (const n of notifications) for (const a of n.alerts) keys.set(receiptKey(n.source, a.fingerprint), { source: n.source, fingerprint: a.fingerprint });
  const pairs = [...keys.values()];
  const { rows } = await client.query<ReceiptRow>({ ...SELECT_RECEIPTS, values: [pairs.map((k) => k.source), pairs.map((k) => k.fingerprint)] });
  return new Map(rows.map((r) => [receiptKey(r.source, r.fingerprint), r]));
}

/** Column arrays of `rows`, in `columns` order: the parameters of an unnest INSERT. */
function columnsOf<Row>(rows: readonly Row[], columns: readonly (keyof Row)[]): unknown[] {
  return columns.map((c) => rows.map((r) => r[c]));
}

async function upsertAlerts(client: pg.PoolClient, rows: readonly AlertRow[]): Promise<void> {
  if (rows.length > 0) await client.query({ ...UPSERT_ALERTS, values: columnsOf(rows, ALERT_COLUMNS) });
}

async function upsertReceipts(client: pg.PoolClient, rows: readonly ReceiptRow[]): Promise<void> {
  if (rows.length > 0) await client.query({ ...UPSERT_RECEIPTS, values: columnsOf(rows, ['source', 'fingerprint', 'status', 'starts_at', 'last_at', 'seq']) });
}

async function upsertOccurrences(client: pg.PoolClient, updates: readonly OccurrenceUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const values = columnsOf(updates, ['fingerprint', 'startsAt', 'endsAt', 'status', 'firstReceived', 'lastReceived', 'receivedCount']);
  await client.query({ ...UPSERT_OCCURRENCES, values });
}

async function enqueue(client: pg.PoolClient, origin: string, jobs: readonly JobSpec[], now: number, maxAttempts: number): Promise<number> {
  if (jobs.length === 0) return 0;
  const values = [
    jobs.map((j) => j.kind),
    jobs.map((j) => j.idempotencyKey),
    jobs.map((j) => JSON.stringify(j.payload)),
    jobs.map((j) => j.maxAttempts ?? maxAttempts),
    jobs.map((j) => j.runAt ?? now),
    now,
    noticePrefix(origin),
  ];
  const { rows } = await client.query<{ jobs: number }>({ ...ENQUEUE_JOBS, values });
  return rows[0]?.jobs ?? 0;
}

async function complete(client: pg.PoolClient, jobs: readonly { id: number; owner: string }[], now: number): Promise<number> {
  if (jobs.length === 0) return 0;
  const { rowCount } = await client.query({ ...COMPLETE_JOBS, values: [jobs.map((j) => j.id), jobs.map((j) => j.owner), now] });
  return rowCount ?? 0;
}
