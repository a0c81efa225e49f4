import type { JobRunner } from './runner.js';

/**
 * The process's runners as one: kinds that may be slow (deliveries to a hanging endpoint) have a
 * runner of their own, so they never hold up analyses and actions.
 */
export class WorkerPool {
  constructor(private readonly runners: readonly JobRunner[]) {}

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
