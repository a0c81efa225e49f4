import type pg from 'pg';

/** Calls `onCommit` whenever any replica commits jobs; returns what stops the calls. */
export interface CommitListener {
  subscribe(onCommit: () => void): () => void;
  close(): Promise<void>;
}

/** One process, one writer (SQLite): the committer wakes its own runners, nothing to listen to. */
export const NO_LISTENER: CommitListener = { subscribe: () => () => undefined, close: async () => undefined };

/** The channel every commit that enqueues jobs notifies. */
export const JOBS_CHANNEL = 'alertwire_jobs';

const RETRY_MS = 1000;

/**
 * LISTEN on one connection of its own, outside the pool, shared by every runner of the process:
 * a listening connection per runner took three of the pool's ten for as long as the process ran,
 * and work queued behind them. A lost connection (a database restart) listens again once it can,
 * and wakes every subscriber then: commits made meanwhile woke no one.
 */
export class PostgresCommitListener implements CommitListener {
  private readonly subscribers = new Set<() => void>();
  private client: pg.Client | null = null;
  private starting: Promise<void> | null = null;
  private closed = false;
  /** Set after a failure was reported: an outage is reported once, not at every retry. */
  private failing = false;

  constructor(
    private readonly connect: () => pg.Client,
    private readonly onError: (error: unknown) => void,
    private readonly channel = JOBS_CHANNEL,
  ) {}

  subscribe(onCommit: () => void): () => void {
    this.subscribers.add(onCommit);
    this.starting ??= this.listen();
    return () => this.subscribers.delete(onCommit);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.starting;
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  private report(error: unknown): void {
    if (!this.failing) this.onError(error);
    this.failing = true;
  }

  private wakeAll(): void {
    for (const s of this.subscribers) s();
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = this.connect();
    const lost = (error?: unknown) => {
      if (this.client !== client || this.closed) return;
      this.client = null;
      if (error) this.report(error);
      setTimeout(() => void (this.starting = this.listen()), RETRY_MS).unref();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', () => this.wakeAll());
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      this.client = client;
      this.failing = false;
      this.wakeAll();
    } catch (error) {
      await client.end().catch(() => undefined);
      this.report(error);
      if (!this.closed) setTimeout(() => void (this.starting = this.listen()), RETRY_MS).unref();
    }
  }
}
