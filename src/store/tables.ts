import type { Generated, Insertable, Selectable } from 'kysely';
import type { ContactPointsTable, NotifyGroupAlertsTable, NotifyGroupsTable } from './contact-points.js';
import type { DeliveriesTable, DeliveryAttemptsTable } from './deliveries.js';
import type { AnalysesTable } from './reports.js';
import type { SessionsTable } from './sessions.js';

/** Row types of every table. Times are Unix epoch milliseconds; JSON columns hold text. */
export interface AlertsTable {
  fingerprint: string;
  alertname: string;
  namespace: string | null;
  instance: string | null;
  job: string | null;
  status: string;
  labels: string;
  annotations: string;
  extra: string;
  generator_url: string;
  starts_at: number;
  ends_at: number | null;
  source: string;
  first_seen: number;
  last_seen: number;
  last_change: number;
  received_count: number;
  occurrence_count: number;
}

export interface OccurrencesTable {
  id: Generated<number>;
  fingerprint: string;
  starts_at: number;
  ends_at: number | null;
  status: string;
  first_received: number;
  last_received: number;
  received_count: number;
}

export interface ReceiptsTable {
  source: string;
  fingerprint: string;
  status: string;
  starts_at: number;
  last_at: number;
  seq: number;
}

export interface NotificationsTable {
  id: Generated<number>;
  received_at: number;
  source: string;
  format: string;
  remote_addr: string;
  alert_count: number;
  body: string;
}

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  idempotency_key: string;
  payload: string;
  state: string;
  attempts: number;
  max_attempts: number;
  run_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface ReportsTable {
  fingerprint: string;
  starts_at: number;
  state: string;
  content: string;
  created_at: number;
  updated_at: number;
  /** The group analysis this report is one alert's view of (migration 0004). */
  analysis_id: string | null;
}

export interface ReceiversTable {
  id: string;
  name: string;
  kind: string;
  enabled: number;
  provisioned: number;
  settings: string;
  token_hashes: string;
  created_at: number;
  updated_at: number;
  last_triggered_at: number | null;
  last_decision: string | null;
}

export interface ExecutionsTable {
  id: string;
  receiver_id: string;
  kind: string;
  job_key: string;
  alerts_hash: string;
  trigger: string;
  fingerprints: string;
  state: string;
  decision: string | null;
  reason: string;
  target: string | null;
  direction: string | null;
  from_replicas: number | null;
  to_replicas: number | null;
  cooldown_until: number | null;
  exit_code: number | null;
  output: string | null;
  error: string | null;
  duration_ms: number | null;
  attempts: number;
  request: string;
  matched: string;
  payload: string;
  journal: string | null;
  rerun_of: string | null;
  created_at: number;
  finished_at: number | null;
}

export interface SettingsTable {
  name: string;
  value: string;
}

export interface LlmTokenSpendTable {
  /** Start of the minute, epoch ms. */
  minute: number;
  tokens: number;
}

export interface CircuitsTable {
  name: string;
  failures: number;
  /** Epoch ms the circuit stays open until; 0 while closed. */
  open_until: number;
  /** Epoch ms a probe holds the circuit until; 0 when none is out. */
  probe_until: number;
}

export interface Database {
  alerts: AlertsTable;
  occurrences: OccurrencesTable;
  receipts: ReceiptsTable;
  notifications: NotificationsTable;
  jobs: JobsTable;
  reports: ReportsTable;
  receivers: ReceiversTable;
  executions: ExecutionsTable;
  analyses: AnalysesTable;
  contact_points: ContactPointsTable;
  notify_groups: NotifyGroupsTable;
  notify_group_alerts: NotifyGroupAlertsTable;
  deliveries: DeliveriesTable;
  delivery_attempts: DeliveryAttemptsTable;
  sessions: SessionsTable;
  settings: SettingsTable;
  llm_token_spend: LlmTokenSpendTable;
  circuits: CircuitsTable;
}

export type AlertRow = Selectable<AlertsTable>;
export type OccurrenceRow = Selectable<OccurrencesTable>;
export type JobRow = Selectable<JobsTable>;
export type NewJob = Insertable<JobsTable>;
export type ReceiptRow = Selectable<ReceiptsTable>;
export type NotificationRow = Selectable<NotificationsTable>;
export type ReportRow = Selectable<ReportsTable>;
export type ReceiverRow = Selectable<ReceiversTable>;
export type ExecutionRow = Selectable<ExecutionsTable>;
