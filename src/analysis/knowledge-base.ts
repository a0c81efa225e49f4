import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { RE2JS } from 're2js';
import { parse } from 'yaml';

/**
 * The knowledge base: what an alert usually means, what to check first, and the exact commands
 * and queries with the alert's labels filled in. It is data (YAML), shipped in `knowledge/` at
 * the package root and extended by the user's files, never code.
 */
const Command = Type.Object({ title: Type.String(), run: Type.String() }, { additionalProperties: false });
const Query = Type.Object({ title: Type.String(), promql: Type.String() }, { additionalProperties: false });

export const KnowledgeEntry = Type.Object(
  {
    alertnames: Type.Array(Type.String(), { default: [] }),
    patterns: Type.Array(Type.String(), { default: [], description: 'RE2 patterns over the alertname' }),
    source: Type.String({ default: 'custom' }),
    layer: Type.Union([Type.Literal('application'), Type.Literal('infrastructure')]),
    summary: Type.String(),
    causes: Type.Array(Type.String(), { default: [] }),
    checks: Type.Array(Type.String(), { default: [] }),
    commands: Type.Array(Command, { default: [] }),
    queries: Type.Array(Query, { default: [] }),
  },
  { additionalProperties: false },
);
export type KnowledgeEntry = Static<typeof KnowledgeEntry>;

const KnowledgeFile = Type.Object({ entries: Type.Array(KnowledgeEntry) }, { additionalProperties: false });

/** The shipped file, found from this module's place both in src/ (tsx) and in dist/ (tsc). */
export const BUILTIN_KNOWLEDGE = fileURLToPath(new URL('../../knowledge/alerts.yaml', import.meta.url));

/** What the report shows from the matching entry, its placeholders filled from the alert's labels. */
export interface KnowledgeView {
  matchedBy: 'alertname' | 'pattern';
  source: string;
  layer: 'application' | 'infrastructure';
  summary: string;
  causes: string[];
  checks: string[];
  commands: { title: string; run: string; complete: boolean }[];
  queries: { title: string; promql: string; complete: boolean }[];
}

interface CompiledEntry {
  entry: KnowledgeEntry;
  patterns: RE2JS[];
}

export class KnowledgeBase {
  private readonly byName = new Map<string, KnowledgeEntry>();
  private readonly withPatterns: CompiledEntry[] = [];

  /** Earlier entries win: user files are given before the shipped one. */
  constructor(entries: readonly KnowledgeEntry[]) {
    for (const entry of entries) {
      for (const name of entry.alertnames) if (!this.byName.has(name)) this.byName.set(name, entry);
      if (entry.patterns.length > 0) this.withPatterns.push({ entry, patterns: entry.patterns.map((p) => RE2JS.compile(p)) });
    }
  }

  get size(): number {
    return new Set([...this.byName.values(), ...this.withPatterns.map((c) => c.entry)]).size;
  }

  /** The entry for an alertname: an exact name first, then the first pattern that matches. */
  lookup(alertname: string): { entry: KnowledgeEntry; matchedBy: 'alertname' | 'pattern' } | null {
    const exact = this.byName.get(alertname);
    if (exact) return { entry: exact, matchedBy: 'alertname' };
    const hit = this.withPatterns.find((c) => c.patterns.some((p) => p.matcher(alertname).find()));
    return hit ? { entry: hit.entry, matchedBy: 'pattern' } : null;
  }

  view(labels: Record<string, string>): KnowledgeView | null {
    const found = this.lookup(labels.alertname ?? '');
    if (!found) return null;
    const { entry } = found;
    return {
      matchedBy: found.matchedBy,
      source: entry.source,
      layer: entry.layer,
      summary: fill(entry.summary, labels, plain).text,
      causes: entry.causes.map((c) => fill(c, labels, plain).text),
      checks: entry.checks.map((c) => fill(c, labels, plain).text),
      commands: entry.commands.map((c) => {
        const filled = fill(c.run, labels, shellQuote);
        return { title: c.title, run: filled.text, complete: filled.complete };
      }),
      queries: entry.queries.map((q) => {
        const filled = fill(q.promql, labels, promqlString);
        return { title: q.title, promql: filled.text, complete: filled.complete };
      }),
    };
  }
}

/** Reads and validates knowledge files; an error names the file and the entry. */
export function loadKnowledgeBase(options: { builtin: boolean; files: readonly string[] }): KnowledgeBase {
  const paths = [...options.files, ...(options.builtin ? [BUILTIN_KNOWLEDGE] : [])];
  return new KnowledgeBase(paths.flatMap(readKnowledgeFile));
}

export function readKnowledgeFile(path: string): KnowledgeEntry[] {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`knowledge base ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const value = Value.Default(KnowledgeFile, raw);
  const problem = Value.Errors(KnowledgeFile, value).First();
  if (problem) throw new Error(`knowledge base ${path}: ${problem.path || '(root)'}: ${problem.message}`);
  const file = value as Static<typeof KnowledgeFile>;
  for (const [i, entry] of file.entries.entries()) {
    if (entry.alertnames.length === 0 && entry.patterns.length === 0) throw new Error(`knowledge base ${path}: /entries/${i}: needs alertnames or patterns`);
    for (const p of entry.patterns) {
      try {
        RE2JS.compile(p);
      } catch (error) {
        throw new Error(`knowledge base ${path}: /entries/${i}: pattern ${JSON.stringify(p)}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return file.entries;
}

type Quote = (value: string) => string;

/**
 * Replaces `{{label}}` with the alert's label, quoted for where it lands; `{{host}}` is the
 * instance without its port. A missing label stays visible as `<label>`.
 */
export function fill(template: string, labels: Record<string, string>, quote: Quote): { text: string; complete: boolean } {
  let complete = true;
  const text = template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => {
    const value = name === 'host' ? hostOf(labels.instance) : labels[name];
    if (value === undefined || value === '') {
      complete = false;
      return `<${name}>`;
    }
    return quote(value);
  });
  return { text, complete };
}

function hostOf(instance: string | undefined): string | undefined {
  if (!instance) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(instance);
  if (bracketed) return bracketed[1];
  return instance.replace(/:\d+$/, '');
}

const plain: Quote = (v) => v;

/** A label value a shell reads as one word, whatever it holds: commands are pasted into terminals. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9._:/@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A label value inside a PromQL double-quoted string. */
export function promqlString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
