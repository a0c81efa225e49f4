import { VERSION } from './version.js';
import { createRequire } from 'node:module';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { actJobKind } from './actions/act-job.js';
import { provisionReceivers } from './actions/receiver-service.js';
import { planAnalysis } from './analysis/analyze-job.js';
import { createAnalysis } from './analysis/service.js';
import { adminScope } from './api/admin-auth.js';
import { alertApiRoutes } from './api/alerts.js';
import { Sessions, sessionRoutes } from './api/session.js';
import { settingsApiRoutes } from './api/settings.js';
import { executionApiRoutes } from './api/executions.js';
import { receiverApiRoutes } from './api/receivers.js';
import { reportApiRoutes } from './api/reports.js';
import { ensureCredentials, type Credentials } from './config/credentials.js';
import { loadTemplateFiles } from './config/load.js';
import type { Config } from './config/schema.js';
import { installErrorHandler } from './intake/errors.js';
import { hookRoutes } from './intake/hooks.js';
import { RateLimits } from './intake/rate-limit.js';
import { reportUrl, webhookRoutes } from './intake/webhook.js';
import { WorkerPool, type Worker } from './jobs/pool.js';
import { LoopLoad } from './jobs/loop-load.js';
import { JobRunner, type JobKind, type RunnerOptions } from './jobs/runner.js';
import { ingestJobKind } from './intake/ingest-job.js';
import { DELIVER } from './notify/delivery-worker.js';
import { FLUSH } from './notify/flush-job.js';
import { ROUTE } from './notify/route-job.js';
import { healthRoutes } from './observability/health.js';
import { Metrics } from './observability/metrics.js';
import { createNotifier } from './notify/notifier.js';
import { urlPolicyFromEnv } from './notify/url-policy.js';
import { openStore, type Store } from './store/database.js';
import { GroupCommitter } from './store/group-commit.js';
import { SecretBox } from './store/secrets.js';
import { INGEST_JOB, purgeRawNotifications, type StoredAlert } from './store/ingest.js';
import { purgeFinishedJobs, releaseOrphanedJobs } from './store/jobs.js';
import { releaseOrphanedDeliveries } from './store/delivery-queue.js';
import { migrateToLatest } from './store/migrations/index.js';
import { verifySecretKey } from './store/secret-key-check.js';
import { reportPageRoutes } from './web/routes.js';
import { consoleRoutes } from './web/console.js';

/**
 * ioredis and pg cost ~25 MB of resident memory once loaded; most installations use neither,
 * so they are required only when configured.
 */
const loadOptional = <T>(name: string): T => createRequire(import.meta.url)(name) as T;

export interface AppOptions {
  now?: () => number;
  /** No log output at all (tests). */
  silent?: boolean;
  /** Where JSON log lines go instead of stdout. */
  logStream?: { write(line: string): void };
}

export interface App {
  http: FastifyInstance;
  store: Store;
  credentials: Credentials;
  metrics: Metrics;
  workers: WorkerPool;
  /** Base URL of report links: the configured external URL or the address listened on. */
  externalUrl(): string;
  start(): Promise<string>;
  stop(): Promise<void>;
}

/** Keeps secrets out of request logs: no credentials in headers, no ?key= in URLs. */
const requestSerializer = (req: { method: string; url: string; ip?: string }) => ({
  method: req.method,
  url: req.url.replace(/([?&](?:key|token)=)[^&]*/gi, '$1[redacted]'),
  remoteAddress: req.ip,
});

function loggerOptions(config: Config, stream?: { write(line: string): void }) {
  return {
    ...(stream ? { stream } : {}),
    level: config.server.log_level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.password'], censor: '[redacted]' },
    serializers: { req: requestSerializer },
  };
}

/**
 * Notifications run apart: deliveries may wait on slow endpoints, and routing must not be held
 * back by intake the way analyses are, or alert-in → first attempt would wait on it.
 */
const ROUTING_KINDS = [ROUTE, FLUSH];
const NOTIFY_KINDS = [...ROUTING_KINDS, DELIVER];

/**
 * Ingest jobs claimed at once. Under steady single-alert traffic each group commit's job holds a
 * few alerts: a claim of 50 made transactions of a hundred alerts or less, and applying fell
 * behind on PostgreSQL, where each transaction costs round trips.
 */
const INGEST_CLAIM = 200;

type RunnerBase = Omit<RunnerOptions, 'kinds' | 'excludeKinds' | 'busy'>;

/**
 * Three job runners (applying alerts; analyses and actions; routing), each paced its own way,
 * and the delivery worker.
 */
