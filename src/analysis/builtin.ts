import type { FiringRow } from '../store/reports.js';
import type { AlertRow, OccurrenceRow } from '../store/tables.js';
import { changesSince, reportedValue, type Change, type Snapshot } from './changes.js';
import { historyFacts, type HistoryFacts } from './history.js';
import type { KnowledgeBase, KnowledgeView } from './knowledge-base.js';
import { candidateOf, RelationIndex, type Candidate, type RelatedAlert, type Widespread } from './relations.js';
import { targetOf, WEAK_KEYS } from './target.js';

/**
 * The built-in analysis of one alert group: no network, only the store's history and the
 * knowledge base. Pure: the caller loads the rows and passes the clock.
 */
export interface GroupInput {
  /** The group's alerts as stored, with the episode (startsAt) each is analysed for. */
  members: readonly { row: AlertRow; startsAt: number }[];
  /** Recent occurrences per fingerprint, newest first. */
  occurrences: ReadonlyMap<string, readonly OccurrenceRow[]>;
  /** Firing alerts that may relate to the members (members may be among them). */
  firing: readonly FiringRow[];
  /** What each member said at its previous firing, when that episode was analysed. */
  previous: ReadonlyMap<string, Snapshot>;
  now: number;
}

export type Finding =
  | { kind: 'first-firing'; text: string }
  | { kind: 'recurring'; text: string; occurrences: number; meanTimeBetweenFiringsMs: number | null }
  | { kind: 'flapping'; text: string; stateChanges: number }
  | { kind: 'long-running'; text: string; firingForMs: number }
  | { kind: 'changed'; text: string; changes: Change[] }
  | { kind: 'widespread'; text: string; alertname: string; targets: number; sharedLabels: Record<string, string> }
  | { kind: 'correlated'; text: string; count: number; alertnames: string[] }
  | { kind: 'probable-origin'; text: string; fingerprint: string; alertname: string; explains: number; self: boolean };

export interface AlertFindings {
  fingerprint: string;
  target: { key: string; value: string }[];
  snapshot: Snapshot;
  facts: HistoryFacts;
  changes: Change[] | null;
  widespread: Widespread;
  correlated: RelatedAlert[];
  knowledge: KnowledgeView | null;
  findings: Finding[];
}

export interface GroupSummary {
  alertCount: number;
  alertnames: { alertname: string; count: number }[];
  commonLabels: Record<string, string>;
  origin: Origin | null;
  /** Related alerts outside the group that the analysis saw firing. */
  relatedOutside: number;
}

export interface Origin {
  fingerprint: string;
  alertname: string;
  startsAt: number;
  /** Other alerts (of other alertnames or targets) that share a target with it. */
  explains: number;
  shared: string[];
  layer: 'application' | 'infrastructure' | null;
}

export interface GroupAnalysis {
  summary: GroupSummary;
  alerts: AlertFindings[];
}

const DAY = 86_400_000;

/** The firing alerts indexed once, shared by every group analysed in one batch. */
export interface PreparedFiring {
  labelsOf: (row: FiringRow) => Record<string, string>;
  index: RelationIndex;
  byFingerprint: Map<string, FiringRow>;
}

export function prepareFiring(firing: readonly FiringRow[]): PreparedFiring {
  const labelsOf = memoLabels();
  return {
    labelsOf,
    index: new RelationIndex(firing.map((r) => candidateOf(r, labelsOf(r)))),
    byFingerprint: new Map(firing.map((r) => [r.fingerprint, r])),
  };
}

/**
 * `prepared` must hold `input.firing`; a batch passes the same one to all its groups. Members
 * join it: they are firing alerts too, and the next group of the batch should see them.
 */
export function analyzeGroup(input: GroupInput, kb: KnowledgeBase, prepared: PreparedFiring = prepareFiring(input.firing)): GroupAnalysis {
  const { labelsOf, index, byFingerprint: firingByFp } = prepared;
  const memberCandidates = input.members.map(({ row }) => candidateOf(row, labelsOf(row)));
  for (const c of memberCandidates) index.add(c);
  for (const { row } of input.members) firingByFp.set(row.fingerprint, row);
  const origin = findOrigin(memberCandidates, index, kb);
  const alerts = input.members.map(({ row }, i) =>
    alertFindings(row, memberCandidates[i] as Candidate, { input, index, kb, origin, firingByFp }),
  );
  return { summary: summarize(memberCandidates, origin, alerts), alerts };
}

