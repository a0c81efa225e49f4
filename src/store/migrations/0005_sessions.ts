import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './types.js';

/**
 * Console sign-in sessions. Only the SHA-256 of a session id is stored, so a copy of the
 * database holds no usable cookie.
 */
export function sessions(dialect: DialectName): Migration {
  const b = sql.raw(columnTypes(dialect).big);
  return {
    async up(db: Kysely<unknown>) {
      await sql`create table sessions (
        id_hash text primary key,
        subject text not null,
        created_at ${b} not null,
        last_seen_at ${b} not null,
        expires_at ${b} not null
      )`.execute(db);
      await db.schema.createIndex('sessions_expires').on('sessions').column('expires_at').execute();
    },
  };
}
