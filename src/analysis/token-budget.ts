/**
 * Tokens spent on the LLM in the last rolling hour, so a storm of alerts cannot run up an
 * unbounded bill. In memory: a restart forgets what was spent, which at worst allows one more
 * hour's budget.
 */
const HOUR = 3_600_000;

export class TokenBudget {
  private spent: { at: number; tokens: number }[] = [];

  constructor(private readonly perHour: number) {}

  used(now: number): number {
    this.spent = this.spent.filter((s) => s.at > now - HOUR);
    return this.spent.reduce((n, s) => n + s.tokens, 0);
  }

  /** Whether `tokens` more fit in the budget (0 = unlimited). */
  allows(tokens: number, now: number): boolean {
    return this.perHour === 0 || this.used(now) + tokens <= this.perHour;
  }

  record(tokens: number, now: number): void {
    if (tokens > 0) this.spent.push({ at: now, tokens });
  }

  /** When enough of the window will have expired for `tokens` more to fit. */
  availableAt(tokens: number, now: number): number {
    let used = this.used(now);
    for (const s of this.spent) {
      if (used + tokens <= this.perHour) break;
      used -= s.tokens;
      if (used + tokens <= this.perHour) return s.at + HOUR;
    }
    return now;
  }

  get limit(): number {
    return this.perHour;
  }
}
