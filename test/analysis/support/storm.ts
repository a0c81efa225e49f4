/**
 * Builders for alert-storm scenarios: stored alert rows, their past episodes and earlier
 * snapshots, fed to the built-in analysis exactly as the analyze job feeds it from the store.
 */
import { analyzeGroup, type GroupAnalysis } from '../../../src/analysis/builtin.js';
import type { Snapshot } from '../../../src/analysis/changes.js';
import { loadKnowledgeBase } from '../../../src/analysis/knowledge-base.js';
import { labelsFingerprint } from '../../../src/model/fingerprint.js';
import type { AlertRow, OccurrenceRow } from '../../../src/store/tables.js';

export const NOW = Date.UTC(2024, 5, 1, 12);
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export const kb = loadKnowledgeBase({ builtin: true, files: [] });

export interface AlertSpec {
  labels: Record<string, string>;
  startedMinAgo: number;
  annotations?: Record<string, string>;
  status?: 'firing' | 'resolved';
  /** Earlier episodes as [started, ended] minutes ago. */
  history?: [number, number][];
  /** What the alert said at its previous analysed firing. */
  before?: Partial<Snapshot>;
}

export interface Built {
  row: AlertRow;
  occurrences: OccurrenceRow[];
  before?: Snapshot;
}

let ids = 1;

export function alert(name: string, labels: Record<string, string>, startedMinAgo: number, more: Omit<AlertSpec, 'labels' | 'startedMinAgo'> = {}): Built {
  const all: Record<string, string> = { alertname: name, ...labels };
  const fp = labelsFingerprint(all);
  const startsAt = NOW - startedMinAgo * MIN;
  const history = more.history ?? [];
  const occurrences: OccurrenceRow[] = [
    { id: ids++, fingerprint: fp, starts_at: startsAt, ends_at: null, status: more.status ?? 'firing', first_received: startsAt, last_received: NOW, received_count: 1 },
    ...history.map(([s, e]) => ({ id: ids++, fingerprint: fp, starts_at: NOW - s * MIN, ends_at: NOW - e * MIN, status: 'resolved', first_received: NOW - s * MIN, last_received: NOW - e * MIN, received_count: 1 })),
  ].sort((a, b) => b.starts_at - a.starts_at);
  const firstSeen = Math.min(...occurrences.map((o) => o.starts_at));
  const annotations = more.annotations ?? {};
  const row: AlertRow = {
    fingerprint: fp,
    alertname: name,
    namespace: all.namespace ?? null,
    instance: all.instance ?? null,
    job: all.job ?? null,
    status: more.status ?? 'firing',
    labels: JSON.stringify(all),
    annotations: JSON.stringify(annotations),
    extra: '{}',
    generator_url: '',
    starts_at: startsAt,
    ends_at: null,
    source: 'webhook',
    first_seen: firstSeen,
    last_seen: NOW,
    last_change: startsAt,
    received_count: occurrences.length,
    occurrence_count: occurrences.length,
  };
  const before = more.before ? { labels: all, annotations: {}, value: null, ...more.before } : undefined;
  return { row, occurrences, before };
}

/** Analyses `group` as one notification while `alsoFiring` fire elsewhere. */
export function analyse(group: readonly Built[], alsoFiring: readonly Built[] = []): GroupAnalysis {
  const all = [...group, ...alsoFiring];
  return analyzeGroup(
    {
      members: group.map((b) => ({ row: b.row, startsAt: b.row.starts_at })),
      occurrences: new Map(all.map((b) => [b.row.fingerprint, b.occurrences])),
      firing: all.filter((b) => b.row.status === 'firing').map((b) => b.row),
      previous: new Map(group.filter((b) => b.before).map((b) => [b.row.fingerprint, b.before as Snapshot])),
      now: NOW,
    },
    kb,
  );
}

export function kinds(analysis: GroupAnalysis, index = 0): string[] {
  return (analysis.alerts[index]?.findings ?? []).map((f) => f.kind);
}

export function finding<K extends string>(analysis: GroupAnalysis, kind: K, index = 0) {
  const f = analysis.alerts[index]?.findings.find((x) => x.kind === kind);
  if (!f) throw new Error(`no ${kind} finding for alert ${index}; have ${kinds(analysis, index).join(', ')}`);
  return f as Extract<GroupAnalysis['alerts'][number]['findings'][number], { kind: K }>;
}
