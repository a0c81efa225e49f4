import type { Store } from './database.js';

/** What the LLM spent when. `since` is exclusive; entries come oldest first. */
export interface TokenLedger {
  spentSince(since: number): Promise<{ at: number; tokens: number }[]>;
  record(at: number, tokens: number): Promise<void>;
}

const MINUTE = 60_000;
/** Buckets older than this are deleted as new spending is recorded: the budget looks back one hour. */
const KEEP_MS = 2 * 3_600_000;

/**
 * The LLM's spending in the store, by minute: every replica adds to the same rows, so one
 * budget holds for all of them. A bucket counts from its minute's start, which may let a
 * request through up to a minute before its tokens fall out of the hour.
 */
export class StoredTokenLedger implements TokenLedger {
  constructor(private readonly store: Store) {}

  async spentSince(since: number): Promise<{ at: number; tokens: number }[]> {
    const rows = await this.store.db
      .selectFrom('llm_token_spend')
      .select(['minute', 'tokens'])
      .where('minute', '>', Math.floor(since / MINUTE) * MINUTE - MINUTE)
      .orderBy('minute')
      .execute();
    return rows.map((r) => ({ at: Number(r.minute), tokens: Number(r.tokens) })).filter((r) => r.at + MINUTE > since);
  }

  async record(at: number, tokens: number): Promise<void> {
    const minute = Math.floor(at / MINUTE) * MINUTE;
    await this.store.db
      .insertInto('llm_token_spend')
      .values({ minute, tokens })
      .onConflict((oc) => oc.column('minute').doUpdateSet((eb) => ({ tokens: eb('llm_token_spend.tokens', '+', eb.ref('excluded.tokens')) })))
      .execute();
    await this.store.db.deleteFrom('llm_token_spend').where('minute', '<', at - KEEP_MS).execute();
  }
}
