import type { Store } from './database.js';
import { nextTurn } from '../jobs/turn.js';
import { ingestNotifications, type InboundNotification, type IngestOptions, type IngestOutcome } from './ingest.js';

/** How long a request waits for its commit before it is answered 503 (Alertmanager retries). */
export const DEFAULT_COMMIT_DEADLINE_MS = 5000;

export class CommitTimeout extends Error {
  constructor(ms: number) {
    super(`the store did not commit within ${ms} ms`);
  }
}

interface Waiting {
  notification: InboundNotification;
  resolve: (outcome: IngestOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: notifications that arrive while a transaction is being written wait for the
 * next one, so one fsync acknowledges many requests. Each caller still learns its own outcome
 * only after its data is committed.
 */
export class GroupCommitter {
  private queue: Waiting[] = [];
  private writing: Promise<void> | null = null;
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly options: IngestOptions,
    private readonly onCommitted: (kinds: readonly string[]) => void,
    private readonly maxBatch = 1000,
    private readonly deadlineMs = DEFAULT_COMMIT_DEADLINE_MS,
  ) {}

  /**
   * Resolves once the notification is committed. Rejects after `deadlineMs` when the store does
   * not answer (a database that is down or restarting): the sender is told to retry instead of
   * waiting. A notification still queued then is dropped; one already being written may commit
   * anyway, and its retry is a duplicate the receipts catch.
   */
  submit(notification: InboundNotification): Promise<IngestOutcome> {
    return new Promise((resolve, reject) => {
      const waiting: Waiting = { notification, resolve, reject };
      const timer = setTimeout(() => {
        const queued = this.queue.indexOf(waiting);
        if (queued >= 0) this.queue.splice(queued, 1);
        reject(new CommitTimeout(this.deadlineMs));
      }, this.deadlineMs);
      waiting.resolve = (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      waiting.reject = (error) => {
        clearTimeout(timer);
        reject(error);
      };
      this.queue.push(waiting);
      this.schedule();
    });
  }

  /** Resolves once everything submitted so far is committed (or has failed). */
  async drain(): Promise<void> {
    while (this.writing || this.queue.length > 0 || this.scheduled) {
      if (this.writing) await this.writing;
      else await nextTurn();
    }
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    // setImmediate lets every request parsed in this turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.writing = this.writeNext().finally(() => {
        this.writing = null;
        if (this.queue.length > 0) this.schedule();
      });
    });
  }

  private async writeNext(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    try {
      await this.write(batch);
    } catch {
      // One bad notification must not fail its neighbours: retry each alone.
      for (const w of batch) await this.write([w]).catch((error: unknown) => w.reject(error));
    }
  }

  private async write(batch: Waiting[]): Promise<void> {
    const { outcomes, jobsEnqueued, enqueuedKinds } = await ingestNotifications(
      this.store,
      batch.map((w) => w.notification),
      this.options,
    );
    batch.forEach((w, i) => w.resolve(outcomes[i] ?? { deduplicated: [] }));
    if (jobsEnqueued > 0) this.onCommitted(enqueuedKinds);
  }
}
