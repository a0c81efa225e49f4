import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type { Store } from './database.js';

/**
 * SQLite copies its write-ahead log into the database file (a checkpoint) inside the commit
 * that crosses `wal_autocheckpoint`, on the event loop, and waits there for two fsyncs: 30 ms
 * for 1,000 pages on a quiet disk, 8 ms of it CPU. A second connection on another thread can
 * run them instead: a PASSIVE checkpoint never blocks the writer, and the writer wraps the log
 * around once everything in it is copied.
 */
export interface WalCheckpointTarget {
  file: string;
  /** Checkpoint once this many pages of the log are not yet in the database file. */
  pages: number;
}

/** Where the store's log is and how often it is checkpointed; null for PostgreSQL or a database in memory. */
export function walCheckpointTarget(store: Store): WalCheckpointTarget | null {
  const raw = store.sqlite;
  if (!raw || raw.memory || raw.name === '') return null;
  return { file: raw.name, pages: Number(raw.pragma('wal_autocheckpoint', { simple: true })) };
}

/**
 * Leaves the store's checkpoints to another thread; returns how to take them back. The store
 * keeps checkpointing itself at ten times the interval, should that thread stall.
 */
export function handOverCheckpoints(store: Store): () => void {
  const raw = store.sqlite;
  if (!raw) return () => undefined;
  const own = Number(raw.pragma('wal_autocheckpoint', { simple: true }));
  raw.pragma(`wal_autocheckpoint = ${own * BACKSTOP}`);
  let handedBack = false;
  return () => {
    if (handedBack) return;
    handedBack = true;
    if (raw.open) raw.pragma(`wal_autocheckpoint = ${own}`);
  };
}

const BACKSTOP = 10;
const POLL_MS = 50;

/**
 * Runs on the other thread: checkpoints whenever the log holds `pages` pages not yet copied.
 * How many it holds is read from the wal-index header in the -shm file, 136 bytes, without a
 * lock (https://www.sqlite.org/walformat.html): a torn read only moves one checkpoint by a poll.
 */
export function runWalCheckpoints(target: WalCheckpointTarget, onError: (error: unknown) => void): { stop(): void } {
  const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  const db = new Database(target.file, { fileMustExist: true });
  db.pragma('busy_timeout = 1000');
  // The checkpoint reads the log and writes the file; it needs next to no page cache.
  db.pragma('cache_size = -256');
  // A first read opens the wal-index (the -shm file) for this connection; it stays open with it.
  db.prepare('select count(*) from sqlite_master').get();
  const shm = openSync(`${target.file}-shm`, 'r');
  const header = Buffer.alloc(136);
  const read = endianness() === 'LE' ? (at: number) => header.readUInt32LE(at) : (at: number) => header.readUInt32BE(at);
  const timer = setInterval(() => {
    try {
      if (readSync(shm, header, 0, header.length, 0) < header.length) return;
      // mxFrame (the last frame in the log) at 16, nBackfill (frames copied so far) at 96.
      if (read(16) - read(96) >= target.pages) db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      onError(error);
    }
  }, POLL_MS);
  return {
    stop() {
      clearInterval(timer);
      closeSync(shm);
      db.close();
    },
  };
}
