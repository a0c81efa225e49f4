import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './types.js';

/**
 * Circuit breakers move from each process to the database, so that a failing endpoint is opened
 * for the deployment and probed once per cooldown, not once per replica. Only circuits that have
 * seen failures have a row.
 */
export function circuits(dialect: DialectName): Migration {
  const big = sql.raw(columnTypes(dialect).big);
  return {
    async up(db: Kysely<unknown>) {
      await sql`create table circuits (
        name text primary key,
        failures integer not null,
        open_until ${big} not null,
        probe_until ${big} not null
      )`.execute(db);
    },
  };
}
