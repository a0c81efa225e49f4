import { randomUUID } from 'node:crypto';
import type { Log } from '../observability/log.js';
import type { Store } from '../store/database.js';
import type { Worker } from './pool.js';
import { ClaimBackoff } from './claim-backoff.js';
import { WakeSignal } from './wake-signal.js';
import { claimDueJobs, completeJobs, failJob, releaseJobs, renewLeases, type ClaimedJob } from '../store/jobs.js';

/**
 * What became of one job: done, or failed with an optional time to retry (null = never).
 * `completed` says the handler already marked it done in the transaction of its own work.
 */
export type JobResult = { ok: true; completed?: boolean } | { ok: false; error: string; retryAt?: number | null };

/** A kind of job and how to run a batch of them. Results are in the order of `jobs`. */
export interface JobKind {
  kind: string;
  run(jobs: readonly ClaimedJob[]): Promise<JobResult[]>;
  /** Called once when a job of this kind is dead-lettered. */
  onDead?(job: ClaimedJob, error: string): Promise<void>;
}

export interface RunnerOptions {
  /** Claim only these kinds, or every kind but `excludeKinds`: slow kinds get a runner of their own. */
  kinds?: readonly string[];
  excludeKinds?: readonly string[];
  concurrency: number;
  batchSize: number;
  leaseMs: number;
  pollMs: number;
  now: () => number;
  log: Log;
  /**
   * True while the process is busy. Jobs then yield to requests: at most one claim of
   * `busyBatchSize` per `busyClaimIntervalMs`, so acknowledging alerts never waits behind a
   * backlog, and the backlog still drains, slowly under load and at full speed when it ends.
   */
  busy?: () => boolean;
  busyClaimIntervalMs?: number;
  busyBatchSize?: number;
  /**
   * While busy, the next claim also waits this many times as long as the last batch took: a
   * batch's share of the loop stays bounded (1/(1+factor)) whether it is a group of one alert or
   * of a hundred.
   */
  busyPauseFactor?: number;
  /** At least this long between claims: one claim then takes what several commits enqueued. */
  minClaimIntervalMs?: number;
}

const EXPIRED_CHECK_INTERVAL_MS = 1000;

