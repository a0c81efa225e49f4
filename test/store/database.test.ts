import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openStore, statementOn, type Store } from '../../src/store/database.js';

describe('the SQLite store', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function pragmaOf(name: 'cache_size' | 'wal_autocheckpoint', sizes: { sqliteCacheMib?: number; sqliteWalAutocheckpoint?: number } = {}): Promise<unknown> {
    const dataDir = mkdtempSync(join(tmpdir(), 'alertwire-db-'));
    dirs.push(dataDir);
    const store = openStore({ url: '', dataDir, sqliteSynchronous: 'FULL', poolSize: 1, ...sizes });
    try {
      const { rows } = await sql<Record<string, number>>`pragma ${sql.raw(name)}`.execute(store.db);
      return rows[0]?.[name];
    } finally {
      await store.close();
    }
  }

  it('keeps a 4 MiB page cache by default, not the 16 MiB better-sqlite3 is built with', async () => {
    assert.equal(await pragmaOf('cache_size'), -4096);
  });

  it('takes the page cache size it is given', async () => {
    assert.equal(await pragmaOf('cache_size', { sqliteCacheMib: 32 }), -32768);
  });

  it("checkpoints the WAL every 1,000 pages by default (SQLite's own), or as configured", async () => {
    assert.equal(await pragmaOf('wal_autocheckpoint'), 1000);
    assert.equal(await pragmaOf('wal_autocheckpoint', { sqliteWalAutocheckpoint: 2500 }), 2500);
  });

  async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
    const dataDir = mkdtempSync(join(tmpdir(), 'alertwire-db-'));
    dirs.push(dataDir);
    const store = openStore({ url: '', dataDir, sqliteSynchronous: 'FULL', poolSize: 1 });
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  const synchronous = async (db: Store['db']) => (await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0]?.synchronous;

  it('commits bookkeeping without fsync inside relaxed(), and is back to FULL after it, also when it throws', () =>
    withStore(async (store) => {
      assert.equal(await synchronous(store.db), 2, 'FULL by default');
      assert.equal(await store.relaxed((db) => synchronous(db)), 1, 'NORMAL inside');
      assert.equal(await synchronous(store.db), 2, 'FULL again after');
      await assert.rejects(store.relaxed(async () => Promise.reject(new Error('boom'))), /boom/);
      assert.equal(await synchronous(store.db), 2, 'FULL again after a failure');
    }));

  it('prepares a statement once per connection and text', () =>
    withStore(async (store) => {
      const raw = store.sqlite;
      assert.ok(raw);
      assert.equal(statementOn(raw, 'select 1'), statementOn(raw, 'select 1'));
      assert.notEqual(statementOn(raw, 'select 1'), statementOn(raw, 'select 2'));
    }));
});
