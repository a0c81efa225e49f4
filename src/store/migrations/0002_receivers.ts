import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './types.js';

/** Receivers (hook URLs that act) and the record of every execution. */
export function receivers(dialect: DialectName): Migration {
  const { big } = columnTypes(dialect);
  const b = sql.raw(big);
  return {
    async up(db: Kysely<unknown>) {
      await sql`create table receivers (
        id text primary key,
        name text not null,
        kind text not null,
        enabled integer not null,
        provisioned integer not null,
        settings text not null,
        token_hashes text not null,
        created_at ${b} not null,
        updated_at ${b} not null,
        last_triggered_at ${b},
        last_decision text
      )`.execute(db);

      await sql`create table executions (
        id text primary key,
        receiver_id text not null,
        kind text not null,
        job_key text not null unique,
        alerts_hash text not null,
        trigger text not null,
        fingerprints text not null,
        state text not null,
        decision text,
        reason text not null,
        target text,
        direction text,
        from_replicas integer,
        to_replicas integer,
        cooldown_until ${b},
        exit_code integer,
        output text,
        error text,
        duration_ms integer,
        attempts integer not null,
        request text not null,
        matched text not null,
        payload text not null,
        journal text,
        rerun_of text,
        created_at ${b} not null,
        finished_at ${b}
      )`.execute(db);
      await db.schema.createIndex('executions_receiver').on('executions').columns(['receiver_id', 'created_at']).execute();
      await db.schema.createIndex('executions_alerts_hash').on('executions').columns(['receiver_id', 'alerts_hash']).execute();
      await db.schema.createIndex('executions_target').on('executions').columns(['target', 'direction', 'decision', 'finished_at']).execute();
    },
  };
}