interface Context {
  input: GroupInput;
  index: RelationIndex;
  kb: KnowledgeBase;
  origin: Origin | null;
  firingByFp: Map<string, FiringRow>;
}

function alertFindings(row: AlertRow, self: Candidate, ctx: Context): AlertFindings {
  const occurrences = ctx.input.occurrences.get(row.fingerprint) ?? [];
  const correlated = ctx.index.correlated(self);
  // The first analysis listed neighbours sharing instance, namespace or job; `facts.related` keeps that meaning.
  const neighbours = correlated
    .filter((r) => r.shared.some((k) => k === 'instance' || WEAK_KEYS.has(k)))
    .map((r) => ctx.firingByFp.get(r.fingerprint))
    .filter((r): r is FiringRow => r !== undefined);
  const facts = historyFacts(row, occurrences, neighbours, ctx.input.now);
  const snapshot: Snapshot = { labels: self.labels, annotations: parse(row.annotations), value: reportedValue(parse(row.annotations), parse(row.extra)) };
  const before = ctx.input.previous.get(row.fingerprint);
  const changes = before ? changesSince(before, snapshot) : null;
  const widespread = ctx.index.widespread(self);
  return {
    fingerprint: row.fingerprint,
    target: targetOf(self.labels),
    snapshot,
    facts,
    changes,
    widespread,
    correlated,
    knowledge: ctx.kb.view(self.labels),
    findings: findingsOf({ row, facts, changes, widespread, correlated, origin: ctx.origin }),
  };
}

function findingsOf(a: { row: AlertRow; facts: HistoryFacts; changes: Change[] | null; widespread: Widespread; correlated: RelatedAlert[]; origin: Origin | null }): Finding[] {
  const out: Finding[] = [];
  const { facts } = a;
  if (facts.occurrences <= 1) out.push({ kind: 'first-firing', text: `First time ${facts.alertname} fires for this target.` });
  else {
    const every = facts.meanTimeBetweenFiringsMs === null ? '' : `, on average every ${duration(facts.meanTimeBetweenFiringsMs)}`;
    out.push({ kind: 'recurring', text: `Fired ${facts.occurrences} times since ${new Date(facts.firstSeen).toISOString()}${every}.`, occurrences: facts.occurrences, meanTimeBetweenFiringsMs: facts.meanTimeBetweenFiringsMs });
  }
  if (facts.flapping) out.push({ kind: 'flapping', text: `Flapping: ${facts.stateChangesInWindow} state changes in the last hour. The threshold or its "for" duration may be too tight.`, stateChanges: facts.stateChangesInWindow });
  if (facts.status === 'firing' && facts.firingForMs >= DAY) out.push({ kind: 'long-running', text: `Firing for ${duration(facts.firingForMs)}: fix the cause or adjust the rule rather than live with it.`, firingForMs: facts.firingForMs });
  if (a.changes && a.changes.length > 0) out.push({ kind: 'changed', text: `Since the last firing: ${a.changes.map(describeChange).join('; ')}.`, changes: a.changes });
  if (a.widespread.targets >= 3) out.push(widespreadFinding(a.widespread));
  if (a.correlated.length > 0) {
    const names = [...new Set(a.correlated.map((r) => r.alertname))];
    out.push({ kind: 'correlated', text: `${a.correlated.length} other alert${a.correlated.length === 1 ? '' : 's'} fire${a.correlated.length === 1 ? 's' : ''} on the same target: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}.`, count: a.correlated.length, alertnames: names });
  }
  if (a.origin) out.push(originFinding(a.origin, a.row.fingerprint));
  return out;
}

function widespreadFinding(w: Widespread): Finding {
  const shared = Object.entries(w.sharedLabels).map(([k, v]) => `${k}="${v}"`);
  const where = shared.length ? `; all share ${shared.join(', ')}` : '';
  return { kind: 'widespread', text: `${w.alertname} fires on ${w.targets} targets now${where}: likely one shared cause rather than ${w.targets} separate problems.`, alertname: w.alertname, targets: w.targets, sharedLabels: w.sharedLabels };
}

function originFinding(o: Origin, fingerprint: string): Finding {
  const self = o.fingerprint === fingerprint;
  const subject = self ? 'This alert' : `${o.alertname} (${o.fingerprint})`;
  return {
    kind: 'probable-origin',
    text: `${subject} started first, at ${new Date(o.startsAt).toISOString()}, and shares ${o.shared.join(', ')} with ${o.explains} other firing alert${o.explains === 1 ? '' : 's'}: probably where this started${self ? '' : '; look there first'}.`,
    fingerprint: o.fingerprint,
    alertname: o.alertname,
    explains: o.explains,
    self,
  };
}

