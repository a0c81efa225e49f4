import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './types.js';

/**
 * Group analyses: one row per analysed alert group (the LLM's answer and the group summary,
 * stored once), each alert's report pointing at it. The report list reads newest first.
 */
export function analysis(dialect: DialectName): Migration {
  const b = sql.raw(columnTypes(dialect).big);
  return {
    async up(db: Kysely<unknown>) {
      await sql`create table analyses (
        id text primary key,
        group_key text not null,
        state text not null,
        alert_count integer not null,
        content text not null,
        created_at ${b} not null,
        updated_at ${b} not null
      )`.execute(db);
      await sql`alter table reports add column analysis_id text`.execute(db);
      await db.schema.createIndex('reports_updated').on('reports').columns(['updated_at', 'fingerprint']).execute();
      await db.schema.createIndex('reports_analysis').on('reports').column('analysis_id').execute();
    },
  };
}