function workers(store: Store, kinds: JobKind[], base: RunnerBase, options: { busy: () => boolean; deliveries: Worker }): WorkerPool {
  return new WorkerPool([
    // One claim at a time, oldest first: a resolve must not be applied before its firing. The
    // kind paces itself while requests keep the loop busy.
    new JobRunner(store, kinds, { ...base, kinds: [INGEST_JOB], concurrency: 1, minClaimIntervalMs: 2, batchSize: INGEST_CLAIM }),
    // Analyses (up to 50 ms for a group of 100) and actions take the loop's spare time;
    // deliveries (waiting on other servers) need not.
    new JobRunner(store, kinds, {
      ...base,
      excludeKinds: [...ROUTING_KINDS, INGEST_JOB],
      busy: options.busy,
      busyClaimIntervalMs: 250,
      busyBatchSize: 1,
      // A group of 100 alerts takes 40–50 ms: at one per 250 ms that was a sixth of a busy loop.
      busyPauseFactor: 9,
    }),
    new JobRunner(store, kinds, { ...base, kinds: ROUTING_KINDS }),
    options.deliveries,
  ]);
}

/** A Redis client for shared rate limits, when configured; its outages fall back to memory. */
function redisFor(config: Config, log: FastifyBaseLogger): Redis | undefined {
  if (config.rate_limit.store !== 'redis' || !config.rate_limit.redis_url) return undefined;
  const redis = new (loadOptional<typeof import('ioredis')>('ioredis').Redis)(config.rate_limit.redis_url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', (error) => log.warn({ err: error }, 'redis unavailable; rate limits fall back to memory'));
  return redis;
}

/** The OpenAPI document and a JSON parser that keeps the raw body (signatures are over the bytes). */
async function registerApiBasics(http: FastifyInstance): Promise<void> {
  await http.register(swagger, {
    openapi: {
      info: { title: 'alertwire', version: VERSION, description: 'Webhook hub for alerts: intake, reports, receivers, contact points' },
      components: { securitySchemes: { admin: { type: 'http', scheme: 'bearer' } } },
    },
  });
  http.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => http.swagger());
  const parseJson = http.getDefaultJsonParser('error', 'error');
  http.removeContentTypeParser('application/json');
  http.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    // Clients label body-less POSTs (redeliver, test, expire) application/json too; a route
    // that needs a body says so through its schema.
    if (body === '') done(null, undefined);
    else parseJson(request, body as string, done);
  });
}

