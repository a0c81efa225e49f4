/**
 * A circuit breaker for the LLM endpoint: after `threshold` consecutive failures no request
 * goes out for `cooldownMs`; then one probe decides. A dead endpoint then costs nothing but a
 * line in each report, instead of a timeout per group.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private probing = false;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
  ) {}

  isOpen(now: number): boolean {
    return this.failures >= this.threshold && (now < this.openUntil || this.probing);
  }

  /** Whether a request may go out now; past the cooldown, the first caller becomes the probe. */
  admit(now: number): boolean {
    if (this.failures < this.threshold) return true;
    if (now < this.openUntil || this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
  }

  failure(now: number): void {
    this.failures += 1;
    this.probing = false;
    if (this.failures >= this.threshold) this.openUntil = now + this.cooldownMs;
  }

  /** When the circuit lets the next probe through. */
  reopensAt(): number {
    return this.openUntil;
  }
}
