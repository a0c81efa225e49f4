import { Type, type Static } from '@sinclair/typebox';
import { ProvisionedContactPoints } from './contact-points.js';
import { ActionsConfig, ProvisionedReceivers } from './receivers.js';
import { AnalysisConfig } from './analysis.js';

/**
 * The configuration file's schema. Keys are snake_case, as in alertmanager.yml, so users can
 * carry their habits over; every field has a default so an empty file (or none) is valid.
 */
const Seconds = (def: number, description: string) =>
  Type.Number({ minimum: 0, default: def, description });

export const ServerConfig = Type.Object(
  {
    host: Type.String({ default: '0.0.0.0' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8001 }),
    external_url: Type.String({ default: '', description: 'Base URL used in report links; default http://localhost:<port>' }),
    body_limit: Type.Integer({ minimum: 1024, default: 1048576, description: 'Largest accepted request body in bytes' }),
    trusted_proxies: Type.Array(Type.String(), {
      default: [],
      description: 'Addresses or CIDRs whose X-Forwarded-For is believed',
    }),
    shutdown_timeout: Seconds(30, 'Longest a SIGTERM drain may take'),
    log_level: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    log_requests: Type.Boolean({ default: false, description: 'Log one line per HTTP request' }),
  },
  { additionalProperties: false, default: {} },
);

export const DatabaseConfig = Type.Object(
  {
    url: Type.String({ default: '', description: 'postgres://… for PostgreSQL; empty for SQLite in the data directory' }),
    sqlite_synchronous: Type.Union([Type.Literal('FULL'), Type.Literal('NORMAL'), Type.Literal('OFF')], {
      default: 'FULL',
    }),
    sqlite_cache_mib: Type.Integer({
      minimum: 1,
      maximum: 4096,
      default: 4,
      description: "SQLite's page cache in MiB; the OS file cache serves what it does not hold",
    }),
    sqlite_wal_autocheckpoint: Type.Integer({
      minimum: 100,
      maximum: 1_000_000,
      default: 1000,
      description: 'WAL pages (4 KiB) written before SQLite copies them into the database file',
    }),
    pool_size: Type.Integer({ minimum: 1, default: 10 }),
  },
  { additionalProperties: false, default: {} },
);

export const AuthConfig = Type.Object(
  {
    webhook_token: Type.String({ default: '' }),
    admin_token: Type.String({ default: '' }),
  },
  { additionalProperties: false, default: {} },
);

export const WebhookConfig = Type.Object(
  {
    dedup_window: Seconds(60, 'A repeat of the same notification within this many seconds is stored once'),
    limited_status: Type.Union([Type.Literal(429), Type.Literal(503)], {
      default: 429,
      description: 'Status for a rate-limited request; Alertmanager retries 503 but drops 429',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const RateLimitConfig = Type.Object(
  {
    per_ip: Type.Integer({ minimum: 0, default: 100, description: 'Requests per window per client; 0 disables' }),
    global: Type.Integer({ minimum: 0, default: 1000, description: 'Requests per window in all; 0 disables' }),
    window: Seconds(60, 'Length of a rate-limit window'),
    store: Type.Union([Type.Literal('memory'), Type.Literal('postgres'), Type.Literal('redis')], {
      default: 'memory',
      description: 'Where counters live: memory (per replica), postgres or redis (shared). Default: redis when a Redis URL is set, else memory',
    }),
    redis_url: Type.String({ default: '', description: 'Redis for shared rate limits (REDIS_URL); setting it makes redis the default store' }),
    key_prefix: Type.String({ default: 'alertwire', description: 'Prefix of shared rate-limit keys, for installations sharing one Redis' }),
  },
  { additionalProperties: false, default: {} },
);

export const JobsConfig = Type.Object(
  {
    concurrency: Type.Integer({ minimum: 1, default: 8, description: 'Job batches (analyses, actions, routing) running at once' }),
    delivery_concurrency: Type.Integer({ minimum: 1, default: 256, description: 'Deliveries being sent to contact points at once' }),
    delivery_concurrency_per_contact_point: Type.Integer({
      minimum: 1,
      default: 64,
      description: 'Deliveries being sent to any one contact point at once, so a hanging endpoint cannot take every slot',
    }),
    lease: Seconds(10, 'How long a claimed job or delivery stays with its worker before another may take it; renewed while it runs'),
    max_attempts: Type.Integer({ minimum: 1, default: 10 }),
    poll_interval: Seconds(1, 'Fallback polling when no wake-up arrives'),
  },
  { additionalProperties: false, default: {} },
);

export const RetentionConfig = Type.Object(
  {
    raw_notifications: Seconds(7 * 86400, 'How long raw inbound notifications are kept'),
    raw_notifications_max: Type.Integer({ minimum: 0, default: 100000, description: 'Most raw notifications kept' }),
    finished_jobs: Seconds(86400, 'How long completed jobs are kept'),
  },
  { additionalProperties: false, default: {} },
);

export const OutboundConfig = Type.Object(
  {
    allow: Type.Array(Type.String(), {
      default: [],
      description: 'Addresses or CIDRs contact points may reach although refused by default (link-local, cloud metadata); ALERTWIRE_OUTBOUND_ALLOW replaces this list',
    }),
    deny: Type.Array(Type.String(), {
      default: [],
      description: 'Addresses or CIDRs contact points may never reach; wins over allow; ALERTWIRE_OUTBOUND_DENY replaces this list',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Which addresses contact points may reach, checked on every resolved address' },
);

export const ConfigSchema = Type.Object(
  {
    data_dir: Type.String({ default: './data' }),
    server: ServerConfig,
    database: DatabaseConfig,
    auth: AuthConfig,
    webhook: WebhookConfig,
    rate_limit: RateLimitConfig,
    jobs: JobsConfig,
    retention: RetentionConfig,
    outbound: OutboundConfig,
    actions: ActionsConfig,
    analysis: AnalysisConfig,
    receivers: ProvisionedReceivers,
    contact_points: ProvisionedContactPoints,
    templates: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'Globs of Go template files (as in alertmanager.yml), relative to this file; their definitions replace the defaults of the same name',
    }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
