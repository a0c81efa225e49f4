import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, type Config } from '../../src/config/schema.js';
import { createApp, type App } from '../../src/server.js';
import { INGEST_JOB } from '../../src/store/ingest.js';
import { SECRET_KEY_FILE } from '../../src/store/secrets.js';

export const WEBHOOK_TOKEN = 'test-webhook-token';
export const ADMIN_TOKEN = 'test-admin-token';
/** The secret key of every test server (32 bytes, hex). */
export const TEST_SECRET_KEY = '7a'.repeat(32);

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends (infer U)[] ? (U extends object ? DeepPartial<U>[] : T[K]) : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

/** A configuration for tests: temp data dir, port 0, loopback, fixed tokens, no rate limits. */
export function testConfig(overrides: DeepPartial<Config> = {}, dataDir?: string): Config {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'alertwire-test-'));
  // Every test server holds the same key, as replicas of one database must: several in-process
  // servers on one PostgreSQL database stand for replicas.
  if (!existsSync(join(dir, SECRET_KEY_FILE))) writeFileSync(join(dir, SECRET_KEY_FILE), `${TEST_SECRET_KEY}\n`, { mode: 0o600 });
  const base = {
    data_dir: dir,
    server: { host: '127.0.0.1', port: 0, log_level: 'silent' },
    auth: { webhook_token: WEBHOOK_TOKEN, admin_token: ADMIN_TOKEN },
    rate_limit: { per_ip: 0, global: 0 },
    jobs: { poll_interval: 0.2 },
  };
  const merged = merge(base, overrides);
  return Value.Default(ConfigSchema, merged) as Config;
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export interface RunningApp {
  app: App;
  url: string;
  config: Config;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  postWebhook(body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Resolves once every notification acknowledged so far has been applied by its ingest job. */
  ingested(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the real server in this process on a free port. */
export async function startApp(overrides: DeepPartial<Config> = {}, options: { now?: () => number; dataDir?: string } = {}): Promise<RunningApp> {
  const config = testConfig(overrides, options.dataDir);
  const app = await createApp(config, { silent: true, now: options.now });
  const url = await app.start();
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return {
    app,
    url,
    config,
    post,
    postWebhook: (body, headers = {}) => post('/webhook', body, { authorization: `Bearer ${WEBHOOK_TOKEN}`, ...headers }),
    ingested: () => ingestedIn(app),
    async stop() {
      await app.stop();
      if (!options.dataDir) rmSync(config.data_dir, { recursive: true, force: true });
    },
  };
}

/** Waits until no ingest job is pending or running: the alerts answered so far are stored. */
export async function ingestedIn(app: App, timeoutMs = 10_000): Promise<void> {
  await eventually(
    async () => {
      const row = await app.store.db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('kind', '=', INGEST_JOB)
        .where('state', 'in', ['pending', 'running'])
        .executeTakeFirstOrThrow();
      return Number(row.n) === 0 ? true : undefined;
    },
    timeoutMs,
    'the ingest jobs to apply every acknowledged notification',
  );
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
