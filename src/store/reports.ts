import type { Store } from './database.js';
import type { ReportRow } from './tables.js';

export type ReportState = 'complete' | 'partial' | 'failed';

export interface NewReport {
  fingerprint: string;
  startsAt: number;
  state: ReportState;
  content: unknown;
}

/** Saves reports in one statement: one commit for a whole batch of analyses. */
export async function saveReports(store: Store, reports: readonly NewReport[], now: number): Promise<void> {
  if (reports.length === 0) return;
  const latest = new Map(reports.map((r) => [`${r.fingerprint}\u0000${r.startsAt}`, r]));
  await store.db
    .insertInto('reports')
    .values(
      [...latest.values()].map((report) => ({
        fingerprint: report.fingerprint,
        starts_at: report.startsAt,
        state: report.state,
        content: JSON.stringify(report.content),
        created_at: now,
        updated_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['fingerprint', 'starts_at']).doUpdateSet((eb) => ({
        state: eb.ref('excluded.state'),
        content: eb.ref('excluded.content'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

/** Reports of an alert, newest episode first. */
export async function listReports(store: Store, fingerprint: string, limit = 50): Promise<ReportRow[]> {
  return store.db
    .selectFrom('reports')
    .selectAll()
    .where('fingerprint', '=', fingerprint)
    .orderBy('starts_at', 'desc')
    .limit(limit)
    .execute();
}
