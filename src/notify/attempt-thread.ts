import { Worker } from 'node:worker_threads';
import type { NamedText } from '../template/index.js';
import type { Log } from '../observability/log.js';
import type { WalCheckpointTarget } from '../store/wal-checkpoints.js';
import type { AttemptRequest, AttemptResult } from './attempt.js';
import type { ContactPointSettings } from './contact-point.js';
import type { SendingContactPoint } from './sender.js';
import type { UrlPolicy } from './url-policy.js';

/** Makes delivery attempts; the delivery worker's view of the attempt thread. */
export interface Attempts {
  attempt(cp: SendingContactPoint, request: AttemptRequest): Promise<AttemptResult>;
}

/** A contact point as it crosses to the thread: its settings only when the thread has not seen this version. */
export interface ThreadContactPoint {
  id: string;
  version: string;
  settings?: ContactPointSettings;
}

export interface ThreadData {
  policy: UrlPolicy;
  /** The user's template files, which the thread renders with. */
  templates: readonly NamedText[];
  /** The SQLite log to checkpoint from the thread, if any. */
  checkpoints?: WalCheckpointTarget;
}

export type ToThread =
  | { kind: 'attempts'; externalUrl: string; items: { seq: number; cp: ThreadContactPoint; request: AttemptRequest }[] }
  | { kind: 'forget'; id: string };

export type ThreadResult = { seq: number; result: AttemptResult } | { seq: number; error: string };

export type FromThread = { kind: 'results'; items: ThreadResult[] } | { kind: 'checkpoints-stopped'; error: string };

export interface AttemptThreadOptions {
  policy: UrlPolicy;
  templates: readonly NamedText[];
  externalUrl: () => string;
  log: Log;
  /**
   * The thread also checkpoints the SQLite log while it runs, off the event loop (see
   * wal-checkpoints.ts); `handOver` tells the store and returns how to take them back.
   */
  checkpoints?: { target: WalCheckpointTarget; handOver: () => () => void };
}

interface Waiter {
  resolve: (result: AttemptResult) => void;
  reject: (error: Error) => void;
}

/**
 * Rendering, signing and HTTP of delivery attempts, on a worker thread: they were half of the
 * event loop's work per delivery, and the loop also takes alerts in, routes them and writes
 * the attempt log. Requests and results cross in one message per event-loop turn. The thread
 * starts once contact points are provisioned, or with the first attempt; if it dies, the
 * attempts under way fail (and are retried like any unexpected failure) and the next attempt
 * starts a new one.
 */
export class AttemptThread implements Attempts {
  private worker: Worker | null = null;
  private nextSeq = 0;
  private readonly waiting = new Map<number, Waiter>();
  private outbox: { seq: number; cp: ThreadContactPoint; request: AttemptRequest }[] = [];
  private flushQueued = false;
  /** Contact point → the version of its settings the thread holds. */
  private readonly known = new Map<string, string>();

  private takeBackCheckpoints: (() => void) | null = null;

  constructor(private readonly options: AttemptThreadOptions) {}

  /** Starts the thread ahead of the first attempt. */
  start(): void {
    this.spawned();
  }

  attempt(cp: SendingContactPoint, request: AttemptRequest): Promise<AttemptResult> {
    this.spawned();
    const fresh = this.known.get(cp.id) !== cp.version;
    if (fresh) this.known.set(cp.id, cp.version);
    const seq = ++this.nextSeq;
    this.outbox.push({ seq, cp: fresh ? { id: cp.id, version: cp.version, settings: cp.settings } : { id: cp.id, version: cp.version }, request });
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flush());
    }
    return new Promise((resolve, reject) => this.waiting.set(seq, { resolve, reject }));
  }

  /** A contact point changed or went away: the thread drops its settings, HTTP agent and OAuth token. */
  forget(id: string): void {
    this.known.delete(id);
    this.worker?.postMessage({ kind: 'forget', id } satisfies ToThread);
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.lost(worker, new Error('the attempt thread was stopped'));
    await worker?.terminate();
  }

  private flush(): void {
    this.flushQueued = false;
    const items = this.outbox;
    this.outbox = [];
    if (items.length > 0) this.worker?.postMessage({ kind: 'attempts', externalUrl: this.options.externalUrl(), items } satisfies ToThread);
  }

  private settle(message: FromThread): void {
    if (message.kind === 'checkpoints-stopped') {
      this.options.log.warn({ error: message.error }, 'the attempt thread stopped checkpointing the SQLite log; the event loop does it again');
      this.checkpointsBack();
      return;
    }
    for (const item of message.items) {
      const waiter = this.waiting.get(item.seq);
      this.waiting.delete(item.seq);
      if ('error' in item) waiter?.reject(new Error(item.error));
      else waiter?.resolve(item.result);
    }
  }

  private spawned(): Worker {
    if (this.worker) return this.worker;
    const checkpoints = this.options.checkpoints;
    const worker = spawnThread({ policy: this.options.policy, templates: this.options.templates, ...(checkpoints ? { checkpoints: checkpoints.target } : {}) });
    if (checkpoints) this.takeBackCheckpoints = checkpoints.handOver();
    worker.on('message', (m: FromThread) => this.settle(m));
    worker.on('error', (error) => {
      this.options.log.error({ err: error }, 'the delivery attempt thread failed; attempts under way will be retried');
      this.lost(worker, error);
    });
    worker.on('exit', (code) => this.lost(worker, new Error(`the attempt thread exited with code ${code}`)));
    // Attempts under way keep their promises; the thread itself must not hold the process open.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Fails what the lost thread held, once, and forgets what it knew. */
  private lost(worker: Worker | null, error: Error): void {
    if (worker === null || this.worker !== worker) return;
    this.worker = null;
    this.checkpointsBack();
    this.known.clear();
    this.outbox = [];
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiting) w.reject(error);
  }

  private checkpointsBack(): void {
    this.takeBackCheckpoints?.();
    this.takeBackCheckpoints = null;
  }
}

/** The entry is compiled JavaScript in a build; run from source (tests, tsx) the thread registers tsx first. */
function spawnThread(workerData: ThreadData): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './attempt-thread-entry.ts' : './attempt-thread-entry.js', import.meta.url);
  if (!fromSource) return new Worker(entry, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
