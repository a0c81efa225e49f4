import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';

export const POSTGRES_ADMIN_URL = process.env.ALERTWIRE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  dialect: 'sqlite' | 'postgres';
  /** The DATABASE_URL for a server under test ('' = SQLite in its data dir). */
  url: string;
  dataDir: string;
  open(): Promise<Store>;
  drop(): Promise<void>;
}

/** A fresh, empty PostgreSQL database, so suites never see each other's rows. */
async function createPostgresDatabase(): Promise<string> {
  const name = `alertwire_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  return POSTGRES_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
}

async function dropPostgresDatabase(url: string): Promise<void> {
  const name = url.slice(url.lastIndexOf('/') + 1);
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(`drop database if exists ${name} with (force)`);
  } finally {
    await client.end();
  }
}

export async function testDatabase(dialect: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'alertwire-db-'));
  const url = dialect === 'postgres' ? await createPostgresDatabase() : '';
  return {
    dialect,
    url,
    dataDir,
    async open() {
      const store = openStore({ url, dataDir, sqliteSynchronous: 'NORMAL', poolSize: 5 });
      await migrateToLatest(store);
      return store;
    },
    async drop() {
      if (dialect === 'postgres') await dropPostgresDatabase(url);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Both dialects: PostgreSQL is required (the suites must run on both, in CI too). */
export const DIALECTS = ['sqlite', 'postgres'] as const;

/**
 * Inside a describe: a fresh database on `dialect` for the suite, opened before its tests (the
 * store, and the database for more connections, are handed to `opened`) and dropped after them.
 */
export function storeForSuite(dialect: 'sqlite' | 'postgres', opened: (store: Store, db: TestDatabase) => void): void {
  let db: TestDatabase;
  let store: Store;
  before(async () => {
    db = await testDatabase(dialect);
    store = await db.open();
    opened(store, db);
  });
  after(async () => {
    await store.close();
    await db.drop();
  });
}
