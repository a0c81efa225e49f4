import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './types.js';

/** Tables for receivers, executions. */
export function receivers(dialect: DialectName): Migration {
  const { big, id } = columnTypes(dialect);
  void big;
  void id;
  return {
    async up(_db: Kysely<unknown>) {},
  };
}