/**
 * The probable origin: among the group and what shares a strong target key with it, the alert
 * that started first (within a minute: infrastructure before application, then the one most
 * others share a target with), if at least two other alerts share a target with it.
 */
function findOrigin(members: readonly Candidate[], index: RelationIndex, kb: KnowledgeBase): Origin | null {
  const links = new Map<string, RelatedAlert[]>();
  const relatedOf = (c: Candidate) => {
    let found = links.get(c.fingerprint);
    if (!found) {
      found = index.correlated(c, { strongOnly: true, limit: 200 });
      links.set(c.fingerprint, found);
    }
    return found;
  };
  const pool = new Map<string, Candidate>(members.map((m) => [m.fingerprint, m]));
  for (const m of members) {
    for (const r of relatedOf(m)) {
      const c = index.get(r.fingerprint);
      if (c) pool.set(c.fingerprint, c);
    }
  }
  if (pool.size < 3) return null;
  const everyone = [...pool.values()];
  const earliest = Math.min(...everyone.map((c) => c.startsAt));
  const scored = everyone
    .filter((c) => c.startsAt - earliest <= 60_000)
    .map((c) => {
      const rel = relatedOf(c);
      const sameName = index.sameNameSharing(c);
      const shared = [...new Set([...rel.flatMap((r) => r.shared.filter((k) => !WEAK_KEYS.has(k))), ...sameName.keys])];
      return { c, explains: rel.length + sameName.count, layer: kb.lookup(c.alertname)?.entry.layer ?? null, shared };
    })
    .filter((s) => s.explains >= 2)
    .sort((a, b) => layerRank(a.layer) - layerRank(b.layer) || b.explains - a.explains || a.c.startsAt - b.c.startsAt || a.c.fingerprint.localeCompare(b.c.fingerprint));
  const best = scored[0];
  if (!best) return null;
  return { fingerprint: best.c.fingerprint, alertname: best.c.alertname, startsAt: best.c.startsAt, explains: best.explains, shared: best.shared, layer: best.layer };
}

function layerRank(layer: 'application' | 'infrastructure' | null): number {
  return layer === 'infrastructure' ? 0 : layer === 'application' ? 1 : 2;
}

function summarize(members: readonly Candidate[], origin: Origin | null, alerts: readonly AlertFindings[]): GroupSummary {
  const counts = new Map<string, number>();
  for (const m of members) counts.set(m.alertname, (counts.get(m.alertname) ?? 0) + 1);
  const first = members[0];
  const commonLabels: Record<string, string> = {};
  if (first) for (const [k, v] of Object.entries(first.labels)) if (members.every((m) => m.labels[k] === v)) commonLabels[k] = v;
  const inGroup = new Set(members.map((m) => m.fingerprint));
  const outside = new Set<string>();
  for (const a of alerts) for (const r of a.correlated) if (!inGroup.has(r.fingerprint)) outside.add(r.fingerprint);
  return {
    alertCount: members.length,
    alertnames: [...counts].map(([alertname, count]) => ({ alertname, count })).sort((a, b) => b.count - a.count || a.alertname.localeCompare(b.alertname)),
    commonLabels,
    origin,
    relatedOutside: outside.size,
  };
}

function describeChange(c: Change): string {
  const what = c.field === 'value' ? 'value' : `${c.field} ${c.key}`;
  if (c.before === null) return `${what} added (${JSON.stringify(c.after)})`;
  if (c.after === null) return `${what} removed (was ${JSON.stringify(c.before)})`;
  return `${what} ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`;
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return [d ? `${d}d` : '', h ? `${h}h` : '', m && !d ? `${m}m` : ''].filter(Boolean).join(' ');
}

/** Each row's labels parsed once, however many alerts it relates to. */
function memoLabels(): (row: FiringRow) => Record<string, string> {
  const cache = new Map<string, Record<string, string>>();
  return (row) => {
    const cached = cache.get(row.fingerprint);
    if (cached) return cached;
    const labels = parse(row.labels);
    cache.set(row.fingerprint, labels);
    return labels;
  };
}

function parse<T = Record<string, string>>(json: string): T {
  return JSON.parse(json) as T;
}