/** Exponential backoff from 1 s to 5 min with ±20 % jitter, so retries of a burst spread out. */
export function defaultRetryDelay(attempt: number): number {
  const base = Math.min(1000 * 2 ** Math.max(0, attempt - 1), 300_000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * Claims due jobs with a lease, runs them by kind, and completes or retries them. One runner
 * per process; several replicas share the table safely because every state change is fenced
 * by the claim's owner token.
 */
export class JobRunner implements Worker {
  private readonly kinds = new Map<string, JobKind>();
  private readonly instance = randomUUID().slice(0, 8);
  private claims = 0;
  private readonly active = new Map<string, ClaimedJob[]>();
  private stopping = false;
  private loopDone: Promise<void> | null = null;
  private readonly signal = new WakeSignal();
  private heartbeat: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly backoff: ClaimBackoff;
  private slotWaiters: (() => void)[] = [];
  private lastClaimAt = Number.NEGATIVE_INFINITY;
  /** While busy, no claim before this (performance.now() time). */
  private pausedUntil = Number.NEGATIVE_INFINITY;
  private lastExpiredCheckAt = Number.NEGATIVE_INFINITY;
  running = false;

  /** The kinds this runner claims, named so each is claimed through its own index range. */
  private readonly claimKinds: readonly string[];

  constructor(private readonly store: Store, kinds: readonly JobKind[], private readonly options: RunnerOptions) {
    for (const k of kinds) this.kinds.set(k.kind, k);
    const excluded = new Set(options.excludeKinds ?? []);
    this.claimKinds = options.kinds && options.kinds.length > 0 ? options.kinds : [...this.kinds.keys()].filter((k) => !excluded.has(k));
    this.backoff = new ClaimBackoff(options.log, 'claiming jobs', options.pollMs);
  }

  async start(): Promise<void> {
    this.stopping = false;
    this.running = true;
    this.listen();
    this.heartbeat = setInterval(() => void this.renew(), Math.max(1000, this.options.leaseMs / 3));
    this.heartbeat.unref();
    this.loopDone = this.loop();
  }

  /** Whether this runner claims jobs of `kind`. */
  takes(kind: string): boolean {
    return this.claimKinds.includes(kind);
  }

  /** New jobs were committed: claim now instead of at the next poll. */
  wake(): void {
    this.signal.wake();
  }

  /** Stops claiming, lets running batches finish until the deadline, hands back the rest. */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loopDone;
    const deadline = new Promise<void>((r) => setTimeout(r, deadlineMs).unref());
    await Promise.race([this.allFinished(), deadline]);
    const unfinished = [...this.active.values()].flat();
    if (unfinished.length > 0) await releaseJobs(this.store, unfinished, this.options.now());
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.running = false;
  }

  private async allFinished(): Promise<void> {
    while (this.active.size > 0) await this.slotFreed();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      if (this.active.size >= this.options.concurrency) {
        await this.slotFreed();
        continue;
      }
      const busy = this.options.busy?.() ?? false;
      const interval = busy ? (this.options.busyClaimIntervalMs ?? 250) : (this.options.minClaimIntervalMs ?? 0);
      const wait = Math.max(this.lastClaimAt + interval, busy ? this.pausedUntil : 0) - performance.now();
      if (wait > 0) {
        await new Promise((r) => setTimeout(r, Math.min(wait, 25)));
        continue;
      }
      this.lastClaimAt = performance.now();
      // A crashed worker's lease runs for seconds: looking for expired ones once a second is enough.
      const includeExpired = this.lastClaimAt - this.lastExpiredCheckAt >= EXPIRED_CHECK_INTERVAL_MS;
      if (includeExpired) this.lastExpiredCheckAt = this.lastClaimAt;
      const owner = `${this.instance}:${++this.claims}`;
      const jobs = await this.claim(owner, busy, includeExpired);
      if (jobs.length === 0) {
        await this.signal.wait(this.backoff.idleWait());
        continue;
      }
      this.active.set(owner, jobs);
      const started = performance.now();
      void this.runClaim(owner, jobs).finally(() => {
        const ended = performance.now();
        // Only a batch claimed while busy sets a pause: a full batch taken while idle would
        // otherwise hold claims back long enough for a backlog to build and run in one burst.
        if (busy && this.options.busyPauseFactor) this.pausedUntil = ended + (ended - started) * this.options.busyPauseFactor;
        this.active.delete(owner);
        for (const w of this.slotWaiters.splice(0)) w();
      });
    }
  }

  /** Claims due jobs; none when the store fails (counted, so the loop backs off). */
  private async claim(owner: string, busy: boolean, includeExpired: boolean): Promise<ClaimedJob[]> {
    try {
      const jobs = await claimDueJobs(this.store, {
        owner,
        limit: busy ? Math.min(this.options.busyBatchSize ?? this.options.batchSize, this.options.batchSize) : this.options.batchSize,
        leaseMs: this.options.leaseMs,
        now: this.options.now(),
        kinds: this.claimKinds,
        firstKind: this.claims,
        includeExpired,
      });
      this.backoff.succeeded();
      return jobs;
    } catch (error) {
      this.backoff.failed(error);
      return [];
    }
  }

  private slotFreed(): Promise<void> {
    return new Promise<void>((r) => this.slotWaiters.push(r));
  }

  private async runClaim(owner: string, jobs: ClaimedJob[]): Promise<void> {
    const byKind = new Map<string, ClaimedJob[]>();
    for (const j of jobs) byKind.set(j.kind, [...(byKind.get(j.kind) ?? []), j]);
    await Promise.all([...byKind].map(([kind, group]) => this.runKind(owner, kind, group)));
  }

  private async runKind(owner: string, kind: string, jobs: ClaimedJob[]): Promise<void> {
    const handler = this.kinds.get(kind);
    let results: JobResult[];
    if (!handler) {
      results = jobs.map(() => ({ ok: false, error: `no handler for job kind "${kind}"`, retryAt: null }));
    } else {
      try {
        results = await handler.run(jobs);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        results = jobs.map(() => ({ ok: false, error: message }));
      }
    }
    await this.record(owner, handler, jobs, results).catch((error: unknown) =>
      this.options.log.error({ err: error, kind }, 'recording job results failed; leases will expire and the jobs rerun'),
    );
  }

  private async record(owner: string, handler: JobKind | undefined, jobs: ClaimedJob[], results: JobResult[]): Promise<void> {
    const now = this.options.now();
    const done = jobs.filter((_, i) => {
      const r = results[i];
      return r?.ok === true && r.completed !== true;
    });
    if (done.length > 0) await this.store.relaxed((db) => completeJobs(db, done, now));
    for (const [i, job] of jobs.entries()) {
      const result = results[i] ?? { ok: false, error: 'handler returned no result' };
      if (result.ok) continue;
      const retryAt = result.retryAt === undefined ? now + defaultRetryDelay(job.attempts) : result.retryAt;
      const state = await failJob(this.store, { ...job, owner }, result.error, retryAt, now);
      if (state === 'dead') {
        this.options.log.warn({ jobId: job.id, kind: job.kind, error: result.error }, 'job dead-lettered');
        await handler?.onDead?.(job, result.error);
      }
    }
  }

  private async renew(): Promise<void> {
    try {
      await renewLeases(this.store, [...this.active.keys()], this.options.leaseMs, this.options.now());
    } catch (error) {
      this.options.log.warn({ err: error }, 'renewing job leases failed');
    }
  }

  /** Other replicas' commits wake this one (LISTEN/NOTIFY on PostgreSQL, on the store's one listening connection). */
  private listen(): void {
    this.unsubscribe = this.store.commits.subscribe((kinds) => {
      if (!kinds || kinds.some((k) => this.takes(k))) this.wake();
    });
  }
}
