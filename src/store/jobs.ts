import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import { claimRowsSqlite, statementOn, type Store } from './database.js';
import { commitNotice, JOBS_CHANNEL } from './commit-listener.js';
import type { Database, JobRow } from './tables.js';

export type JobState = 'pending' | 'running' | 'done' | 'dead';

/** A job to enqueue; the idempotency key makes enqueueing the same work twice a no-op. */
export interface JobSpec {
  kind: string;
  idempotencyKey: string;
  payload: unknown;
  runAt?: number;
  maxAttempts?: number;
}

export interface ClaimedJob {
  id: number;
  kind: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  owner: string;
  createdAt: number;
}

const INSERT_CHUNK = 500;

/** Writes jobs inside the caller's transaction (the outbox); returns how many were new. */
export async function enqueueJobs(
  trx: Kysely<Database> | Transaction<Database>,
  specs: readonly JobSpec[],
  now: number,
  defaultMaxAttempts: number,
): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < specs.length; i += INSERT_CHUNK) {
    const rows = specs.slice(i, i + INSERT_CHUNK).map((s) => ({
      kind: s.kind,
      idempotency_key: s.idempotencyKey,
      payload: JSON.stringify(s.payload),
      state: 'pending',
      attempts: 0,
      max_attempts: s.maxAttempts ?? defaultMaxAttempts,
      run_at: s.runAt ?? now,
      lease_owner: null,
      lease_expires_at: null,
      last_error: null,
      created_at: now,
      updated_at: now,
    }));
    const result = await trx
      .insertInto('jobs')
      .values(rows)
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .executeTakeFirst();
    inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return inserted;
}

const INSERT_JOB = `insert into jobs (kind, idempotency_key, payload, state, attempts, max_attempts, run_at, lease_owner, lease_expires_at, last_error, created_at, updated_at)
  values (?, ?, ?, 'pending', 0, ?, ?, null, null, null, ?, ?) on conflict (idempotency_key) do nothing`;

/** enqueueJobs inside a synchronous SQLite transaction on the raw connection: one prepared statement. */
export function enqueueJobsSqlite(raw: BetterSqlite3.Database, specs: readonly JobSpec[], now: number, defaultMaxAttempts: number): number {
  const insert = statementOn(raw, INSERT_JOB);
  return specs.reduce(
    (n, s) => n + insert.run(s.kind, s.idempotencyKey, JSON.stringify(s.payload), s.maxAttempts ?? defaultMaxAttempts, s.runAt ?? now, now, now).changes,
    0,
  );
}

/**
 * Takes up to `limit` due jobs for `owner` with a lease. A running job whose lease expired
 * (its worker died) is due again. PostgreSQL skips rows other replicas hold locked. Expired
 * leases and pending jobs are claimed by separate statements, and pending jobs kind by kind
 * (starting from `firstKind`, so no kind starves the others), so that each statement is an
 * ordered index range scan however long the backlog of other kinds.
 */
export async function claimDueJobs(store: Store, options: ClaimOptions): Promise<ClaimedJob[]> {
  // A lease lost to a power cut only means the job is claimed again.
  return store.relaxed(async (db) => {
    const claim = store.sqlite ? sqliteClaims(store.sqlite) : kyselyClaims(db, store.dialect);
    return claimIn(claim, options);
  });
}

/** The two claiming statements, per dialect: jobs whose lease expired, and due pending jobs of one kind (or any). */
interface Claims {
  expired(kinds: readonly string[], options: ClaimOptions, limit: number): JobRow[] | Promise<JobRow[]>;
  pending(kind: string | null, options: ClaimOptions, limit: number): JobRow[] | Promise<JobRow[]>;
}

async function claimIn(claim: Claims, options: ClaimOptions): Promise<ClaimedJob[]> {
  const kinds = options.kinds ?? [];
  const claimed = options.includeExpired === false ? [] : await claim.expired(kinds, options, options.limit);
  const order = kinds.length === 0 ? [null] : rotate(kinds, options.firstKind ?? 0);
  for (const kind of order) {
    if (claimed.length >= options.limit) break;
    claimed.push(...(await claim.pending(kind, options, options.limit - claimed.length)));
  }
  // UPDATE … RETURNING does not keep the subquery's order.
  const rows = claimed.sort((a, b) => a.run_at - b.run_at || Number(a.id) - Number(b.id));
  return rows.map((row) => ({
    id: Number(row.id),
    kind: row.kind,
    payload: JSON.parse(row.payload) as unknown,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    owner: options.owner,
    createdAt: row.created_at,
  }));
}

