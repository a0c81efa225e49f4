import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Deliveries become their own queue. A deliver job per delivery meant three writes to the job
 * table (insert, claim, completion, each through its indexes) on top of the delivery's own; now
 * a worker claims due deliveries directly, leasing them by pushing `next_attempt_at` past the
 * lease and fencing its writes with `lease_owner`. The deliver jobs left over are dropped: the
 * pending deliveries they pointed at are due by their own `next_attempt_at`.
 */
export function deliveryQueue(_dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql`alter table deliveries add column lease_owner text`.execute(db);
      await sql`create index deliveries_due on deliveries (next_attempt_at) where state = 'pending'`.execute(db);
      await sql`update deliveries set next_attempt_at = updated_at where state = 'pending' and next_attempt_at is null`.execute(db);
      await sql`delete from jobs where kind = 'deliver'`.execute(db);
    },
  };
}
