import { RELATING_KEYS, relatingValues, WEAK_KEYS, type RelatingKey } from './target.js';

/**
 * What else fires now, for each alert of a group: the same alertname on other targets
 * (widespread: a shared cause is likely) and other alerts on the same target (correlated),
 * ranked by how many target labels they share, how many other labels agree, and how close in
 * time they started. Candidates are indexed by label value once per group, so a 100-alert
 * group against thousands of firing alerts stays a few map lookups per alert.
 */
export interface Candidate {
  fingerprint: string;
  alertname: string;
  labels: Record<string, string>;
  startsAt: number;
  values: Map<RelatingKey, string>;
  /** Label pairs that count towards overlap, computed once: scoring runs for every pair of alerts. */
  pairs: [string, string][];
}

/** A related alert as the report lists it. */
export interface RelatedAlert {
  fingerprint: string;
  alertname: string;
  startsAt: number;
  /** Target keys with the same value on both (derived `host` and `workload` included). */
  shared: string[];
  score: number;
}

export interface Widespread {
  alertname: string;
  /** Targets the alertname fires on now, this one included. */
  targets: number;
  /** Labels every one of them has with the same value (alertname and severity left out). */
  sharedLabels: Record<string, string>;
  others: RelatedAlert[];
}

export const MAX_LISTED = 20;
const IGNORED_FOR_OVERLAP: ReadonlySet<string> = new Set(['alertname', 'severity', 'prometheus', 'receive_resolved']);

export function candidateOf(row: { fingerprint: string; alertname: string; starts_at: number }, labels: Record<string, string>): Candidate {
  const pairs = Object.entries(labels).filter(([k]) => !IGNORED_FOR_OVERLAP.has(k));
  return { fingerprint: row.fingerprint, alertname: row.alertname, labels, startsAt: row.starts_at, values: relatingValues(labels), pairs };
}

export class RelationIndex {
  private readonly byValue = new Map<string, Candidate[]>();
  private readonly byName = new Map<string, Candidate[]>();
  private readonly commonByName = new Map<string, Record<string, string>>();
  private readonly byFingerprint = new Map<string, Candidate>();
  private readonly sortedNames = new Map<string, Candidate[]>();

  constructor(candidates: Iterable<Candidate>) {
    for (const c of candidates) this.add(c);
  }

  /** Adds an alert not indexed yet; what was derived for its alertname is derived again. */
  add(c: Candidate): void {
    if (this.byFingerprint.has(c.fingerprint)) return;
    this.byFingerprint.set(c.fingerprint, c);
    push(this.byName, c.alertname, c);
    for (const [k, v] of c.values) push(this.byValue, `${k}\u0000${v}`, c);
    this.sortedNames.delete(c.alertname);
    this.commonByName.delete(c.alertname);
  }

  get(fingerprint: string): Candidate | undefined {
    return this.byFingerprint.get(fingerprint);
  }

  /** Other alertnames firing on the same target, best first. */
  correlated(alert: Candidate, options: { strongOnly?: boolean; limit?: number } = {}): RelatedAlert[] {
    // Keys as bits of a number: a storm has hundreds of candidates per alert, and arrays per
    // candidate were most of the cost.
    const shared = new Map<Candidate, number>();
    for (const [k, v] of alert.values) {
      if (options.strongOnly && WEAK_KEYS.has(k)) continue;
      const bit = KEY_BITS.get(k) as number;
      for (const c of this.byValue.get(`${k}\u0000${v}`) ?? []) {
        if (c.fingerprint === alert.fingerprint || c.alertname === alert.alertname) continue;
        shared.set(c, (shared.get(c) ?? 0) | bit);
      }
    }
    return best(alert, [...shared], options.limit ?? MAX_LISTED);
  }

  /** How many alerts of the same name share a strong target key with this one (a node's pods). */
  sameNameSharing(alert: Candidate): { count: number; keys: string[] } {
    const sharing = new Set<string>();
    const keys = new Set<string>();
    for (const [k, v] of alert.values) {
      if (WEAK_KEYS.has(k)) continue;
      for (const c of this.byValue.get(`${k}\u0000${v}`) ?? []) {
        if (c.fingerprint === alert.fingerprint || c.alertname !== alert.alertname) continue;
        sharing.add(c.fingerprint);
        keys.add(k);
      }
    }
    return { count: sharing.size, keys: [...keys] };
  }