/** Drops raw notifications and finished jobs past their retention; a failure waits for the next round. */
function retentionPurge(store: Store, config: Config, now: () => number, log: FastifyBaseLogger): () => Promise<void> {
  return async () => {
    try {
      const t = now();
      await purgeRawNotifications(store, t - config.retention.raw_notifications * 1000, config.retention.raw_notifications_max);
      await purgeFinishedJobs(store, t - config.retention.finished_jobs * 1000);
    } catch (error) {
      log.warn({ err: error }, 'retention purge failed');
    }
  };
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const now = options.now ?? Date.now;
  const http = Fastify({
    logger: options.silent ? false : loggerOptions(config, options.logStream),
    logController: new LogController({ disableRequestLogging: !config.server.log_requests }),
    bodyLimit: config.server.body_limit,
    trustProxy: config.server.trusted_proxies.length > 0 ? config.server.trusted_proxies : false,
    return503OnClosing: true,
  });
  const log = http.log;
  const credentials = ensureCredentials(config.data_dir, config.auth);
  const store = openStore({
    url: config.database.url,
    dataDir: config.data_dir,
    sqliteSynchronous: config.database.sqlite_synchronous,
    sqliteCacheMib: config.database.sqlite_cache_mib,
    sqliteWalAutocheckpoint: config.database.sqlite_wal_autocheckpoint,
    poolSize: config.database.pool_size,
    onListenError: (error) => log.warn({ err: error }, 'LISTEN for other replicas\' jobs failed; polling until it works again'),
  });
  const metrics = new Metrics(store);
  const secrets = SecretBox.load(config.data_dir, process.env.ALERTWIRE_SECRET_KEY);
  const shutdown = new AbortController();
  let ready = false;
  let listening = '';
  const externalUrl = () => (config.server.external_url || listening).replace(/\/+$/, '');
  const readiness = { ready: () => ready };

  const templates = loadTemplateFiles(config.templates);
  const act = actJobKind({
    store,
    secrets,
    actionDeps: {
      kubernetes: { kubeconfig: config.actions.kubeconfig, context: config.actions.kube_context, inCluster: config.actions.kubeconfig === '' },
      commandEnvAllowlist: config.actions.command_env_allowlist,
      templates,
    },
    externalUrl: () => externalUrl(),
    now,
    log,
    registry: metrics.registry,
    signal: shutdown.signal,
  });
  const notifier = createNotifier({
    store,
    secrets,
    metrics,
    log,
    provisioned: config.contact_points,
    policy: urlPolicyFromEnv(process.env, config.outbound),
    externalUrl: () => externalUrl(),
    templates,
    now,
    wake: () => runner.wake(NOTIFY_KINDS),
    delivery: {
      maxInFlight: config.jobs.delivery_concurrency,
      maxInFlightPerContactPoint: config.jobs.delivery_concurrency_per_contact_point,
      leaseMs: config.jobs.lease * 1000,
      pollMs: config.jobs.poll_interval * 1000,
    },
  });
  const runnerOptions = {
    concurrency: config.jobs.concurrency,
    batchSize: 50,
    leaseMs: config.jobs.lease * 1000,
    pollMs: config.jobs.poll_interval * 1000,
    now,
    log,
  };
  const analysis = await createAnalysis({ config: config.analysis, store, registry: metrics.registry, now });
  const ingestOptions = {
    dedupWindowMs: config.webhook.dedup_window * 1000,
    maxAttempts: config.jobs.max_attempts,
    planJobs: (stored: readonly StoredAlert[]) => [...planAnalysis(stored), ...notifier.planRouting(stored)],
    now,
  };
  const load = new LoopLoad();
  // On the server itself rather than as a hook: every request counts, routed or not, at no cost per route.
  http.server.on('request', () => load.noteRequest());
  const busy = () => load.busy();
  const ingest = ingestJobKind({ store, options: ingestOptions, metrics, log, onApplied: (kinds) => runner.wake(kinds), busy: () => load.busyWithRequests() });
  const kinds = [ingest, analysis.jobKind, act, ...notifier.jobKinds];
  const runner = workers(store, kinds, runnerOptions, { busy, deliveries: notifier.worker });
  const committer = new GroupCommitter(store, ingestOptions, (kinds) => runner.wake(kinds));
  const redis = redisFor(config, log);
  const rateLimits = await RateLimits.create(
    {
      perIp: config.rate_limit.per_ip,
      global: config.rate_limit.global,
      windowSeconds: config.rate_limit.window,
      limitedStatus: config.webhook.limited_status,
      keyPrefix: config.rate_limit.key_prefix,
    },
    { store: config.rate_limit.store, pool: store.pool, redis },
  );

  installErrorHandler(http);
  await registerApiBasics(http);
  await http.register(healthRoutes, { store, metrics, readiness, aiService: analysis.aiService });
  await http.register(webhookRoutes, {
    committer,
    rateLimits,
    metrics,
    readiness,
    webhookToken: credentials.webhookToken,
    get externalUrl() {
      return externalUrl();
    },
    now,
  });
  await http.register(hookRoutes, {
    store,
    committer,
    secrets,
    rateLimits,
    readiness,
    now,
    answerTimeoutMs: config.actions.answer_timeout * 1000,
  });
  const sessions = new Sessions({ store, now, secure: () => externalUrl().startsWith('https:') });
  await http.register(sessionRoutes, { sessions, adminToken: credentials.adminToken });
  await http.register(adminScope, {
    adminToken: credentials.adminToken,
    sessions,
    register: async (scope) => {
      await scope.register(alertApiRoutes, { store, now, reportUrl: (fp: string) => reportUrl(externalUrl(), fp) });
      await scope.register(settingsApiRoutes, { config, credentials, externalUrl: () => externalUrl(), dialect: store.dialect });
      await scope.register(receiverApiRoutes, { store, secrets, externalUrl: () => externalUrl(), now });
      await scope.register(executionApiRoutes, { store, now, wake: () => runner.wake() });
      await scope.register(async (contactPoints) => notifier.routes(contactPoints));
    },
  });
  await http.register(reportPageRoutes, { store });
  await http.register(consoleRoutes);
  await http.register(reportApiRoutes, { store, reportUrl: (fp: string) => reportUrl(externalUrl(), fp) });

  let retention: NodeJS.Timeout | null = null;
  const purge = retentionPurge(store, config, now, log);

  return {
    http,
    store,
    credentials,
    metrics,
    workers: runner,
    externalUrl,
    async start() {
      const address = await http.listen({ host: config.server.host, port: config.server.port });
      const port = (http.server.address() as { port: number }).port;
      const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? 'localhost' : config.server.host;
      listening = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      // Replicas starting together take turns: each migrates, checks its key and provisions
      // against what the one before it wrote, rather than racing to insert the same rows.
      await store.locks.withLock('alertwire:start', async () => {
        const applied = await migrateToLatest(store);
        if (applied.length > 0) log.info({ migrations: applied }, 'database migrated');
        await verifySecretKey(store, secrets);
        await provisionReceivers(store, secrets, config.receivers, now());
        await notifier.ready();
      });
      const orphans = await releaseOrphanedJobs(store, now());
      if (orphans > 0) log.warn({ jobs: orphans }, 'resuming jobs a previous process left running');
      const inFlight = await releaseOrphanedDeliveries(store, now());
      if (inFlight > 0) log.warn({ deliveries: inFlight }, 'resuming deliveries a previous process left in flight');
      load.start();
      await runner.start();
      retention = setInterval(() => void purge(), 10 * 60 * 1000);
      retention.unref();
      ready = true;
      log.info({ address, database: store.dialect, externalUrl: externalUrl() }, 'alertwire ready');
      return address;
    },
    async stop() {
      ready = false;
      if (retention) clearInterval(retention);
      await http.close();
      await committer.drain();
      if (runner.running) await runner.stop(config.server.shutdown_timeout * 1000);
      load.stop();
      shutdown.abort();
      await act.close();
      await notifier.close();
      redis?.disconnect();
      await store.close();
    },
  };
}
