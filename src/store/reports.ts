import { sql } from 'kysely';
import type { Store } from './database.js';
import { nextTurn } from '../jobs/turn.js';
import type { AlertRow, OccurrenceRow, ReportRow, ReportsTable } from './tables.js';

export type ReportState = 'complete' | 'partial' | 'failed';

/** The `analyses` table and the report's `analysis_id` (migration 0004). */
export interface AnalysesTable {
  id: string;
  group_key: string;
  state: string;
  alert_count: number;
  content: string;
  created_at: number;
  updated_at: number;
}

export type AnalysisRow = AnalysesTable;
export type ReportWithAnalysis = ReportRow;


export interface NewReport {
  fingerprint: string;
  startsAt: number;
  state: ReportState;
  content: unknown;
  /** The group analysis this report is one alert's view of. */
  analysisId?: string | null;
}

export interface NewAnalysis {
  id: string;
  groupKey: string;
  state: ReportState;
  alertCount: number;
  content: unknown;
}

const CHUNK = 200;

/** Saves reports in as few statements as the batch allows: one commit for many analyses. */
export async function saveReports(store: Store, reports: readonly NewReport[], now: number): Promise<void> {
  if (reports.length === 0) return;
  const latest = [...new Map(reports.map((r) => [`${r.fingerprint}\u0000${r.startsAt}`, r])).values()];
  for (let i = 0; i < latest.length; i += CHUNK) {
    await store.db
      .insertInto('reports')
      .values(
        latest.slice(i, i + CHUNK).map((report) => ({
          fingerprint: report.fingerprint,
          starts_at: report.startsAt,
          state: report.state,
          content: JSON.stringify(report.content),
          analysis_id: report.analysisId ?? null,
          created_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['fingerprint', 'starts_at']).doUpdateSet((eb) => ({
          state: eb.ref('excluded.state'),
          content: eb.ref('excluded.content'),
          analysis_id: eb.ref('excluded.analysis_id'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

export async function saveAnalyses(store: Store, analyses: readonly NewAnalysis[], now: number): Promise<void> {
  if (analyses.length === 0) return;
  const rows = [...new Map(analyses.map((a) => [a.id, a])).values()];
  for (let i = 0; i < rows.length; i += CHUNK) {
    await store.db
      .insertInto('analyses')
      .values(
        rows.slice(i, i + CHUNK).map((a) => ({
          id: a.id,
          group_key: a.groupKey,
          state: a.state,
          alert_count: a.alertCount,
          content: JSON.stringify(a.content),
          created_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          state: eb.ref('excluded.state'),
          alert_count: eb.ref('excluded.alert_count'),
          content: eb.ref('excluded.content'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

/** Reports of an alert, newest episode first. */
export async function listReports(store: Store, fingerprint: string, limit = 50): Promise<ReportWithAnalysis[]> {
  return store.db.selectFrom('reports').selectAll().where('fingerprint', '=', fingerprint).orderBy('starts_at', 'desc').limit(limit).execute();
}

export async function getAnalyses(store: Store, ids: readonly string[]): Promise<Map<string, AnalysisRow>> {
  const found = new Map<string, AnalysisRow>();
  if (ids.length === 0) return found;
  for (const row of await store.db.selectFrom('analyses').selectAll().where('id', 'in', [...new Set(ids)]).execute()) found.set(row.id, row);
  return found;
}

/** What the analysis of a group reads, loaded in a handful of statements however large the group. */
/** What relating alerts needs of a firing alert: not its annotations or payload extras. */
export type FiringRow = Pick<AlertRow, 'fingerprint' | 'alertname' | 'namespace' | 'instance' | 'job' | 'labels' | 'starts_at' | 'status'>;

export interface AnalysisInputs {
  alerts: Map<string, AlertRow>;
  /** Newest first, at most `occurrencesPerAlert` per fingerprint. */
  occurrences: Map<string, OccurrenceRow[]>;
  /** Firing alerts that share an alertname, instance, namespace or job with one of the alerts. */
  firing: FiringRow[];
  /** The two newest reports per fingerprint (the current episode's and the one before). */
  recentReports: Map<string, ReportRow[]>;
}

export async function loadAnalysisInputs(
  store: Store,
  fingerprints: readonly string[],
  options: { occurrencesPerAlert: number; firingLimit: number },
): Promise<AnalysisInputs> {
  const fps = [...new Set(fingerprints)];
  const alerts = new Map<string, AlertRow>();
  const occurrences = new Map<string, OccurrenceRow[]>();
  const recentReports = new Map<string, ReportRow[]>();
  for (let i = 0; i < fps.length; i += CHUNK) {
    const chunk = fps.slice(i, i + CHUNK);
    for (const row of await store.db.selectFrom('alerts').selectAll().where('fingerprint', 'in', chunk).execute()) alerts.set(row.fingerprint, row);
    await nextTurn();
    for (const row of await newestPerFingerprint(store, 'occurrences', chunk, options.occurrencesPerAlert)) append(occurrences, row.fingerprint, row as unknown as OccurrenceRow);
    await nextTurn();
    for (const row of await newestPerFingerprint(store, 'reports', chunk, 2)) append(recentReports, row.fingerprint, row as unknown as ReportRow);
    await nextTurn();
  }
  const firing = await firingSharing(store, [...alerts.values()], options.firingLimit);
  await nextTurn();

  return { alerts, occurrences, firing, recentReports };
}

/** The newest `n` rows per fingerprint of a table keyed by (fingerprint, starts_at). */
async function newestPerFingerprint(store: Store, table: 'occurrences' | 'reports', fps: readonly string[], n: number): Promise<(Record<string, unknown> & { fingerprint: string })[]> {
  const rows = await sql<Record<string, unknown> & { fingerprint: string }>`
    select * from (
      select t.*, row_number() over (partition by fingerprint order by starts_at desc) as rn
      from ${sql.table(table)} t where fingerprint in (${sql.join(fps)})
    ) ranked where rn <= ${n} order by fingerprint, starts_at desc`.execute(store.db);
  return rows.rows.map((r) => {
    const { rn: _rn, ...rest } = r;
    void _rn;
    return { ...normalizeNumbers(rest), fingerprint: r.fingerprint };
  });
}

/** PostgreSQL returns bigint columns as strings through raw SQL; the row types say number. */
function normalizeNumbers(row: Record<string, unknown>): Record<string, unknown> {
  for (const key of ['starts_at', 'ends_at', 'first_received', 'last_received', 'created_at', 'updated_at', 'id', 'received_count']) {
    const v = row[key];
    if (typeof v === 'string' && /^-?\d+$/.test(v)) row[key] = Number(v);
  }
  return row;
}

type SharedKey = 'alertname' | 'instance' | 'namespace' | 'job';

/** Subqueries per statement: SQLite refuses compounds of more than 500 selects. */
const SHARING_MEMBERS = 400;

/**
 * The newest `limit` firing alerts sharing a key value, read value by value: each subquery
 * walks the (status, key, starts_at) index newest first and stops at `limit`. One query over
 * every value at once read every match before sorting; in a storm where one namespace holds
 * 60,000 firing alerts that took 140 ms of PostgreSQL per analysis, beside the alerts being applied.
 */
async function firingSharing(store: Store, alerts: readonly AlertRow[], limit: number): Promise<FiringRow[]> {
  const values = (key: SharedKey) => [...new Set(alerts.map((a) => a[key]).filter((v): v is string => v !== null))].slice(0, 500);
  const members = (['alertname', 'instance', 'namespace', 'job'] as const).flatMap((key) => values(key).map((value) => ({ key, value })));
  const newest = (m: { key: SharedKey; value: string }) =>
    store.db
      .selectFrom((db) =>
        db
          .selectFrom('alerts')
          .select(['fingerprint', 'alertname', 'namespace', 'instance', 'job', 'labels', 'starts_at', 'status'])
          .where('status', '=', 'firing')
          .where(m.key, '=', m.value)
          .orderBy('starts_at', 'desc')
          .limit(limit)
          .as('newest'),
      )
      .selectAll();
  const found = new Map<string, FiringRow>();
  for (let i = 0; i < members.length; i += SHARING_MEMBERS) {
    const [first, ...rest] = members.slice(i, i + SHARING_MEMBERS).map(newest);
    if (!first) break;
    for (const row of await rest.reduce((q, member) => q.unionAll(member), first).execute()) found.set(row.fingerprint, row);
  }
  return [...found.values()].sort((a, b) => b.starts_at - a.starts_at || (a.fingerprint < b.fingerprint ? -1 : 1)).slice(0, limit);
}

function append<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Filters of the report list; every one optional. */
export interface ReportListQuery {
  state?: string;
  alertname?: string;
  namespace?: string;
  instance?: string;
  status?: string;
  since?: number;
  limit: number;
  offset: number;
}

/** A report with its alert's current name, target and status, as the list query selects them. */
export type ReportListRow = Pick<ReportsTable, 'fingerprint' | 'starts_at' | 'state' | 'updated_at' | 'analysis_id'> &
  Pick<AlertRow, 'alertname' | 'namespace' | 'instance' | 'job' | 'status' | 'labels' | 'annotations'>;

/** Reports newest first (latest episode start, then last analysed), with the alert's current name, target and status. */
export async function listReportRows(store: Store, q: ReportListQuery): Promise<ReportListRow[]> {
  let query = store.db
    .selectFrom('reports as r')
    .innerJoin('alerts as a', 'a.fingerprint', 'r.fingerprint')
    .select(['r.fingerprint', 'r.starts_at', 'r.state', 'r.updated_at', 'r.analysis_id', 'a.alertname', 'a.namespace', 'a.instance', 'a.job', 'a.status', 'a.labels', 'a.annotations']);
  if (q.state) query = query.where('r.state', '=', q.state);
  if (q.alertname) query = query.where('a.alertname', '=', q.alertname);
  if (q.namespace) query = query.where('a.namespace', '=', q.namespace);
  if (q.instance) query = query.where('a.instance', '=', q.instance);
  if (q.status) query = query.where('a.status', '=', q.status);
  if (q.since !== undefined) query = query.where('r.updated_at', '>=', q.since);
  const rows = await query.orderBy('r.starts_at', 'desc').orderBy('r.updated_at', 'desc').orderBy('r.fingerprint').limit(q.limit).offset(q.offset).execute();
  return rows.map((r) => normalizeNumbers({ ...r }) as unknown as ReportListRow);
}
