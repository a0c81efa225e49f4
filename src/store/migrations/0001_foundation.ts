import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './types.js';

/** Alerts, occurrences, raw notifications, jobs, reports. */
export function foundation(dialect: DialectName): Migration {
  const { big, id } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('alerts')
        .addColumn('fingerprint', 'text', (c) => c.primaryKey())
        .addColumn('alertname', 'text', (c) => c.notNull())
        .addColumn('namespace', 'text')
        .addColumn('instance', 'text')
        .addColumn('job', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('labels', 'text', (c) => c.notNull())
        .addColumn('annotations', 'text', (c) => c.notNull())
        .addColumn('extra', 'text', (c) => c.notNull())
        .addColumn('generator_url', 'text', (c) => c.notNull())
        .addColumn('starts_at', big, (c) => c.notNull())
        .addColumn('ends_at', big)
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('first_seen', big, (c) => c.notNull())
        .addColumn('last_seen', big, (c) => c.notNull())
        .addColumn('last_change', big, (c) => c.notNull())
        .addColumn('received_count', 'integer', (c) => c.notNull())
        .addColumn('occurrence_count', 'integer', (c) => c.notNull())
        .execute();
      // (status, key, starts_at): "newest firing alerts on this target" is an index range scan.
      for (const column of ['namespace', 'instance', 'job', 'alertname'] as const) {
        await db.schema.createIndex(`alerts_status_${column}`).on('alerts').columns(['status', column, 'starts_at']).execute();
      }
      await db.schema.createIndex('alerts_last_seen').on('alerts').column('last_seen').execute();

      await sql`create table occurrences (
        ${id('id')},
        fingerprint text not null,
        starts_at ${sql.raw(big)} not null,
        ends_at ${sql.raw(big)},
        status text not null,
        first_received ${sql.raw(big)} not null,
        last_received ${sql.raw(big)} not null,
        received_count integer not null,
        unique (fingerprint, starts_at)
      )`.execute(db);

      // Per source, the last stored receipt of each alert: what deduplication compares with.
      await sql`create table receipts (
        source text not null,
        fingerprint text not null,
        status text not null,
        starts_at ${sql.raw(big)} not null,
        last_at ${sql.raw(big)} not null,
        seq integer not null,
        primary key (source, fingerprint)
      )`.execute(db);

      await sql`create table notifications (
        ${id('id')},
        received_at ${sql.raw(big)} not null,
        source text not null,
        format text not null,
        remote_addr text not null,
        alert_count integer not null,
        body text not null
      )`.execute(db);
      await db.schema.createIndex('notifications_received_at').on('notifications').column('received_at').execute();

      await sql`create table jobs (
        ${id('id')},
        kind text not null,
        idempotency_key text not null unique,
        payload text not null,
        state text not null,
        attempts integer not null,
        max_attempts integer not null,
        run_at ${sql.raw(big)} not null,
        lease_owner text,
        lease_expires_at ${sql.raw(big)},
        last_error text,
        created_at ${sql.raw(big)} not null,
        updated_at ${sql.raw(big)} not null
      )`.execute(db);
      await db.schema.createIndex('jobs_state_run_at').on('jobs').columns(['state', 'run_at']).execute();
      await db.schema.createIndex('jobs_state_lease').on('jobs').columns(['state', 'lease_expires_at']).execute();

      await sql`create table reports (
        fingerprint text not null,
        starts_at ${sql.raw(big)} not null,
        state text not null,
        content text not null,
        created_at ${sql.raw(big)} not null,
        updated_at ${sql.raw(big)} not null,
        primary key (fingerprint, starts_at)
      )`.execute(db);
    },
  };
}