function rotate<T>(items: readonly T[], start: number): T[] {
  const at = start % items.length;
  return [...items.slice(at), ...items.slice(0, at)];
}

/** Which jobs a claimer takes: these kinds only, or (none given) every kind. */
export interface ClaimOptions {
  owner: string;
  limit: number;
  leaseMs: number;
  now: number;
  kinds?: readonly string[];
  /** Index into `kinds` of the kind whose pending jobs are claimed first. */
  firstKind?: number;
  /** Whether to look for jobs whose lease expired (default true); leases last seconds, so a runner need not look at every claim. */
  includeExpired?: boolean;
}

function kyselyClaims(db: Kysely<Database>, dialect: Store['dialect']): Claims {
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const claimWhere = async (condition: RawBuilder<unknown>, order: RawBuilder<unknown>, options: ClaimOptions, limit: number) => {
    const result = await sql<JobRow>`
      update jobs set state = 'running', lease_owner = ${options.owner}, lease_expires_at = ${options.now + options.leaseMs},
        attempts = attempts + 1, updated_at = ${options.now}
      where id in (
        select id from jobs where ${condition}
        order by ${order}
        limit ${limit}
        ${lock}
      )
      returning *`.execute(db);
    return result.rows;
  };
  return {
    expired: (kinds, options, limit) => {
      const kindIn = kinds.length > 0 ? sql`and kind in (${sql.join(kinds)})` : sql``;
      return claimWhere(sql`state = 'running' and lease_expires_at < ${options.now} ${kindIn}`, sql`lease_expires_at`, options, limit);
    },
    pending: (kind, options, limit) => {
      const only = kind === null ? sql`` : sql`and kind = ${kind}`;
      return claimWhere(sql`state = 'pending' and run_at <= ${options.now} ${only}`, sql`run_at, id`, options, limit);
    },
  };
}

/** The same statements prepared once on the SQLite connection: building them through Kysely at every claim was a tenth of a delivery's cost. */
function sqliteClaims(raw: BetterSqlite3.Database): Claims {
  const claimWhere = (due: string, order: string, options: ClaimOptions, args: readonly unknown[], limit: number): JobRow[] =>
    claimRowsSqlite<JobRow>(
      raw,
      { table: 'jobs', from: 'jobs', due, order, set: `state = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ?` },
      { set: [options.owner, options.now + options.leaseMs, options.now], due: args, limit },
    );
  return {
    expired: (kinds, options, limit) => {
      // One statement per number of kinds: a runner always asks with the same list.
      const kindIn = kinds.length > 0 ? ` and kind in (${kinds.map(() => '?').join(', ')})` : '';
      return claimWhere(`state = 'running' and lease_expires_at < ?${kindIn}`, 'lease_expires_at', options, [options.now, ...kinds], limit);
    },
    pending: (kind, options, limit) =>
      kind === null
        ? claimWhere(`state = 'pending' and run_at <= ?`, 'run_at, id', options, [options.now], limit)
        : claimWhere(`state = 'pending' and run_at <= ? and kind = ?`, 'run_at, id', options, [options.now, kind], limit),
  };
}

/**
 * Marks jobs done, but only those still leased to their owner (fencing a reclaimed job). Given a
 * transaction, the work a job did and its completion commit together: a rerun after a crash
 * finds it done. Returns how many were still ours.
 */
export async function completeJobs(
  db: Kysely<Database> | Transaction<Database>,
  jobs: readonly { id: number; owner: string }[],
  now: number,
): Promise<number> {
  let done = 0;
  const byOwner = new Map<string, number[]>();
  for (const j of jobs) byOwner.set(j.owner, [...(byOwner.get(j.owner) ?? []), j.id]);
  for (const [owner, ids] of byOwner) {
    const r = await db
      .updateTable('jobs')
      .set({ state: 'done', lease_owner: null, lease_expires_at: null, updated_at: now })
      .where('id', 'in', ids)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'running')
      .executeTakeFirst();
    done += Number(r.numUpdatedRows);
  }
  return done;
}

/**
 * completeJobs for a synchronous SQLite transaction the caller runs on the raw connection
 * (ingest, routing): a prepared statement, no await in between.
 */
