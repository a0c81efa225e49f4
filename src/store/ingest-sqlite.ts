// Ingest on SQLite: prepared statements run synchronously in one BEGIN…COMMIT on the single
// connection, so a transaction holds the event loop for as long as SQLite's own work.
import type BetterSqlite3 from 'better-sqlite3';
import { receiptKey } from './alerts.js';
import { statementOn, type Store } from './database.js';
import { insertExecutionsQuery } from './executions.js';
import {
  ALERT_COLUMNS,
  assertLeasesHeld,
  IngestBatch,
  ingestJobs,
  LoopTime,
  kindsOf,
  outcomesInOrder,
  plannedWork,
  toApplyNow,
  type InboundNotification,
  type IngestOptions,
  type IngestOutcome,
  type IngestResult,
  type WriteRequest,
} from './ingest-batch.js';
import { completeJobsSqlite, enqueueJobsSqlite, type JobSpec } from './jobs.js';
import type { AlertRow, ReceiptRow } from './tables.js';

/** The SQL of the ingest transaction on SQLite, built once. */
const INGEST_SQL = {
  alert: 'select * from alerts where fingerprint = ?',
  receipt: 'select * from receipts where source = ? and fingerprint = ?',
  notification: 'insert into notifications (received_at, source, format, remote_addr, alert_count, body) values (?, ?, ?, ?, ?, ?)',
  upsertAlert: `insert into alerts (${ALERT_COLUMNS.join(', ')}) values (${ALERT_COLUMNS.map((c) => `@${c}`).join(', ')})
    on conflict (fingerprint) do update set ${ALERT_COLUMNS.filter((c) => c !== 'fingerprint' && c !== 'first_seen')
      .map((c) => `${c} = excluded.${c}`)
      .join(', ')}`,
  upsertReceipt: `insert into receipts (source, fingerprint, status, starts_at, last_at, seq) values (@source, @fingerprint, @status, @starts_at, @last_at, @seq)
    on conflict (source, fingerprint) do update set status = excluded.status, starts_at = excluded.starts_at, last_at = excluded.last_at, seq = excluded.seq`,
  upsertOccurrence: `insert into occurrences (fingerprint, starts_at, ends_at, status, first_received, last_received, received_count) values (?, ?, ?, ?, ?, ?, ?)
    on conflict (fingerprint, starts_at) do update set ends_at = excluded.ends_at, status = excluded.status,
      last_received = excluded.last_received, received_count = occurrences.received_count + excluded.received_count`,
} as const;

/** The ingest statements of one SQLite connection, prepared once (statementOn). */
function sqliteStatements(raw: BetterSqlite3.Database) {
  const on = (name: keyof typeof INGEST_SQL) => statementOn(raw, INGEST_SQL[name]);
  return {
    alert: on('alert'),
    receipt: on('receipt'),
    notification: on('notification'),
    upsertAlert: on('upsertAlert'),
    upsertReceipt: on('upsertReceipt'),
    upsertOccurrence: on('upsertOccurrence'),
  };
}

type SqliteStatements = ReturnType<typeof sqliteStatements>;

/**
 * The same transaction on SQLite: prepared statements run synchronously in one BEGIN…COMMIT.
 * Building multi-row INSERTs with Kysely (an AST node per value, a new statement to prepare for
 * every batch size) cost more than SQLite's own work, and every await between statements was a
 * trip through the microtask queue.
 */
export function writeSqlite(store: Store, raw: BetterSqlite3.Database, request: WriteRequest, options: IngestOptions): IngestResult {
  const clock = new LoopTime();
  const result = clock.held(() => transactSqlite(store, raw, request, options));
  return { ...result, loopMs: clock.ms };
}

function transactSqlite(store: Store, raw: BetterSqlite3.Database, request: WriteRequest, options: IngestOptions): Omit<IngestResult, 'loopMs'> {
  const s = sqliteStatements(raw);
  const now = options.now();
  return raw.transaction(() => {
    const deferred: { id: number; alerts: number }[] = [];
    for (const n of request.append) {
      const { lastInsertRowid } = s.notification.run(n.receivedAt, n.source, n.format, n.remoteAddr, n.alerts.length, n.body);
      if (n.deferApply) deferred.push({ id: Number(lastInsertRowid), alerts: n.alerts.length });
    }
    const applied = applySqlite(store, raw, s, toApplyNow(request), options, now);
    const jobs = [...ingestJobs(deferred), ...applied.jobs];
    const jobsEnqueued = enqueueJobsSqlite(raw, jobs, now, options.maxAttempts);
    assertLeasesHeld(completeJobsSqlite(raw, request.complete, now), request.complete.length);
    return { outcomes: outcomesInOrder(request, applied.outcomes), jobsEnqueued, enqueuedKinds: kindsOf(jobs) };
  })();
}

function applySqlite(
  store: Store,
  raw: BetterSqlite3.Database,
  s: SqliteStatements,
  notifications: readonly InboundNotification[],
  options: IngestOptions,
  now: number,
): { outcomes: Map<InboundNotification, IngestOutcome>; jobs: JobSpec[] } {
  if (notifications.length === 0) return { outcomes: new Map(), jobs: [] };
  const alerts = new Map<string, AlertRow>();
  const receipts = new Map<string, ReceiptRow>();
  for (const n of notifications) {
    for (const a of n.alerts) {
      if (!alerts.has(a.fingerprint)) {
        const row = s.alert.get(a.fingerprint) as AlertRow | undefined;
        if (row) alerts.set(a.fingerprint, row);
      }
      const key = receiptKey(n.source, a.fingerprint);
      if (!receipts.has(key)) {
        const row = s.receipt.get(n.source, a.fingerprint) as ReceiptRow | undefined;
        if (row) receipts.set(key, row);
      }
    }
  }
  const batch = new IngestBatch(alerts, receipts, options);
  const outcomes = batch.applyAll(notifications);
  for (const row of batch.dirty.values()) s.upsertAlert.run(row);
  for (const row of batch.dirtyReceipts.values()) s.upsertReceipt.run(row);
  for (const o of batch.occurrences.values()) {
    s.upsertOccurrence.run(o.fingerprint, o.startsAt, o.endsAt, o.status, o.firstReceived, o.lastReceived, o.receivedCount);
  }
  const { jobs, executions } = plannedWork(batch, notifications, options);
  const insertExecutions = insertExecutionsQuery(store.db, executions, now)?.compile();
  if (insertExecutions) raw.prepare(insertExecutions.sql).run(...insertExecutions.parameters);
  return { outcomes, jobs };
}
