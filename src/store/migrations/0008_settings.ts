import { sql, type Kysely, type Migration } from 'kysely';

/** Small named values the replicas of one database share (the secret key's check value). */
export function settings(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql`create table settings (
        name text primary key,
        value text not null
      )`.execute(db);
    },
  };
}