export function completeJobsSqlite(raw: BetterSqlite3.Database, jobs: readonly { id: number; owner: string }[], now: number): number {
  const complete = statementOn(raw, `update jobs set state = 'done', lease_owner = null, lease_expires_at = null, updated_at = ?
    where id = ? and lease_owner = ? and state = 'running'`);
  return jobs.reduce((n, j) => n + complete.run(now, j.id, j.owner).changes, 0);
}

/**
 * Records a failed attempt: the job goes back to pending at `retryAt`, or to the dead-letter
 * state when attempts are spent or `retryAt` is null. Returns the state it ended in, or null
 * when the lease was lost.
 */
export async function failJob(
  store: Store,
  job: { id: number; owner: string; attempts: number; maxAttempts: number },
  error: string,
  retryAt: number | null,
  now: number,
): Promise<JobState | null> {
  const state: JobState = retryAt === null || job.attempts >= job.maxAttempts ? 'dead' : 'pending';
  const r = await store.relaxed((db) => db
    .updateTable('jobs')
    .set({
      state,
      run_at: state === 'pending' && retryAt !== null ? retryAt : now,
      lease_owner: null,
      lease_expires_at: null,
      last_error: error.slice(0, 2000),
      updated_at: now,
    })
    .where('id', '=', job.id)
    .where('lease_owner', '=', job.owner)
    .where('state', '=', 'running')
    .executeTakeFirst());
  return Number(r.numUpdatedRows) > 0 ? state : null;
}

export async function renewLeases(store: Store, owners: readonly string[], leaseMs: number, now: number): Promise<void> {
  if (owners.length === 0) return;
  await store.relaxed((db) =>
    db.updateTable('jobs').set({ lease_expires_at: now + leaseMs }).where('lease_owner', 'in', owners).where('state', '=', 'running').execute(),
  );
}

/** Hands jobs back without counting the attempt (a draining worker that never started them). */
export async function releaseJobs(store: Store, jobs: readonly { id: number; owner: string }[], now: number): Promise<void> {
  for (const j of jobs) {
    await store.db
      .updateTable('jobs')
      .set((eb) => ({
        state: 'pending',
        lease_owner: null,
        lease_expires_at: null,
        attempts: eb('attempts', '-', 1),
        updated_at: now,
      }))
      .where('id', '=', j.id)
      .where('lease_owner', '=', j.owner)
      .where('state', '=', 'running')
      .execute();
  }
}

/**
 * On SQLite only this process can own jobs, so any job still marked running at start belonged
 * to a process that died: it is due again now, in its original order, rather than after its lease.
 */
export async function releaseOrphanedJobs(store: Store, now: number): Promise<number> {
  if (store.dialect !== 'sqlite') return 0;
  const r = await store.db
    .updateTable('jobs')
    .set({ state: 'pending', lease_owner: null, lease_expires_at: null, updated_at: now })
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function countJobs(store: Store): Promise<{ kind: string; state: string; count: number }[]> {
  const rows = await store.db
    .selectFrom('jobs')
    .select(['kind', 'state', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy(['kind', 'state'])
    .execute();
  return rows.map((r) => ({ kind: r.kind, state: r.state, count: Number(r.count) }));
}

/**
 * Jobs running or due by `now`: the work waiting. A job scheduled later (a grouped contact
 * point's next flush, a retry's backoff) is not counted, or a queue with nothing to do would
 * never read 0.
 */
export async function countUnfinishedJobs(store: Store, now: number): Promise<number> {
  const row = await store.db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where((eb) => eb.or([eb('state', '=', 'running'), eb.and([eb('state', '=', 'pending'), eb('run_at', '<=', now)])]))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function findJobs(store: Store, filter: { kind?: string; key?: string }): Promise<JobRow[]> {
  let q = store.db.selectFrom('jobs').selectAll();
  if (filter.kind) q = q.where('kind', '=', filter.kind);
  if (filter.key) q = q.where('idempotency_key', '=', filter.key);
  return q.orderBy('id').execute();
}

export async function purgeFinishedJobs(store: Store, olderThan: number): Promise<number> {
  const r = await store.db.deleteFrom('jobs').where('state', '=', 'done').where('updated_at', '<', olderThan).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export { JOBS_CHANNEL } from './commit-listener.js';

/** Inside a PostgreSQL transaction: wakes the runners of `kinds` on every other replica once it commits. */
export async function announceJobs(trx: Transaction<Database>, store: Store, kinds: readonly string[]): Promise<void> {
  if (store.dialect === 'postgres') await sql`select pg_notify(${JOBS_CHANNEL}, ${commitNotice(store.commits.origin, kinds)})`.execute(trx);
}
