import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './types.js';

/** Tables for contact points, their grouping state, deliveries and delivery attempts. */
export function contactPoints(dialect: DialectName): Migration {
  const { big, id } = columnTypes(dialect);
  const bigint = sql.raw(big);
  return {
    async up(db: Kysely<unknown>) {
      // `config` is the contact point's settings as JSON, its secrets sealed by the SecretBox.
      await sql`create table contact_points (
        id text primary key,
        name text not null unique,
        enabled integer not null,
        provisioned integer not null,
        config text not null,
        disabled_reason text,
        created_at ${bigint} not null,
        updated_at ${bigint} not null
      )`.execute(db);

      // One row per outbound message; `id` is the webhook-id, stable across every attempt.
      await sql`create table deliveries (
        id text primary key,
        contact_point_id text not null,
        kind text not null,
        state text not null,
        generation integer not null,
        status text not null,
        alert_count integer not null,
        summary text not null,
        notification text not null,
        body text,
        content_type text,
        attempts integer not null,
        created_at ${bigint} not null,
        series_started_at ${bigint} not null,
        updated_at ${bigint} not null,
        next_attempt_at ${bigint},
        last_attempt_at ${bigint},
        last_status integer,
        last_error text,
        delivered_at ${bigint}
      )`.execute(db);
      await db.schema.createIndex('deliveries_cp_created').on('deliveries').columns(['contact_point_id', 'created_at']).execute();
      await db.schema.createIndex('deliveries_state_cp').on('deliveries').columns(['state', 'contact_point_id', 'created_at']).execute();
      await db.schema.createIndex('deliveries_created').on('deliveries').column('created_at').execute();

      await sql`create table delivery_attempts (
        ${id('id')},
        delivery_id text not null,
        contact_point_id text not null,
        attempt integer not null,
        started_at ${bigint} not null,
        duration_ms integer not null,
        outcome text not null,
        request text not null,
        request_body text not null,
        response_status integer,
        response_headers text,
        response_body text,
        error text
      )`.execute(db);
      await db.schema.createIndex('attempts_delivery').on('delivery_attempts').columns(['delivery_id', 'id']).execute();
      await db.schema.createIndex('attempts_cp_started').on('delivery_attempts').columns(['contact_point_id', 'started_at']).execute();
      await db.schema
        .createIndex('attempts_cp_outcome_started')
        .on('delivery_attempts')
        .columns(['contact_point_id', 'outcome', 'started_at'])
        .execute();

      // Alertmanager-style aggregation groups, kept in the store so a restart neither drops
      // nor repeats a group: `seq` fences the one live flush job of each group.
      await sql`create table notify_groups (
        contact_point_id text not null,
        group_key text not null,
        group_labels text not null,
        seq integer not null,
        created_at ${bigint} not null,
        next_flush_at ${bigint} not null,
        last_sent_at ${bigint},
        last_firing text not null,
        last_resolved text not null,
        primary key (contact_point_id, group_key)
      )`.execute(db);
      await sql`create table notify_group_alerts (
        contact_point_id text not null,
        group_key text not null,
        fingerprint text not null,
        alert text not null,
        updated_at ${bigint} not null,
        primary key (contact_point_id, group_key, fingerprint)
      )`.execute(db);
    },
  };
}
