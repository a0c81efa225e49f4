import type pg from 'pg';

/** Gives back what `tryHold` took. Safe to call more than once. */
export type Release = () => Promise<void>;

/**
 * Named locks shared by everything that acts: one action per target at a time, and the
 * command kind's concurrency slots. On PostgreSQL they hold across replicas.
 */
export interface Locks {
  /** Runs `fn` while holding `key`, waiting for it as long as another holder keeps it. */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Takes every key at once, or none: null when any is held, here or by another replica. */
  tryHold(keys: readonly string[]): Promise<Release | null>;
  close(): Promise<void>;
}

/** Keys held by this process: PostgreSQL's session locks are re-entrant, so they are checked here first. */
class HeldKeys {
  private readonly held = new Set<string>();
  private readonly queues = new Map<string, Promise<void>>();

  /** Reserves every key, or none when one is already held. */
  reserve(keys: readonly string[]): boolean {
    if (keys.some((k) => this.held.has(k))) return false;
    for (const k of keys) this.held.add(k);
    return true;
  }

  free(keys: readonly string[]): void {
    for (const k of keys) this.held.delete(k);
  }

  /** Runs `fn` after every earlier caller for `key` in this process has finished. */
  async inTurn<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    let done!: () => void;
    const chained = previous.then(() => new Promise<void>((r) => (done = r)));
    this.queues.set(key, chained);
    await previous;
    try {
      return await fn();
    } finally {
      done();
      if (this.queues.get(key) === chained) this.queues.delete(key);
    }
  }
}

/** The only writer is this process (SQLite): locks live in memory. */
export class LocalLocks implements Locks {
  private readonly keys = new HeldKeys();

  withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.keys.inTurn(key, fn);
  }

  async tryHold(keys: readonly string[]): Promise<Release | null> {
    if (!this.keys.reserve(keys)) return null;
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.keys.free(keys);
    };
  }

  async close(): Promise<void> {}
}

const LOCK_POLL_MIN_MS = 20;
const LOCK_POLL_MAX_MS = 500;
/** Between attempts to reconnect the lock connection while it holds locks. */
const RECONNECT_MS = 250;

/**
 * Advisory session locks on one connection of their own, outside the pool: a lock waited for
 * or held across an action must not take a pooled connection that the action itself, and
 * every other request, needs. Waiting polls `pg_try_advisory_lock` rather than blocking in
 * the server. A crashed replica's session ends and frees its locks; so does a database
 * restart, after which this process takes back what it still holds.
 */
export class PostgresLocks implements Locks {
  private readonly keys = new HeldKeys();
  /** Keys locked in the server by this process: what a new connection takes back. */
  private readonly locked = new Set<string>();
  private connection: Promise<pg.Client> | null = null;
  private closed = false;

  constructor(private readonly connect: () => pg.Client) {}

  withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.keys.inTurn(key, async () => {
      const release = await this.waitFor(key);
      try {
        return await fn();
      } finally {
        await release();
      }
    });
  }

  async tryHold(keys: readonly string[]): Promise<Release | null> {
    if (!this.keys.reserve(keys)) return null;
    try {
      if (!(await this.lockAll(keys))) {
        this.keys.free(keys);
        return null;
      }
    } catch (error) {
      this.keys.free(keys);
      throw error;
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.keys.free(keys);
      for (const k of keys) this.locked.delete(k);
      await this.unlock(keys).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = null;
    if (connection) await connection.then((c) => c.end()).catch(() => undefined);
  }

  private async waitFor(key: string): Promise<Release> {
    let delay = LOCK_POLL_MIN_MS;
    for (;;) {
      const release = await this.tryHold([key]);
      if (release) return release;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, LOCK_POLL_MAX_MS);
    }
  }

  /** Locks every key in one statement; on a partial success gives back what it got. */
  private async lockAll(keys: readonly string[]): Promise<boolean> {
    const client = await this.client();
    const result = await client.query<{ key: string; ok: boolean }>(
      'select k as key, pg_try_advisory_lock(hashtextextended(k, 0)) as ok from unnest($1::text[]) as k',
      [keys],
    );
    const got = result.rows.filter((r) => r.ok).map((r) => r.key);
    if (got.length === keys.length) {
      for (const k of keys) this.locked.add(k);
      return true;
    }
    await this.unlock(got);
    return false;
  }

  private async unlock(keys: readonly string[]): Promise<void> {
    if (keys.length === 0 || !this.connection) return;
    const client = await this.connection;
    await client.query('select pg_advisory_unlock(hashtextextended(k, 0)) from unnest($1::text[]) as k', [keys]);
  }

  private client(): Promise<pg.Client> {
    if (this.closed) return Promise.reject(new Error('the lock connection is closed'));
    this.connection ??= this.open();
    return this.connection;
  }

  private open(): Promise<pg.Client> {
    const client = this.connect();
    const lost = () => {
      if (this.connection !== opened) return;
      this.connection = null;
      if (this.locked.size > 0) this.reconnectSoon();
    };
    client.on('error', lost);
    client.on('end', lost);
    const opened = client.connect().then(async () => {
      await this.retake(client);
      return client;
    });
    opened.catch(lost);
    return opened;
  }

  /** Locks still held here must be taken back as soon as the server is there again. */
  private reconnectSoon(): void {
    setTimeout(() => {
      if (this.closed || this.connection || this.locked.size === 0) return;
      this.client().catch(() => this.reconnectSoon());
    }, RECONNECT_MS).unref();
  }

  /** After a reconnect, takes back the locks of actions still running here (best effort). */
  private async retake(client: pg.Client): Promise<void> {
    const keys = [...this.locked];
    if (keys.length > 0) await client.query('select pg_try_advisory_lock(hashtextextended(k, 0)) from unnest($1::text[]) as k', [keys]);
  }
}
