import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import type pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase, type SqliteStatement } from 'kysely';
import type { Database } from './tables.js';
import { LocalLocks, PostgresLocks, type Locks } from './locks.js';
import { NO_LISTENER, PostgresCommitListener, type CommitListener } from './commit-listener.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** The PostgreSQL pool, for LISTEN/NOTIFY; absent on SQLite. */
  pool?: pg.Pool;
  /** Named locks for actions: in memory on SQLite, advisory locks shared by replicas on PostgreSQL. */
  locks: Locks;
  /** Wake-ups when any replica commits jobs (LISTEN/NOTIFY on PostgreSQL; nothing on SQLite). */
  commits: CommitListener;
  /**
   * The SQLite connection under Kysely, for the ingest hot path (prepared statements in one
   * synchronous transaction). Use it only inside `db.connection().execute()`, which holds
   * Kysely's lock on the single connection.
   */
  sqlite?: BetterSqlite3.Database;
  /**
   * Runs `fn` with commits that skip the fsync on SQLite (synchronous=NORMAL); elsewhere as is.
   * For the runner's own bookkeeping (leases, applied alerts, attempt logs, reports): a power
   * loss can only lose work whose job, not yet marked done with it, then runs again. Nothing
   * acknowledged to a sender, and no intent an action acts on, may be written this way.
   */
  relaxed<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface StoreOptions {
  url: string;
  dataDir: string;
  sqliteSynchronous: 'FULL' | 'NORMAL' | 'OFF';
  /** SQLite's page cache; better-sqlite3's build default (16 MiB) is most of a small server's memory. */
  sqliteCacheMib?: number;
  /** WAL pages written before SQLite checkpoints them into the database file. */
  sqliteWalAutocheckpoint?: number;
  poolSize: number;
  /** Told when listening for other replicas' commits fails (they are then seen at the next poll). */
  onListenError?: (error: unknown) => void;
}

const DEFAULT_SQLITE_CACHE_MIB = 4;
export const POSTGRES_CONNECT_TIMEOUT_MS = 3000;
const DEFAULT_WAL_AUTOCHECKPOINT = 1000;

/** pg, required only for a PostgreSQL URL: loading it costs ~15 MB of resident memory. */
function loadPg(): typeof pg {
  const lib = createRequire(import.meta.url)('pg') as typeof pg;
  // BIGINT (epoch milliseconds, ids) fits a double until year 287396; read it as a number.
  lib.types.setTypeParser(20, (value) => Number(value));
  return lib;
}

/**
 * Whether the database can be used, without writing anything: PostgreSQL answers a query,
 * or the SQLite file's directory (or the nearest one that exists) is writable. Returns
 * what is wrong, or null.
 */
export async function databaseProblem(url: string, dataDir: string): Promise<string | null> {
  if (isPostgresUrl(url)) return postgresProblem(url);
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : `${dataDir}/alertwire.db`;
  let dir = dirname(resolve(file));
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
    return null;
  } catch {
    return `cannot write the SQLite database ${file}: ${dir} is not writable`;
  }
}

