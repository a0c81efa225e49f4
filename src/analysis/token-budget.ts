/**
 * Tokens spent on the LLM in the last rolling hour, so a storm of alerts cannot run up an
 * unbounded bill. The spending is kept in a ledger: the store's by default, shared by every
 * replica of one database (the budget is the deployment's, not N× per replica) and kept across
 * restarts; in memory for a caller without a store.
 */
const HOUR = 3_600_000;

import type { TokenLedger } from '../store/llm-spend.js';

export type { TokenLedger } from '../store/llm-spend.js';

export class MemoryLedger implements TokenLedger {
  private spent: { at: number; tokens: number }[] = [];

  async spentSince(since: number): Promise<{ at: number; tokens: number }[]> {
    this.spent = this.spent.filter((s) => s.at > since);
    return [...this.spent];
  }

  async record(at: number, tokens: number): Promise<void> {
    this.spent.push({ at, tokens });
  }
}

export class TokenBudget {
  constructor(
    private readonly perHour: number,
    private readonly ledger: TokenLedger = new MemoryLedger(),
  ) {}

  async used(now: number): Promise<number> {
    return (await this.ledger.spentSince(now - HOUR)).reduce((n, s) => n + s.tokens, 0);
  }

  /** Whether `tokens` more fit in the budget (0 = unlimited). */
  async allows(tokens: number, now: number): Promise<boolean> {
    return this.perHour === 0 || (await this.used(now)) + tokens <= this.perHour;
  }

  async record(tokens: number, now: number): Promise<void> {
    if (tokens > 0) await this.ledger.record(now, tokens);
  }

  /** When enough of the window will have expired for `tokens` more to fit. */
  async availableAt(tokens: number, now: number): Promise<number> {
    const spent = await this.ledger.spentSince(now - HOUR);
    let used = spent.reduce((n, s) => n + s.tokens, 0);
    for (const s of spent) {
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
