import { readFileSync, existsSync } from 'node:fs';
import { Value, type ValueError } from '@sinclair/typebox/value';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { cidrList, cidrProblem } from '../notify/url-policy.js';
import { ConfigSchema, type Config } from './schema.js';
import { readTemplateFiles, resolveTemplateGlobs } from './template-files.js';
import type { NamedText } from '../template/index.js';

/** A configuration problem, located as precisely as the source allows. */
export interface ConfigIssue {
  source: string;
  line?: number;
  column?: number;
  field: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? issue.source : `${issue.source}:${issue.line}:${issue.column ?? 1}`;
  return `${where}: ${issue.field || '(root)'}: ${issue.message}`;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Environment variables that override the file, each mapped to its path in the schema. */
const ENV_OVERRIDES: ReadonlyArray<readonly [string, readonly string[], 'string' | 'integer' | 'cidrs']> = [
  ['ALERTWIRE_PORT', ['server', 'port'], 'integer'],
  ['ALERTWIRE_HOST', ['server', 'host'], 'string'],
  ['ALERTWIRE_EXTERNAL_URL', ['server', 'external_url'], 'string'],
  ['ALERTWIRE_LOG_LEVEL', ['server', 'log_level'], 'string'],
  ['ALERTWIRE_DATA_DIR', ['data_dir'], 'string'],
  ['ALERTWIRE_WEBHOOK_TOKEN', ['auth', 'webhook_token'], 'string'],
  ['ALERTWIRE_ADMIN_TOKEN', ['auth', 'admin_token'], 'string'],
  ['ALERTWIRE_RATE_LIMIT_PER_IP', ['rate_limit', 'per_ip'], 'integer'],
  ['ALERTWIRE_RATE_LIMIT_GLOBAL', ['rate_limit', 'global'], 'integer'],
  ['ALERTWIRE_RATE_LIMIT_STORE', ['rate_limit', 'store'], 'string'],
  ['ALERTWIRE_SQLITE_SYNCHRONOUS', ['database', 'sqlite_synchronous'], 'string'],
  ['ALERTWIRE_SQLITE_CACHE_MIB', ['database', 'sqlite_cache_mib'], 'integer'],
  ['ALERTWIRE_SQLITE_WAL_AUTOCHECKPOINT', ['database', 'sqlite_wal_autocheckpoint'], 'integer'],
  ['DATABASE_URL', ['database', 'url'], 'string'],
  ['REDIS_URL', ['rate_limit', 'redis_url'], 'string'],
  // Comma-separated; a variable that is set replaces the file's whole list.
  ['ALERTWIRE_OUTBOUND_ALLOW', ['outbound', 'allow'], 'cidrs'],
  ['ALERTWIRE_OUTBOUND_DENY', ['outbound', 'deny'], 'cidrs'],
];

export const DEFAULT_CONFIG_FILE = 'alertwire.yaml';

/** Which file to read: --config, then ALERTWIRE_CONFIG, then ./alertwire.yaml when present. */
export function resolveConfigPath(explicit: string | undefined, env: Env): string | undefined {
  if (explicit) return explicit;
  if (env.ALERTWIRE_CONFIG) return env.ALERTWIRE_CONFIG;
  return existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined;
}

/** Settings given on the command line (`serve --port 9000`); they override the environment and the file. */
export interface CommandLineSettings {
  port?: string;
  host?: string;
  dataDir?: string;
}

const FLAG_OVERRIDES: ReadonlyArray<readonly [keyof CommandLineSettings, string, readonly string[], 'string' | 'integer']> = [
  ['port', '--port', ['server', 'port'], 'integer'],
  ['host', '--host', ['server', 'host'], 'string'],
  ['dataDir', '--data-dir', ['data_dir'], 'string'],
];

/** One value that replaces the file's: where it comes from, where it goes, and its text. */
interface Override {
  source: string;
  path: readonly string[];
  kind: 'string' | 'integer' | 'cidrs';
  text: string;
}

/** Environment variables, then command-line flags, that are set: a later one wins. */
function overridesFrom(env: Env, flags: CommandLineSettings): Override[] {
  const out: Override[] = [];
  for (const [name, path, kind] of ENV_OVERRIDES) {
    const text = env[name];
    if (text !== undefined && text !== '') out.push({ source: `env ${name}`, path, kind, text });
  }
  for (const [key, flag, path, kind] of FLAG_OVERRIDES) {
    const text = flags[key];
    if (text !== undefined) out.push({ source: flag, path, kind, text });
  }
  return out;
}

export function loadConfig(path: string | undefined, env: Env = process.env, flags: CommandLineSettings = {}): Config {
  const { raw, locate } = path ? readYaml(path) : { raw: {}, locate: () => ({}) };
  const issues: ConfigIssue[] = [];
  const overrides = overridesFrom(env, flags);
  applyOverrides(raw, overrides, issues);
  defaultRateLimitStore(raw);
  const withDefaults = Value.Default(ConfigSchema, Value.Clone(raw));
  for (const error of Value.Errors(ConfigSchema, withDefaults)) {
    const segments = error.path.split('/').filter(Boolean);
    const fromEnv = overrideFor(segments, overrides);
    issues.push({
      source: fromEnv ?? path ?? '(defaults)',
      ...(fromEnv ? {} : locate(segments)),
      field: fieldName(segments),
      message: schemaMessage(error),
    });
  }
  issues.push(...outboundIssues(withDefaults, path, overrides, locate), ...rateLimitIssues(withDefaults, path, overrides, locate));
  if (issues.length > 0) throw new ConfigError(dedupeIssues(issues));
  const config = withDefaults as Config;
  config.templates = resolveTemplateGlobs(config.templates, path);
  // Serve reads the files again when it starts; checking them here makes check-config say what serve would.
  loadTemplateFiles(config.templates);
  return config;
}

/** The template files `templates:` names, parsed; throws ConfigError naming each file that cannot be read or parsed. */
export function loadTemplateFiles(globs: readonly string[]): NamedText[] {
  const { files, issues } = readTemplateFiles(globs);
  if (issues.length > 0) throw new ConfigError(issues);
  return files;
}

type Locate = (segments: string[]) => { line?: number; column?: number };

/**
 * A Redis URL means shared limits: with it and no store named, the store is Redis. Without
 * this a user who set REDIS_URL on every replica would get per-replica limits, N× the setting.
 */
function defaultRateLimitStore(raw: Record<string, unknown>): void {
  const section = raw.rate_limit;
  if (typeof section !== 'object' || section === null || Array.isArray(section)) return;
  const limits = section as Record<string, unknown>;
  if (limits.store === undefined && typeof limits.redis_url === 'string' && limits.redis_url !== '') limits.store = 'redis';
}

/** A Redis store needs a URL: say which setting gives it rather than fall back to memory. */
function rateLimitIssues(config: unknown, path: string | undefined, overrides: readonly Override[], locate: Locate): ConfigIssue[] {
  const limits = (config as { rate_limit?: { store?: unknown; redis_url?: unknown } }).rate_limit;
  if (limits?.store !== 'redis' || (typeof limits.redis_url === 'string' && limits.redis_url !== '')) return [];
  const segments = ['rate_limit', 'store'];
  const fromEnv = overrideFor(segments, overrides);
  return [
    {
      source: fromEnv ?? path ?? '(defaults)',
      ...(fromEnv ? {} : locate(segments)),
      field: 'rate_limit.store',
      message: 'is redis but no Redis URL is set: set REDIS_URL (or rate_limit.redis_url), or choose memory or postgres',
    },
  ];
}

/** "outbound.deny[1]": list entries are named as the contact point errors name them. */
function fieldName(segments: readonly string[]): string {
  return segments.reduce((name, s) => (/^\d+$/.test(s) ? `${name}[${s}]` : name ? `${name}.${s}` : s), '');
}

/** Every entry of outbound.allow and outbound.deny must be an address or CIDR; the schema only knows they are strings. */
function outboundIssues(config: unknown, path: string | undefined, overrides: readonly Override[], locate: Locate): ConfigIssue[] {
  const outbound = (config as { outbound?: Record<string, unknown> }).outbound;
  const issues: ConfigIssue[] = [];
  for (const list of ['allow', 'deny'] as const) {
    const entries = outbound?.[list];
    if (!Array.isArray(entries)) continue;
    const fromEnv = overrideFor(['outbound', list], overrides);
    entries.forEach((entry: unknown, i) => {
      const problem = typeof entry === 'string' ? cidrProblem(entry) : null;
      if (!problem) return;
      const segments = ['outbound', list, String(i)];
      issues.push({ source: fromEnv ?? path ?? '(defaults)', ...(fromEnv ? {} : locate(segments)), field: fieldName(segments), message: problem });
    });
  }
  return issues;
}

function readYaml(path: string): { raw: Record<string, unknown>; locate: Locate } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([{ source: path, field: '', message: `cannot read: ${(err as Error).message}` }]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { source: path, line: pos.line, column: pos.col, field: '', message: e.message.split('\n')[0] ?? e.message };
      }),
    );
  }
  const value: unknown = doc.toJS() ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError([{ source: path, line: 1, column: 1, field: '', message: 'expected a mapping at the top level' }]);
  }
  const locate = (segments: string[]) => {
    for (let n = segments.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(segments.slice(0, n), true);
      if (isNode(node) && node.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return {};
  };
  return { raw: value as Record<string, unknown>, locate };
}

function applyOverrides(raw: Record<string, unknown>, overrides: readonly Override[], issues: ConfigIssue[]): void {
  for (const { source, path, kind, text } of overrides) {
    let value: string | number | string[] = text;
    if (kind === 'integer') {
      if (!/^\d+$/.test(text.trim())) {
        issues.push({ source, field: path.join('.'), message: `expected an integer, got "${text}"` });
        continue;
      }
      value = Number(text.trim());
    }
    if (kind === 'cidrs') value = cidrList(text);
    setPath(raw, path, value);
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/** Where the value at `segments` came from, when an override set it. */
function overrideFor(segments: string[], overrides: readonly Override[]): string | undefined {
  const key = segments.join('.');
  return overrides.findLast((o) => o.path.join('.') === key)?.source;
}

/** TypeBox says "Expected union value" for a wrong enum value; name the values allowed instead. */
function schemaMessage(error: ValueError): string {
  const members = (error.schema as { anyOf?: unknown[] }).anyOf;
  const allowed = members?.map((m) => (m as { const?: unknown }).const);
  if (!allowed?.length || allowed.some((v) => v === undefined)) return error.message;
  return `expected one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(error.value)}`;
}

/** TypeBox reports a failing union once per member; one line per field is enough. */
function dedupeIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.source}|${i.field}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
