import type { Store } from './database.js';

const local = new Map<string, Promise<void>>();

/** In-process mutual exclusion per key: the only writer is this process (SQLite). */
async function withLocalLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = local.get(key) ?? Promise.resolve();
  let release!: () => void;
  const current = new Promise<void>((r) => (release = r));
  const chained = previous.then(() => current);
  local.set(key, chained);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (local.get(key) === chained) local.delete(key);
  }
}

/**
 * Runs `fn` while holding a lock on `key`. On PostgreSQL it is an advisory lock, so it also
 * holds across replicas; a crashed holder's session ends and frees it.
 */
export async function withLock<T>(store: Store, key: string, fn: () => Promise<T>): Promise<T> {
  if (!store.pool) return withLocalLock(key, fn);
  const pool = store.pool;
  return withLocalLock(key, async () => {
    const client = await pool.connect();
    try {
      await client.query('select pg_advisory_lock(hashtextextended($1, 0))', [key]);
      try {
        return await fn();
      } finally {
        await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [key]);
      }
    } finally {
      client.release();
    }
  });
}
