import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/**
 * How busy this process's event loop has been lately. Deferred work (applying alerts,
 * analyses) asks before claiming, so it fills the loop's idle time but never crowds out
 * requests: the share of time the loop was not idle is measured, not guessed from traffic.
 * The threshold is low because an analysis batch, once started, holds the loop in stretches
 * of several milliseconds: at 1,000 requests/s intake alone keeps the loop about 20 % busy,
 * and letting analyses take the rest put p99 above 100 ms.
 */
export class LoopLoad {
  private last: EventLoopUtilization = performance.eventLoopUtilization();
  private recent = 0;
  private requests = 0;
  private requestsInSample = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly sampleMs = 100, private readonly threshold = 0.3) {}

  start(): void {
    this.timer ??= setInterval(() => this.sample(), this.sampleMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Counts a request; call it for every request the server takes. */
  noteRequest(): void {
    this.requests++;
  }

  /** True when the loop was busier than the threshold over the last sample period. */
  busy(): boolean {
    return this.recent > this.threshold;
  }

  /**
   * True when, besides, requests came in over that period. Applying alerts yields to requests
   * only: a loop kept busy by deliveries alone has no answer to protect, and pacing then held
   * back the alerts the deliveries are made from.
   */
  busyWithRequests(): boolean {
    return this.requestsInSample > 0 && this.busy();
  }

  private sample(): void {
    this.requestsInSample = this.requests;
    this.requests = 0;
    const now = performance.eventLoopUtilization();
    this.recent = performance.eventLoopUtilization(now, this.last).utilization;
    this.last = now;
  }
}
