import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Each runner claims its own kinds. With only (state, run_at) to go by, a claim for deliveries
 * walked every pending analysis before it (tens of thousands in a storm) to find none; with the
 * kind first, each kind's due jobs are one ordered range.
 */
export function jobKinds(_dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('jobs_kind_state_run_at').on('jobs').columns(['kind', 'state', 'run_at', 'id']).execute();
    },
  };
}
