import { readFileSync, existsSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
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

export function loadConfig(path: string | undefined, env: Env = process.env): Config {
  const { raw, locate } = path ? readYaml(path) : { raw: {}, locate: () => ({}) };
  const issues: ConfigIssue[] = [];
  applyEnv(raw, env, issues);
  defaultRateLimitStore(raw);
  const withDefaults = Value.Default(ConfigSchema, Value.Clone(raw));
  for (const error of Value.Errors(ConfigSchema, withDefaults)) {
    const segments = error.path.split('/').filter(Boolean);
    const fromEnv = envFor(segments, env);
    issues.push({
      source: fromEnv ?? path ?? '(defaults)',
      ...(fromEnv ? {} : locate(segments)),
      field: fieldName(segments),
      message: error.message,
    });
  }
  issues.push(...outboundIssues(withDefaults, path, env, locate), ...rateLimitIssues(withDefaults, path, env, locate));
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
function rateLimitIssues(config: unknown, path: string | undefined, env: Env, locate: Locate): ConfigIssue[] {
  const limits = (config as { rate_limit?: { store?: unknown; redis_url?: unknown } }).rate_limit;
  if (limits?.store !== 'redis' || (typeof limits.redis_url === 'string' && limits.redis_url !== '')) return [];
  const segments = ['rate_limit', 'store'];
  const fromEnv = envFor(segments, env);
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
function outboundIssues(config: unknown, path: string | undefined, env: Env, locate: Locate): ConfigIssue[] {
  const outbound = (config as { outbound?: Record<string, unknown> }).outbound;
  const issues: ConfigIssue[] = [];
  for (const list of ['allow', 'deny'] as const) {
    const entries = outbound?.[list];
    if (!Array.isArray(entries)) continue;
    const fromEnv = envFor(['outbound', list], env);
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

function applyEnv(raw: Record<string, unknown>, env: Env, issues: ConfigIssue[]): void {
  for (const [name, path, kind] of ENV_OVERRIDES) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    let value: string | number | string[] = text;
    if (kind === 'integer') {
      if (!/^\d+$/.test(text.trim())) {
        issues.push({ source: `env ${name}`, field: path.join('.'), message: `expected an integer, got "${text}"` });
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

function envFor(segments: string[], env: Env): string | undefined {
  const key = segments.join('.');
  for (const [name, path] of ENV_OVERRIDES) {
    if (path.join('.') === key && env[name]) return `env ${name}`;
  }
  return undefined;
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
