// Template sets: parsing with the function sets loaded, Go's rules for combining
// definitions from several texts, and the parse cache keyed by template text.
import { isEmptyTree } from './ast.js';
import { DEFAULT_LIMITS, execute } from './exec.js';
import type { FuncTable, Limits, TemplateSetLike } from './exec.js';
import { alertmanagerFuncs } from './funcs/alertmanager.js';
import { builtinFuncs } from './funcs/builtins.js';
import { grafanaFuncs } from './funcs/grafana.js';
import { parseInto } from './parser.js';
import type { Tree } from './parser.js';
import { TemplateError } from './errors.js';
import { quoteGo } from './quote.js';
import type { GoFunc } from './values.js';

/**
 * Alertmanager's functions take precedence over Grafana's (Alertmanager registers
 * its defaults last); both take precedence over text/template's builtins.
 */
const userFuncs: ReadonlyMap<string, GoFunc> = new Map([...grafanaFuncs, ...alertmanagerFuncs]);

export const FUNCS: FuncTable = {
  lookup(name) {
    const fn = userFuncs.get(name);
    if (fn) return { fn, builtin: false };
    const b = builtinFuncs.get(name);
    return b ? { fn: b, builtin: true } : undefined;
  },
};

function hasFunction(name: string): boolean {
  return userFuncs.has(name) || builtinFuncs.has(name);
}

// --- parse cache ---

const CACHE_LIMIT = 1000;
// Keyed by name, then text: no key strings are built, so a hit costs two hash lookups
// of strings whose hashes V8 has already computed.
const parseCache = new Map<string, Map<string, ReadonlyMap<string, Tree>>>();
let parseCacheSize = 0;

/** Parses `text` under `name`, returning every definition it holds. Cached by (name, text). */
export function parseTrees(name: string, text: string): ReadonlyMap<string, Tree> {
  let byText = parseCache.get(name);
  const hit = byText?.get(text);
  if (hit) return hit;
  const trees = new Map<string, Tree>();
  parseInto(name, text, hasFunction, trees);
  if (parseCacheSize >= CACHE_LIMIT) {
    parseCache.clear();
    parseCacheSize = 0;
    byText = undefined;
  }
  if (!byText) {
    byText = new Map();
    parseCache.set(name, byText);
  }
  byText.set(text, trees);
  parseCacheSize++;
  return trees;
}

interface SetCacheNode {
  set?: TemplateSet;
  next: Map<string, Map<string, SetCacheNode>>;
}
const setCache: SetCacheNode = { next: new Map() };
let setCacheSize = 0;

/**
 * Adds parsed definitions to a set the way Go's Template.AddParseTree does: a later
 * text redefines a template, except that an empty definition never replaces one.
 */
function addTrees(into: Map<string, Tree>, trees: ReadonlyMap<string, Tree>): void {
  for (const [name, tree] of trees) {
    if (into.has(name) && isEmptyTree(tree.root)) continue;
    into.set(name, tree);
  }
}

export class TemplateSet implements TemplateSetLike {
  readonly funcs = FUNCS;

  constructor(
    private readonly trees: ReadonlyMap<string, Tree>,
    private readonly parent: TemplateSetLike | null = null,
  ) {}

  /**
   * A set holding the definitions of each text in order, later texts redefining
   * earlier ones. Sets are cached by their texts, so rendering the same template
   * again parses and assembles nothing.
   */
  static of(texts: readonly { name: string; text: string }[]): TemplateSet {
    let node = setCache;
    for (const t of texts) {
      let byText = node.next.get(t.name);
      if (!byText) {
        byText = new Map();
        node.next.set(t.name, byText);
      }
      let child = byText.get(t.text);
      if (!child) {
        child = { next: new Map() };
        byText.set(t.text, child);
      }
      node = child;
    }
    if (node.set) return node.set;
    const trees = new Map<string, Tree>();
    for (const t of texts) addTrees(trees, parseTrees(t.name, t.text));
    const set = new TemplateSet(trees);
    if (++setCacheSize > CACHE_LIMIT) {
      setCache.next.clear();
      setCacheSize = 1;
      return set;
    }
    node.set = set;
    return set;
  }

  lookup(name: string): Tree | undefined {
    return this.trees.get(name) ?? this.parent?.lookup(name);
  }

  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  /** Definitions parsed from `text` layered over this set, without changing it (tmpl.Inline). */
  overlay(name: string, text: string): TemplateSetLike {
    const trees = new Map<string, Tree>();
    addTrees(trees, parseTrees(name, text));
    return new TemplateSet(trees, this);
  }

  /** Executes the template called `name` (Go's ExecuteTemplate). */
  execute(name: string, data: unknown, now: Date | undefined, limits: Partial<Limits> = {}, setName = name): string {
    const tree = this.lookup(name);
    if (!tree) {
      throw new TemplateError('exec', `template: no template ${quoteGo(name)} associated with template ${quoteGo(setName)}`, name, 0, 0);
    }
    return execute(this, tree, data, now, { ...DEFAULT_LIMITS, ...limits });
  }
}
