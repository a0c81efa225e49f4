/** Something that takes queued work of some kinds: a job runner, or the delivery worker. */
export interface Worker {
  readonly running: boolean;
  start(): Promise<void>;
  /** Whether committing work of `kind` should wake this worker. */
  takes(kind: string): boolean;
  wake(): void;
  /** Stops taking work, lets what runs finish until the deadline, hands back the rest. */
  stop(deadlineMs: number): Promise<void>;
}

/**
 * The process's workers as one: kinds that may be slow (deliveries to a hanging endpoint) have a
 * worker of their own, so they never hold up analyses and actions.
 */
export class WorkerPool {
  constructor(private readonly runners: readonly Worker[]) {}

  get running(): boolean {
    return this.runners.some((r) => r.running);
  }

  async start(): Promise<void> {
    for (const r of this.runners) await r.start();
  }

  /** New jobs were committed: wakes the runners of these kinds (of every kind when none is named). */
  wake(kinds?: readonly string[]): void {
    for (const r of this.runners) if (!kinds || kinds.some((k) => r.takes(k))) r.wake();
  }

  async stop(deadlineMs: number): Promise<void> {
    await Promise.all(this.runners.filter((r) => r.running).map((r) => r.stop(deadlineMs)));
  }

  /** Stops only the runner that claims `kind` (and whatever else it claims); the others go on. */
  async stopRunnerOf(kind: string, deadlineMs: number): Promise<void> {
    await Promise.all(this.runners.filter((r) => r.running && r.takes(kind)).map((r) => r.stop(deadlineMs)));
  }
}
