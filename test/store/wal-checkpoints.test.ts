/**
 * SQLite's log can be checkpointed from a second connection, off the event loop: the store
 * then checkpoints itself only as a backstop, and takes the work back when asked.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore, type Store } from '../../src/store/database.js';
import { handOverCheckpoints, runWalCheckpoints, walCheckpointTarget } from '../../src/store/wal-checkpoints.js';

const autocheckpoint = (store: Store) => Number(store.sqlite?.pragma('wal_autocheckpoint', { simple: true }));

describe('WAL checkpoints off the event loop', () => {
  let dir = '';
  let store: Store;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'alertwire-wal-'));
    store = openStore({ url: '', dataDir: dir, sqliteSynchronous: 'NORMAL', sqliteWalAutocheckpoint: 200, poolSize: 1 });
    store.sqlite?.exec('create table filler (id integer primary key, text text not null)');
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes about `pages` 4 KiB pages of rows, in commits of 50 rows. */
  const fill = (pages: number) => {
    const insert = store.sqlite?.prepare('insert into filler (text) values (?)');
    const commit = store.sqlite?.transaction((n: number) => {
      for (let i = 0; i < n; i++) insert?.run('x'.repeat(2000));
    });
    for (let done = 0; done < pages * 2; done += 50) commit?.(50);
  };
  const databaseBytes = () => statSync(join(dir, 'alertwire.db')).size;

  it("names the store's file and its checkpoint interval; none for PostgreSQL or memory", () => {
    assert.deepEqual(walCheckpointTarget(store), { file: join(dir, 'alertwire.db'), pages: 200 });
    const memory = openStore({ url: 'sqlite::memory:', dataDir: dir, sqliteSynchronous: 'NORMAL', poolSize: 1 });
    try {
      assert.equal(walCheckpointTarget(memory), null);
    } finally {
      void memory.close();
    }
  });

  it('hands over: the store keeps a backstop at ten times its interval, and takes its own back', () => {
    const takeBack = handOverCheckpoints(store);
    assert.equal(autocheckpoint(store), 2000);
    takeBack();
    takeBack();
    assert.equal(autocheckpoint(store), 200);
  });

  it('copies the log into the database file from the second connection once it holds enough pages', async () => {
    const takeBack = handOverCheckpoints(store);
    const errors: unknown[] = [];
    const target = walCheckpointTarget(store);
    assert.ok(target);
    try {
      const start = databaseBytes();
      // Below the backstop: the store itself does not checkpoint these.
      fill(600);
      assert.ok(databaseBytes() - start < 100 * 4096, 'the store checkpointed by itself');
      const checkpoints = runWalCheckpoints({ ...target, pages: 200 }, (e) => errors.push(e));
      try {
        const deadline = Date.now() + 3000;
        while (databaseBytes() - start < 500 * 4096 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      } finally {
        checkpoints.stop();
      }
      assert.ok(databaseBytes() - start >= 500 * 4096, `only ${databaseBytes() - start} bytes reached the database file`);
      assert.deepEqual(errors, []);
    } finally {
      takeBack();
    }
  });

  it('leaves a log below the threshold alone', async () => {
    const target = walCheckpointTarget(store);
    assert.ok(target);
    const takeBack = handOverCheckpoints(store);
    store.sqlite?.pragma('wal_checkpoint(TRUNCATE)');
    const start = databaseBytes();
    fill(50);
    const checkpoints = runWalCheckpoints({ ...target, pages: 1000 }, () => undefined);
    await new Promise((r) => setTimeout(r, 200));
    checkpoints.stop();
    takeBack();
    assert.ok(databaseBytes() - start < 20 * 4096, 'checkpointed below the threshold');
  });
});
