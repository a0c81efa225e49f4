import type { Store } from './database.js';
import { nextTurn } from '../jobs/turn.js';
import { ingestNotifications, type InboundNotification, type IngestOptions, type IngestOutcome } from './ingest.js';

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
  ) {}

  submit(notification: InboundNotification): Promise<IngestOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ notification, resolve, reject });
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
