import { sql, type RawBuilder } from 'kysely';
import type { DialectName } from '../database.js';

/** Column types that differ between SQLite and PostgreSQL. */
export function columnTypes(dialect: DialectName): { big: 'bigint' | 'integer'; id: (name: string) => RawBuilder<unknown> } {
  return {
    big: dialect === 'postgres' ? 'bigint' : 'integer',
    id: (name: string) =>
      dialect === 'postgres' ? sql.raw(`${name} bigserial primary key`) : sql.raw(`${name} integer primary key autoincrement`),
  };
}
