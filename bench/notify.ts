/**
 * Notify benchmark: the real server (a child process, SQLite with synchronous=FULL) delivering
 * to a keep-alive sink on 127.0.0.1, every delivery HMAC-signed and every attempt logged.
 *
 * Scenarios:
 *   throughput  BENCH_NOTIFY_NOTIFICATIONS notifications (default 2,000) posted by 32 clients to
 *               BENCH_NOTIFY_FANOUT contact points (default 10): deliveries per second from the
 *               first delivery to the last, all of them checked to arrive.
 *   latency     single-alert notifications at a fixed BENCH_NOTIFY_RATE per second (default 100)
 *               for BENCH_DURATION seconds after BENCH_WARMUP seconds not measured, one contact
 *               point, grouping off: time from sending the POST to the sink receiving that
 *               alert's first delivery attempt.
 *
 * Run alone: node --import tsx bench/notify.ts  (JSON on stdout, progress on stderr)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import {
  benchServerEnv,
  buildAlertwire,
  cpuSeconds,
  freePort,
  freshPostgresDatabase,
  log,
  peakRssMb,
  postgresCpuSeconds,
  startScriptNodeFlags,
  stopChild,
  waitForHttp,
  type BenchDialect,
} from './ingest.js';

const HOST = '127.0.0.1';
const TOKEN = 'bench-notify-token-0123456789';
const envInt = (name: string, fallback: number) => (Number(process.env[name]) > 0 ? Number(process.env[name]) : fallback);

interface SinkStats {
  server: Server;
  url: string;
  /** alert seq → time (performance.now()) the first request carrying it arrived */
  firstSeen: Map<string, number>;
  requests: number;
  firstAt: number;
  lastAt: number;
}

/** Answers 200 at once, keeps connections alive, and notes when each alert first arrived. */
async function startSink(): Promise<SinkStats> {
  const stats: SinkStats = { server: createServer(), url: '', firstSeen: new Map(), requests: 0, firstAt: 0, lastAt: 0 };
  stats.server.keepAliveTimeout = 60_000;
  stats.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = performance.now();
      stats.requests++;
      if (stats.firstAt === 0) stats.firstAt = now;
      stats.lastAt = now;
      // The seq label is the only one of its kind in the body; reading it avoids a full JSON parse.
      const m = /"seq":"([^"]+)"/.exec(Buffer.concat(chunks).toString('utf8'));
      const key = `${req.url}|${m?.[1] ?? ''}`;
      if (!stats.firstSeen.has(key)) stats.firstSeen.set(key, now);
      res.writeHead(200, { 'content-length': '2' }).end('ok');
    });
  });
  await new Promise<void>((r) => stats.server.listen(0, HOST, r));
  stats.url = `http://${HOST}:${(stats.server.address() as AddressInfo).port}`;
  return stats;
}

function configYaml(sinkUrl: string, fanout: number): string {
  const points = Array.from({ length: fanout }, (_, i) =>
    [`  - id: cp${i}`, `    name: bench ${i}`, `    url: ${sinkUrl}/cp${i}`, '    signing: { type: hmac, secret: bench-secret, timestamp_header: X-Ts }'].join('\n'),
  );
  return `contact_points:\n${points.join('\n')}\n`;
}

interface NotifyServer {
  origin: string;
  child: ChildProcess;
  dataDir: string;
  drop(): Promise<void>;
}

async function startServer(sinkUrl: string, fanout: number, dialect: BenchDialect): Promise<NotifyServer> {
  const { main, runtime } = buildAlertwire();
  // Earlier scenarios' writes are flushed now, not by the kernel during this one's fsyncs.
  execFileSync('sync');
  const dataDir = mkdtempSync(join(tmpdir(), 'alertwire-bench-notify-'));
  const configFile = join(dataDir, 'alertwire.yaml');
  writeFileSync(configFile, configYaml(sinkUrl, fanout));
  const port = await freePort();
  const database = dialect === 'postgres' ? await freshPostgresDatabase() : null;
  const env: NodeJS.ProcessEnv = {
    ...benchServerEnv({ port, dataDir, token: TOKEN }),
    ...(database ? { DATABASE_URL: database.url } : {}),
    ALERTWIRE_CONFIG: configFile,
    // BENCH_SQLITE_SYNCHRONOUS=NORMAL shows what the fsync of every commit costs.
    ...(process.env.BENCH_SQLITE_SYNCHRONOUS ? { ALERTWIRE_SQLITE_SYNCHRONOUS: process.env.BENCH_SQLITE_SYNCHRONOUS } : {}),
  };
  // BENCH_PROFILE=1: a V8 CPU profile of the server, written to .bench/profiles at exit.
  const profile = process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${join(process.cwd(), '.bench', 'profiles')}`] : [];
  const args = [...startScriptNodeFlags(), ...(runtime === 'tsx' ? ['--import', 'tsx'] : []), ...profile, pathToFileURL(main).pathname, 'serve'];
  const child = spawn(process.execPath, args, { cwd: dataDir, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const origin = `http://${HOST}:${port}`;
  await waitForHttp(`${origin}/ready`, 30_000, child);
  return { origin, child, dataDir, drop: async () => database?.drop() };
}

function body(run: string, seq: number): string {
  return JSON.stringify({
    version: '4',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'BenchNotify', run, seq: String(seq), severity: 'warning', instance: `node-${seq % 50}:9100` },
        annotations: { summary: `notify bench alert ${seq}` },
        startsAt: new Date(Date.UTC(2024, 0, 1) + seq * 1000).toISOString(),
      },
    ],
  });
}

async function post(pool: Pool, payload: string): Promise<number> {
  const r = await pool.request({ path: '/webhook', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: payload });
  await r.body.dump();
  return r.statusCode;
}

