import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './types.js';

/**
 * What the replicas of one database share beyond alerts and jobs: small named values (the
 * secret key's check value) and the LLM's token spending per minute (one budget for all).
 */
export function settings(dialect: DialectName): Migration {
  const big = sql.raw(columnTypes(dialect).big);
  return {
    async up(db: Kysely<unknown>) {
      await sql`create table settings (
        name text primary key,
        value text not null
      )`.execute(db);
      await sql`create table llm_token_spend (
        minute ${big} primary key,
        tokens ${big} not null
      )`.execute(db);
    },
  };
}