  /**
   * The same alertname on other targets: those sharing a strong target key with this one, and
   * the ones closest in time. A storm of a thousand is ranked from about a hundred, not all.
   */
  widespread(alert: Candidate): Widespread {
    const sorted = this.sortedByName(alert.alertname);
    const bits = new Map<Candidate, number>();
    for (const [k, v] of alert.values) {
      if (WEAK_KEYS.has(k)) continue;
      const bit = KEY_BITS.get(k) as number;
      for (const c of this.byValue.get(`${k}\u0000${v}`) ?? []) {
        if (c.alertname === alert.alertname && c.fingerprint !== alert.fingerprint) bits.set(c, (bits.get(c) ?? 0) | bit);
      }
    }
    const at = lowerBound(sorted, alert.startsAt);
    for (const c of sorted.slice(Math.max(0, at - NEAREST), at + NEAREST)) if (c.fingerprint !== alert.fingerprint && !bits.has(c)) bits.set(c, 0);
    const self = sorted.some((c) => c.fingerprint === alert.fingerprint) ? 1 : 0;
    return {
      alertname: alert.alertname,
      targets: sorted.length - self + 1,
      sharedLabels: this.commonLabels(alert.alertname, alert),
      others: best(alert, [...bits], MAX_LISTED),
    };
  }

  private sortedByName(alertname: string): Candidate[] {
    let sorted = this.sortedNames.get(alertname);
    if (!sorted) {
      sorted = [...(this.byName.get(alertname) ?? [])].sort((a, b) => a.startsAt - b.startsAt);
      this.sortedNames.set(alertname, sorted);
    }
    return sorted;
  }

  private commonLabels(alertname: string, alert: Candidate): Record<string, string> {
    const cached = this.commonByName.get(alertname);
    if (cached) return cached;
    const all = [alert, ...(this.byName.get(alertname) ?? []).filter((c) => c.fingerprint !== alert.fingerprint)];
    const common: Record<string, string> = {};
    for (const [k, v] of Object.entries(alert.labels)) {
      if (IGNORED_FOR_OVERLAP.has(k)) continue;
      if (all.every((c) => c.labels[k] === v)) common[k] = v;
    }
    this.commonByName.set(alertname, common);
    return common;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const KEY_BITS = new Map<string, number>(RELATING_KEYS.map((k, i) => [k, 1 << i]));
const WEAK_BITS = RELATING_KEYS.reduce((bits, k, i) => (WEAK_KEYS.has(k) ? bits | (1 << i) : bits), 0);

const NEAREST = 40;

/** The first index whose start is at or after `t`. */
function lowerBound(sorted: readonly Candidate[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as Candidate).startsAt < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function keysOf(bits: number): string[] {
  return RELATING_KEYS.filter((_, i) => bits & (1 << i));
}

function popcount(n: number): number {
  let count = 0;
  for (let x = n; x; x &= x - 1) count++;
  return count;
}

/**
 * The `limit` best of many: a cheap pre-score (shared keys, time) picks three times as many,
 * which are then scored fully (label overlap) and ranked.
 */
function best(alert: Candidate, scored: [Candidate, number][], limit: number): RelatedAlert[] {
  const pre = (c: Candidate, bits: number) => popcount(bits & ~WEAK_BITS) * 10 + popcount(bits & WEAK_BITS) * 3 + timeScore(alert, c);
  const shortlist = scored.length > limit * 3 ? scored.map(([c, bits]) => ({ c, bits, p: pre(c, bits) })).sort((a, b) => b.p - a.p).slice(0, limit * 3) : scored.map(([c, bits]) => ({ c, bits }));
  const ranked = shortlist.map(({ c, bits }) => {
    const shared = keysOf(bits);
    return { fingerprint: c.fingerprint, alertname: c.alertname, startsAt: c.startsAt, shared, score: score(alert, c, shared) };
  });
  return rank(ranked).slice(0, limit);
}

function timeScore(a: Candidate, b: Candidate): number {
  return 5 / (1 + Math.abs(a.startsAt - b.startsAt) / 300_000);
}

/** Shared target keys weigh most, then agreeing labels, then closeness in time (5-minute scale). */
export function score(a: Candidate, b: Candidate, shared: readonly string[]): number {
  const strong = shared.filter((k) => !WEAK_KEYS.has(k)).length;
  const weak = shared.length - strong;
  let overlap = 0;
  for (const [k, v] of a.pairs) if (b.labels[k] === v) overlap++;
  return Math.round((strong * 10 + weak * 3 + overlap + timeScore(a, b)) * 100) / 100;
}

function rank(list: RelatedAlert[]): RelatedAlert[] {
  return list.sort((a, b) => b.score - a.score || b.startsAt - a.startsAt || a.fingerprint.localeCompare(b.fingerprint));
}
