import { randomBytes } from 'node:crypto';
import type pg from 'pg';

/** The kinds of job a commit enqueued; null when unknown (wake every runner). */
export type CommittedKinds = readonly string[] | null;

/**
 * Calls `onCommit` whenever another replica commits jobs; returns what stops the calls. A
 * commit of this process is not echoed back: whoever commits wakes its own runners at once.
 */
export interface CommitListener {
  /** Sent with every NOTIFY of this process (see `commitNotice`), so that it can skip its own. */
  readonly origin: string;
  subscribe(onCommit: (kinds: CommittedKinds) => void): () => void;
  close(): Promise<void>;
}

/** One process, one writer (SQLite): the committer wakes its own runners, nothing to listen to. */
export const NO_LISTENER: CommitListener = { origin: '', subscribe: () => () => undefined, close: async () => undefined };

/** The channel every commit that enqueues jobs notifies. */
export const JOBS_CHANNEL = 'alertwire_jobs';

/**
 * The payload of a commit's NOTIFY: who committed and which kinds of job. Every replica's
 * three runners used to wake at every group commit of any replica; at 1,000 requests/s that
 * was 600 claims a second, most of them empty, each a round trip.
 */
export function commitNotice(origin: string, kinds: readonly string[]): string {
  return noticePrefix(origin) + kinds.join(',');
}

/** What precedes the kinds in a notice: statements that name their kinds in SQL append them to it. */
export function noticePrefix(origin: string): string {
  return `${origin} `;
}

/** The kinds a notice names; null for a notice from another origin that names none (wake all). */
function kindsOf(payload: string): CommittedKinds {
  const kinds = payload.slice(payload.indexOf(' ') + 1);
  return kinds === '' ? null : kinds.split(',');
}

function originOf(payload: string): string {
  const space = payload.indexOf(' ');
  return space < 0 ? '' : payload.slice(0, space);
}

const RETRY_MS = 1000;

/**
 * LISTEN on one connection of its own, outside the pool, shared by every runner of the process:
 * a listening connection per runner took three of the pool's ten for as long as the process ran,
 * and work queued behind them. A lost connection (a database restart) listens again once it can,
 * and wakes every subscriber then: commits made meanwhile woke no one.
 */
export class PostgresCommitListener implements CommitListener {
  readonly origin = randomBytes(6).toString('hex');
  private readonly subscribers = new Set<(kinds: CommittedKinds) => void>();
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

  subscribe(onCommit: (kinds: CommittedKinds) => void): () => void {
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
    for (const s of this.subscribers) s(null);
  }

  private noticed(payload: string): void {
    if (originOf(payload) === this.origin) return;
    const kinds = kindsOf(payload);
    for (const s of this.subscribers) s(kinds);
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
    client.on('notification', (message) => this.noticed(message.payload ?? ''));
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
