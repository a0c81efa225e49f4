import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openStore } from '../../src/store/database.js';

describe('the SQLite store', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function cacheSizeOf(sqliteCacheMib?: number): Promise<unknown> {
    const dataDir = mkdtempSync(join(tmpdir(), 'alertwire-db-'));
    dirs.push(dataDir);
    const store = openStore({ url: '', dataDir, sqliteSynchronous: 'FULL', poolSize: 1, ...(sqliteCacheMib ? { sqliteCacheMib } : {}) });
    try {
      const { rows } = await sql<{ cache_size: number }>`pragma cache_size`.execute(store.db);
      return rows[0]?.cache_size;
    } finally {
      await store.close();
    }
  }

  it('keeps a 4 MiB page cache by default, not the 16 MiB better-sqlite3 is built with', async () => {
    assert.equal(await cacheSizeOf(), -4096);
  });

  it('takes the page cache size it is given', async () => {
    assert.equal(await cacheSizeOf(32), -32768);
  });
});