/** The server's peak resident memory, when /proc tells it. */
const peakRss = (pid: number | undefined): Record<string, number> => {
  const mb = peakRssMb(pid);
  return mb === null ? {} : { server_peak_rss_mb: mb };
};

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

async function stopAll(pool: Pool, server: NotifyServer, sink: SinkStats): Promise<void> {
  await pool.destroy();
  await stopChild(server.child, 10_000);
  await server.drop();
  rmSync(server.dataDir, { recursive: true, force: true });
  sink.server.closeAllConnections();
  sink.server.close();
}

async function throughput(dialect: BenchDialect): Promise<Record<string, number>> {
  const notifications = envInt('BENCH_NOTIFY_NOTIFICATIONS', 2000);
  const fanout = envInt('BENCH_NOTIFY_FANOUT', 10);
  const sink = await startSink();
  const server = await startServer(sink.url, fanout, dialect);
  const pool = new Pool(server.origin, { connections: 32 });
  try {
    const run = `t${Date.now()}`;
    let next = 0;
    let failed = 0;
    const cpu0 = cpuSeconds(server.child.pid);
    const db0 = dialect === 'postgres' ? postgresCpuSeconds() : null;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < notifications) if ((await post(pool, body(run, next++))) !== 200) failed++;
      }),
    );
    const ingestS = (performance.now() - t0) / 1000;
    const expected = notifications * fanout;
    const deadline = performance.now() + 120_000;
    while (sink.firstSeen.size < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const spanS = (sink.lastAt - sink.firstAt) / 1000;
    // CPU per delivery holds still on a shared machine where throughput does not.
    const cpu1 = cpuSeconds(server.child.pid);
    const cpuUs = cpu0 !== null && cpu1 !== null ? ((cpu1 - cpu0) * 1e6) / Math.max(1, sink.firstSeen.size) : null;
    const db1 = dialect === 'postgres' ? postgresCpuSeconds() : null;
    const dbUs = db0 !== null && db1 !== null ? ((db1 - db0) * 1e6) / Math.max(1, sink.firstSeen.size) : null;
    return {
      notifications,
      contact_points: fanout,
      deliveries_expected: expected,
      deliveries_arrived: sink.firstSeen.size,
      requests: sink.requests,
      rejected_posts: failed,
      ingest_s: round(ingestS, 2),
      delivery_span_s: round(spanS, 2),
      deliveries_per_s: Math.round(sink.firstSeen.size / Math.max(spanS, 0.001)),
      ...(cpuUs !== null ? { server_cpu_us_per_delivery: Math.round(cpuUs) } : {}),
      ...(dbUs !== null ? { database_cpu_us_per_delivery: Math.round(dbUs) } : {}),
      ...peakRss(server.child.pid),
    };
  } finally {
    await stopAll(pool, server, sink);
  }
}

async function latency(dialect: BenchDialect): Promise<Record<string, number>> {
  const rate = envInt('BENCH_NOTIFY_RATE', 100);
  const durationS = envInt('BENCH_DURATION', 10);
  // As in the intake scenarios, the first seconds (modules loaded on first use) are not measured.
  const warmupS = Number(process.env.BENCH_WARMUP ?? 2);
  const sink = await startSink();
  const server = await startServer(sink.url, 1, dialect);
  const pool = new Pool(server.origin, { connections: 16 });
  const sentAt = new Map<string, number>();
  try {
    const run = `l${Date.now()}`;
    const warmup = Math.round(rate * warmupS);
    const total = warmup + rate * durationS;
    const t0 = performance.now();
    const inFlight: Promise<number>[] = [];
    for (let seq = 0; seq < total; seq++) {
      const due = t0 + (seq * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (seq >= warmup) sentAt.set(`/cp0|${seq}`, performance.now());
      inFlight.push(post(pool, body(run, seq)));
    }
    await Promise.all(inFlight);
    const deadline = performance.now() + 30_000;
    while (sink.firstSeen.size < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const lat = [...sentAt].flatMap(([key, at]) => {
      const seen = sink.firstSeen.get(key);
      return seen === undefined ? [] : [seen - at];
    });
    lat.sort((a, b) => a - b);
    return {
      rate,
      duration_s: durationS,
      warmup_s: warmupS,
      alerts: sentAt.size,
      first_attempts_seen: lat.length,
      p50_ms: round(percentile(lat, 50)),
      p90_ms: round(percentile(lat, 90)),
      p99_ms: round(percentile(lat, 99)),
      max_ms: round(lat[lat.length - 1] ?? NaN),
      ...peakRss(server.child.pid),
    };
  } finally {
    await stopAll(pool, server, sink);
  }
}

export async function benchNotify(dialect: BenchDialect = 'sqlite'): Promise<Record<string, unknown>> {
  // BENCH_NOTIFY_SCENARIOS=latency (or throughput) runs one of the two.
  const only = process.env.BENCH_NOTIFY_SCENARIOS ?? 'throughput,latency';
  log(`notify on ${dialect}: throughput`);
  const t = only.includes('throughput') ? await throughput(dialect) : {};
  log(`notify on ${dialect}: ${t.deliveries_per_s} deliveries/s; latency at a fixed rate`);
  const l = only.includes('latency') ? await latency(dialect) : {};
  log(`notify on ${dialect}: first attempt p99 ${l.p99_ms} ms`);
  return {
    throughput: t,
    latency: l,
    targets: {
      deliveries_per_s_at_least_3000: (t.deliveries_per_s ?? 0) >= 3000,
      first_attempt_p99_at_most_50_ms: (l.p99_ms ?? Infinity) <= 50,
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchNotify(process.env.BENCH_DIALECTS === 'postgres' ? 'postgres' : 'sqlite').then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