async function postgresProblem(url: string): Promise<string | null> {
  const client = new (loadPg().Client)({ connectionString: url, connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return `cannot reach PostgreSQL at ${urlWithoutPassword(url)}: ${error instanceof Error ? error.message || error.name : String(error)}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A connection URL with any password replaced, for messages and the settings page. */
export function urlWithoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return u.toString();
    u.password = 'redacted';
    return u.toString().replace(':redacted@', ':[redacted]@');
  } catch {
    return url ? '[set]' : '';
  }
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export function openStore(options: StoreOptions): Store {
  if (isPostgresUrl(options.url)) return openPostgres(options);
  const file = options.url.startsWith('sqlite:') ? options.url.slice('sqlite:'.length) : `${options.dataDir}/alertwire.db`;
  return openSqlite(file, options.sqliteSynchronous, {
    cacheMib: options.sqliteCacheMib ?? DEFAULT_SQLITE_CACHE_MIB,
    walAutocheckpoint: options.sqliteWalAutocheckpoint ?? DEFAULT_WAL_AUTOCHECKPOINT,
  });
}

function openPostgres(options: StoreOptions): Store {
  const lib = loadPg();
  const pool = new lib.Pool({
    connectionString: options.url,
    max: options.poolSize,
    // While the server is down or restarting, a request must fail fast (503, Alertmanager
    // retries) rather than wait for a connection that may never come.
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
  });
  // A client that loses its server must not crash the process, idle or checked out: pg-pool
  // listens for errors only on idle clients, so one held across work (a transaction between
  // statements, LISTEN) would raise an unhandled 'error' when the server restarts. The
  // operation it serves sees the failure on its next query.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const ownConnection = () => new lib.Client({ connectionString: options.url, connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS });
  const locks = new PostgresLocks(ownConnection);
  const commits = new PostgresCommitListener(ownConnection, options.onListenError ?? (() => undefined));
  const close = async () => {
    await commits.close();
    await locks.close();
    await db.destroy();
  };
  return { db, dialect: 'postgres', pool, locks, commits, relaxed: (fn) => fn(db), close };
}

function openSqlite(file: string, synchronous: string, sizes: { cacheMib: number; walAutocheckpoint: number }): Store {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const raw = new BetterSqlite3(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma(`synchronous = ${synchronous}`);
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = OFF');
  raw.pragma(`cache_size = -${Math.round(sizes.cacheMib * 1024)}`);
  // The checkpoint runs inside a commit, on the event loop: a larger interval copies a page
  // rewritten by many commits once, but its checkpoint (and fsync) holds every request for longer.
  raw.pragma(`wal_autocheckpoint = ${sizes.walAutocheckpoint}`);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
  return {
    db,
    dialect: 'sqlite',
    sqlite: raw,
    locks: new LocalLocks(),
    commits: NO_LISTENER,
    relaxed: synchronous === 'FULL' ? relaxedOn(db, raw) : (fn) => fn(db),
    close: () => db.destroy(),
  };
}

const statements = new WeakMap<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

/**
 * The statement for `text`, prepared once per SQLite connection. For the hot paths that run on
 * the raw connection (ingest, claims, routing, attempt logs): they build no SQL and prepare
 * nothing twice. Callers hold the connection (db.connection() or store.relaxed).
 */
export function statementOn(raw: BetterSqlite3.Database, text: string): BetterSqlite3.Statement {
  let cache = statements.get(raw);
  if (!cache) statements.set(raw, (cache = new Map()));
  let statement = cache.get(text);
  if (!statement) cache.set(text, (statement = raw.prepare(text)));
  return statement;
}

/** Which rows of a queue table a claim leases, and how. `from` may name an index (`t indexed by i`). */
export interface SqliteClaim {
  table: string;
  from: string;
  due: string;
  order: string;
  set: string;
}

/**
 * Leases due rows of a queue table (jobs, deliveries) on SQLite in one UPDATE … RETURNING. Most
 * claims find nothing due, and an UPDATE takes SQLite's write path even then (150 µs): a read
 * probes first (5 µs). Callers hold the connection (store.relaxed), so nothing runs between the
 * probe and the claim.
 */
export function claimRowsSqlite<Row>(
  raw: BetterSqlite3.Database,
  claim: SqliteClaim,
  args: { set: readonly unknown[]; due: readonly unknown[]; limit: number },
): Row[] {
  if (statementOn(raw, `select 1 from ${claim.from} where ${claim.due} limit 1`).get(...args.due) === undefined) return [];
  const update = statementOn(
    raw,
    `update ${claim.table} set ${claim.set} where id in (select id from ${claim.from} where ${claim.due} order by ${claim.order} limit ?) returning *`,
  );
  return update.all(...args.set, ...args.due, args.limit) as Row[];
}

/**
 * Holds the single connection so the pragma cannot leak to another caller's statements. The
 * pragmas are prepared once: raw.pragma() prepared them anew at every claim and completion.
 */
function relaxedOn(db: Kysely<Database>, raw: BetterSqlite3.Database): Store['relaxed'] {
  return (fn) =>
    db.connection().execute(async (conn) => {
      statementOn(raw, 'pragma synchronous = NORMAL').run();
      try {
        return await fn(conn);
      } finally {
        statementOn(raw, 'pragma synchronous = FULL').run();
      }
    });
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable, and preparing is a
 * large share of a small query's cost, so keep the most recent ones.
 */
function withStatementCache(raw: BetterSqlite3.Database, capacity = 500): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => raw.close(),
    prepare(text: string): SqliteStatement {
      let stmt = cache.get(text);
      if (stmt) {
        cache.delete(text);
      } else {
        stmt = raw.prepare(text);
        if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, stmt);
      return stmt as unknown as SqliteStatement;
    },
  };
}

export async function pingStore(store: Store): Promise<void> {
  await sql`select 1`.execute(store.db);
}
