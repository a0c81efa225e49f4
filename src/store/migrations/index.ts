import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { DialectName, Store } from '../database.js';
import { foundation } from './0001_foundation.js';
import { receivers } from './0002_receivers.js';
import { contactPoints } from './0003_contact_points.js';
import { analysis } from './0004_analysis.js';
import { sessions } from './0005_sessions.js';
import { jobKinds } from './0006_job_kinds.js';
import { deliveryQueue } from './0007_delivery_queue.js';
import { settings } from './0008_settings.js';
import { circuits } from './0009_circuits.js';

/**
 * Versioned schema migrations, applied in name order at start. A released migration is never
 * edited: a change is a new entry. One file per migration.
 */
function migrations(dialect: DialectName): Record<string, Migration> {
  return {
    '0001_foundation': foundation(dialect),
    '0002_receivers': receivers(dialect),
    '0003_contact_points': contactPoints(dialect),
    '0004_analysis': analysis(dialect),
    '0005_sessions': sessions(dialect),
    '0006_job_kinds': jobKinds(dialect),
    '0007_delivery_queue': deliveryQueue(dialect),
    '0008_settings': settings(dialect),
    '0009_circuits': circuits(dialect),
  };
}

export async function migrateToLatest(store: Store): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(store.dialect) };
  const migrator = new Migrator({ db: store.db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
