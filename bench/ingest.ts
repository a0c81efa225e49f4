/**
 * Ingest benchmark: drives the real server, started as a child process, with keep-alive
 * connections and unique alerts, durable commits on (SQLite synchronous FULL, the default).
 *
 * Scenarios (each on a freshly started server with an empty data directory):
 *   single     closed loop, one alert per POST, many connections
 *   batch100   closed loop, 100 alerts per POST
 *   rate1000   open loop at a fixed 1,000 requests/s, one alert per POST; latency is measured
 *              from the moment each request was due, so a stalled server is not flattered
 *
 * The load side is wrk (C, LuaJIT) when /usr/bin/wrk exists — it leaves most of the 2 cores to
 * the server — and otherwise undici's Pool driven through its raw dispatch API. The fixed-rate
 * scenario always uses undici (wrk has no fixed-rate mode). Only 127.0.0.1 is ever targeted,
 * and every load loop is bounded in time.
 *
 * Environment knobs (all optional):
 *   BENCH_DURATION=10      seconds measured per scenario
 *   BENCH_WARMUP=2         seconds of discarded load before each measurement (JIT warm-up)
 *   BENCH_CLIENT=wrk|node  force the load generator
 *   BENCH_CONNECTIONS=64   connections of the single-alert scenario
 *   BENCH_BATCH_CONNECTIONS=16  connections of the 100-alert scenario
 *   BENCH_RATE=1000        requests/s of the fixed-rate scenario
 *   BENCH_SCENARIOS=single,batch100,rate1000
 *   BENCH_PROFILE=1        CPU-profile alertwire during each measured window (inspector);
 *                          writes .bench/profiles/<scenario>.cpuprofile and prints the top
 *                          functions to stderr
 *   BENCH_SQL_PROFILE=1    time every SQLite statement alertwire runs (a preload wrapping
 *                          better-sqlite3) and print the costliest to stderr
 *   BENCH_TSX=1            run src/main.ts through tsx instead of the compiled build
 *   BENCH_NODE_FLAGS="…"   start the server with these node flags instead of those of `npm start`
 *   BENCH_MAIN=path        benchmark this entry point instead of building src/ (a before/after
 *                          comparison of a patch: build it elsewhere, point here)
 *
 * Run alone: node --import tsx bench/ingest.ts  (prints JSON on stdout, progress on stderr)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Pool, WebSocket, type Dispatcher } from 'undici';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BENCH_DIR = join(ROOT, '.bench');
const HOST = '127.0.0.1';
/** How long a fixed-rate run waits for the last answers before counting them as errors. */
const FIXED_RATE_GRACE_S = 10;
const WRK = '/usr/bin/wrk';

// ---------------------------------------------------------------------------------------------
// Settings

export interface BenchSettings {
  durationS: number;
  warmupS: number;
  client: 'wrk' | 'node';
  connections: number;
  batchConnections: number;
  rate: number;
  scenarios: string[];
  profile: boolean;
  sqlProfile: boolean;
}

function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export function benchSettings(): BenchSettings {
  const forced = process.env.BENCH_CLIENT;
  const client = forced === 'node' || forced === 'wrk' ? forced : existsSync(WRK) ? 'wrk' : 'node';
  if (client === 'wrk' && !existsSync(WRK)) throw new Error('BENCH_CLIENT=wrk but wrk is not installed (apt-get install -y wrk)');
  return {
    durationS: envNumber('BENCH_DURATION', 10),
    warmupS: Number(process.env.BENCH_WARMUP ?? 2) >= 0 ? Number(process.env.BENCH_WARMUP ?? 2) : 2,
    client,
    connections: envNumber('BENCH_CONNECTIONS', 64),
    batchConnections: envNumber('BENCH_BATCH_CONNECTIONS', 16),
    rate: envNumber('BENCH_RATE', 1000),
    scenarios: (process.env.BENCH_SCENARIOS ?? 'single,batch100,rate1000').split(',').map((s) => s.trim()).filter(Boolean),
    profile: process.env.BENCH_PROFILE === '1',
    sqlProfile: process.env.BENCH_SQL_PROFILE === '1',
  };
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// What is sent: unique alerts, the same content for alertwire and Alertmanager

/** How a server wants its alerts: the request path, headers and the JSON around the alert list. */
export interface BodyShape {
  path: string;
  headers: Record<string, string>;
  /** JSON before the comma-separated alerts, and after them. */
  head: string;
  tail: string;
  /** One alert's JSON is alertPrefix + unique id + alertSuffix (the id is the instance label). */
  alertPrefix: string;
  alertSuffix: string;
}

const STARTS_AT = new Date(Date.UTC(2024, 4, 1, 12, 0, 0)).toISOString();
const LABELS_BEFORE_ID = '"alertname":"BenchHighLatency","namespace":"bench","job":"node-exporter","severity":"warning","instance":"';
const ANNOTATIONS =
  '"annotations":{"summary":"Request latency above threshold","description":"p99 latency has been above 500ms for 5 minutes","runbook_url":"https://runbooks.example/latency"}';

/** The Alertmanager webhook (version 4) notification alertwire's POST /webhook receives. */
export function webhookShape(token: string): BodyShape {
  return {
    path: '/webhook',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    head:
      '{"receiver":"alertwire","status":"firing","groupLabels":{"alertname":"BenchHighLatency"},' +
      '"commonLabels":{"alertname":"BenchHighLatency","namespace":"bench"},"commonAnnotations":{},' +
      '"externalURL":"http://alertmanager:9093","version":"4","groupKey":"{}:{alertname=\\"BenchHighLatency\\"}","truncatedAlerts":0,"alerts":[',
    tail: ']}',
    alertPrefix: `{"status":"firing","labels":{${LABELS_BEFORE_ID}`,
    alertSuffix: `"},${ANNOTATIONS},"startsAt":"${STARTS_AT}","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph?g0.expr=latency"}`,
  };
}

/** Alertmanager's own API: POST /api/v2/alerts with a JSON array of postable alerts. */
export function alertmanagerShape(): BodyShape {
  return {
    path: '/api/v2/alerts',
    headers: { 'content-type': 'application/json' },
    head: '[',
    tail: ']',
    alertPrefix: `{"labels":{${LABELS_BEFORE_ID}`,
    alertSuffix: `"},${ANNOTATIONS},"startsAt":"${STARTS_AT}","generatorURL":"http://prometheus:9090/graph?g0.expr=latency"}`,
  };
}

/** Makes bodies of `batch` alerts whose ids never repeat within a run (nonce + counter). */
function bodyMaker(shape: BodyShape, batch: number, nonce: string): () => string {
  let n = 0;
  return () => {
    let s = shape.head;
    for (let i = 0; i < batch; i++) {
      if (i > 0) s += ',';
      s += shape.alertPrefix + nonce + '-' + (n++).toString(36) + shape.alertSuffix;
    }
    return s + shape.tail;
  };
}

let nonceCounter = 0;
function nonce(): string {
  return `${Date.now().toString(36)}${(nonceCounter++).toString(36)}`;
}

// ---------------------------------------------------------------------------------------------
// Load generators

export interface LoadResult {
  client: 'wrk' | 'node';
  connections: number;
  alerts_per_request: number;
  duration_s: number;
  requests: number;
  /** Requests answered with a non-2xx status, or failed on the socket. */
  errors: number;
  requests_per_s: number;
  alerts_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Fixed-rate scenarios only: the rate asked for. */
  target_rate?: number;
  /** Fixed-rate scenarios only: requests still unanswered FIXED_RATE_GRACE_S after the last was due (counted in errors). */
  unanswered?: number;
}

interface LoadSpec {
  origin: string;
  shape: BodyShape;
  batch: number;
  connections: number;
  durationS: number;
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** Latencies in ms, grown as needed (no per-sample allocation). */
class Samples {
  private data = new Float64Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  sorted(): Float64Array {
    return this.data.slice(0, this.length).sort();
  }
}

function summarize(
  client: 'wrk' | 'node',
  spec: Pick<LoadSpec, 'connections' | 'batch'>,
  durationS: number,
  ok: number,
  errors: number,
  latencies: Samples,
): LoadResult {
  const sorted = latencies.sorted();
  const requests = ok + errors;
  return {
    client,
    connections: spec.connections,
    alerts_per_request: spec.batch,
    duration_s: round(durationS),
    requests,
    errors,
    requests_per_s: round(ok / durationS, 0),
    alerts_per_s: round((ok * spec.batch) / durationS, 0),
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(sorted.length ? (sorted[sorted.length - 1] ?? 0) : Number.NaN),
  };
}

/** One POST through undici's raw dispatch API (no Readable body, no promise per chunk). */
function post(pool: Pool, origin: string, shape: BodyShape, body: string): Promise<number> {
  return new Promise((resolve) => {
    let status = 0;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {},
      onResponseStart(_controller, statusCode) {
        status = statusCode;
      },
      onResponseData() {},
      onResponseEnd() {
        resolve(status);
      },
      onResponseError() {
        resolve(0);
      },
    };
    pool.dispatch({ origin, path: shape.path, method: 'POST', headers: shape.headers, body }, handler);
  });
}

/** Closed loop: `connections` workers each send, await the answer, and send again until the deadline. */
async function nodeClosedLoop(spec: LoadSpec): Promise<LoadResult> {
  const pool = new Pool(spec.origin, { connections: spec.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const makeBody = bodyMaker(spec.shape, spec.batch, nonce());
  const latencies = new Samples();
  let ok = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + spec.durationS * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const body = makeBody();
      const t0 = performance.now();
      const status = await post(pool, spec.origin, spec.shape, body);
      latencies.push(performance.now() - t0);
      if (status >= 200 && status < 300) ok++;
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, worker));
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  return summarize('node', spec, elapsed, ok, errors, latencies);
}

/**
 * Open loop at a fixed rate: request i is due at start + i/rate whatever happened to the ones
 * before it, and its latency counts from that moment (no coordinated omission).
 */
export async function nodeFixedRate(spec: LoadSpec & { rate: number }): Promise<LoadResult> {
  const pool = new Pool(spec.origin, { connections: spec.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const makeBody = bodyMaker(spec.shape, spec.batch, nonce());
  const latencies = new Samples();
  const total = Math.round(spec.rate * spec.durationS);
  const interval = 1000 / spec.rate;
  let ok = 0;
  let errors = 0;
  let sent = 0;
  let outstanding = 0;
  const start = performance.now();
  let cutoff: NodeJS.Timeout | undefined;
  const inflight = new Map<number, number>();
  await new Promise<void>((resolveAll) => {
    const finishIfDone = () => {
      if (sent === total && outstanding === 0) resolveAll();
    };
    // Bounded in time: answers still missing this long after the last request count as errors.
    cutoff = setTimeout(resolveAll, (spec.durationS + FIXED_RATE_GRACE_S) * 1000);
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const due = start + sent * interval;
        const seq = sent++;
        outstanding++;
        inflight.set(seq, due);
        void post(pool, spec.origin, spec.shape, makeBody()).then((status) => {
          if (!inflight.delete(seq)) return; // answered after the cut-off: already counted
          latencies.push(performance.now() - due);
          if (status >= 200 && status < 300) ok++;
          else errors++;
          outstanding--;
          finishIfDone();
        });
      }
      if (sent < total) setTimeout(tick, Math.max(0, Math.min(1, start + sent * interval - performance.now())));
      else finishIfDone();
    };
    tick();
  });
  clearTimeout(cutoff);
  // Unanswered requests waited at least this long: their latency is a lower bound, not left out.
  const end = performance.now();
  for (const due of inflight.values()) latencies.push(end - due);
  const unanswered = inflight.size;
  inflight.clear();
  const counted = { ok, errors };
  await pool.destroy();
  return {
    ...summarize('node', spec, spec.durationS, counted.ok, counted.errors + unanswered, latencies),
    requests: total,
    target_rate: spec.rate,
    unanswered,
  };
}

function luaString(s: string): string {
  if (s.includes(']==]')) throw new Error('cannot quote for Lua');
  return `[==[${s}]==]`;
}

/** wrk's Lua script, written to a temp file at run time: unique alerts per request, JSON summary. */
function wrkScript(spec: LoadSpec, runNonce: string): string {
  const headers = Object.entries(spec.shape.headers)
    .map(([k, v]) => `[ ${luaString(k)} ] = ${luaString(v)}`)
    .join(', ');
  return `
local head, tail = ${luaString(spec.shape.head)}, ${luaString(spec.shape.tail)}
local pre, suf = ${luaString(spec.shape.alertPrefix)}, ${luaString(spec.shape.alertSuffix)}
local path, batch, runid = ${luaString(spec.shape.path)}, ${spec.batch}, ${luaString(runNonce)}
local headers = { ${headers} }
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
local n = 0
local parts = {}
function request()
  for i = 1, batch do
    n = n + 1
    parts[i] = pre .. runid .. "-" .. tid .. "-" .. n .. suf
  end
  return wrk.format("POST", path, headers, head .. table.concat(parts, ",", 1, batch) .. tail)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\nWRKJSON {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`;
}

async function wrkClosedLoop(spec: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'alertwire-wrk-'));
  try {
    const script = join(dir, 'load.lua');
    writeFileSync(script, wrkScript(spec, nonce()));
    const args = ['-t1', `-c${spec.connections}`, `-d${spec.durationS}s`, '--timeout', '10s', '-s', script, `${spec.origin}${spec.shape.path}`];
    const out = await new Promise<string>((resolveOut, reject) => {
      const child = track(spawn(WRK, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
      let text = '';
      child.stdout?.on('data', (c: Buffer) => (text += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (text += c.toString()));
      const guard = setTimeout(() => child.kill('SIGKILL'), (spec.durationS + 30) * 1000);
      child.on('error', reject);
      child.on('close', () => {
        clearTimeout(guard);
        resolveOut(text);
      });
    });
    const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
    if (!line) throw new Error(`wrk printed no summary:\n${out}`);
    const r = JSON.parse(line.slice('WRKJSON '.length)) as {
      requests: number;
      duration_us: number;
      status_errors: number;
      socket_errors: number;
      p50_us: number;
      p99_us: number;
      max_us: number;
    };
    const durationS = r.duration_us / 1e6;
    const ok = Math.max(0, r.requests - r.status_errors);
    return {
      client: 'wrk',
      connections: spec.connections,
      alerts_per_request: spec.batch,
      duration_s: round(durationS),
      requests: r.requests,
      errors: r.status_errors + r.socket_errors,
      requests_per_s: round(ok / durationS, 0),
      alerts_per_s: round((ok * spec.batch) / durationS, 0),
      p50_ms: round(r.p50_us / 1000),
      p99_ms: round(r.p99_us / 1000),
      max_ms: round(r.max_us / 1000),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function closedLoop(client: 'wrk' | 'node', spec: LoadSpec): Promise<LoadResult> {
  return client === 'wrk' ? wrkClosedLoop(spec) : nodeClosedLoop(spec);
}

// ---------------------------------------------------------------------------------------------
// Child processes

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolvePort(port));
    });
  });
}

/** Peak resident set size of a process in MB (VmHWM), or null when /proc cannot tell. */
export function peakRssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? round(Number(m[1]) / 1024, 1) : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (USER_HZ = 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * CPU seconds every PostgreSQL process on this host has used so far (postmaster, backends,
 * WAL writer, checkpointer): the database's share of the work, beside the server's own.
 */
export function postgresCpuSeconds(): number | null {
  let total = 0;
  let found = false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
      found = true;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return found ? total : null;
}

export async function waitForHttp(url: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
}

/** Every server started here; none outlives the benchmark, even when it fails or is interrupted. */
const children = new Set<ChildProcess>();
let cleanupInstalled = false;

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!cleanupInstalled) {
    cleanupInstalled = true;
    process.once('exit', () => {
      for (const c of children) c.kill('SIGKILL');
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        for (const c of children) c.kill('SIGKILL');
        process.exit(130);
      });
    }
  }
  return child;
}

/** SIGTERM, then SIGKILL if the process has not gone within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A server under test, started fresh for each scenario. */
export interface BenchServer {
  name: string;
  origin: string;
  pid: number | undefined;
  shape: BodyShape;
  /** CPU seconds its database has used so far, when the database is a separate process. */
  databaseCpu?(): number | null;
  /** Ingest jobs not applied yet (alerts acknowledged but not in the alerts table). */
  unappliedJobs?(): Promise<number>;
  /** /health's queue_size: jobs due or running and deliveries waiting. */
  queueSize?(): Promise<number | null>;
  /** Alerts acknowledged and not applied yet (the sum over unfinished ingest jobs). */
  unappliedAlerts?(): Promise<number | null>;
  /** Called just before the measured window and just after it. */
  beginMeasure?(): Promise<void>;
  endMeasure?(scenario: string): Promise<void>;
  /** Stops the server; returns whatever it can tell about what it stored. */
  stop(): Promise<Record<string, number>>;
}

// ---------------------------------------------------------------------------------------------
// alertwire

let built: { main: string; runtime: 'compiled' | 'tsx' } | null = null;

/**
 * Compiles src/ into .bench/pkg/dist rather than dist/, where others may be building at the
 * same time. The server finds files relative to its package root (knowledge/, ui/, …), so
 * .bench/pkg mirrors the root with a symlink per entry. tsc emits even when it reports type
 * errors; only a missing main.js falls back to tsx.
 */
export function buildAlertwire(): { main: string; runtime: 'compiled' | 'tsx' } {
  if (built) return built;
  const tsxMain = { main: join(ROOT, 'src', 'main.ts'), runtime: 'tsx' as const };
  if (process.env.BENCH_TSX === '1') return (built = tsxMain);
  const given = process.env.BENCH_MAIN;
  if (given) return (built = { main: resolve(given), runtime: given.endsWith('.ts') ? 'tsx' : 'compiled' });
  const pkg = join(BENCH_DIR, 'pkg');
  const outDir = join(pkg, 'dist');
  mkdirSync(pkg, { recursive: true });
  for (const entry of readdirSync(ROOT)) {
    if (['.bench', '.git', 'dist', 'src'].includes(entry) || existsSync(join(pkg, entry))) continue;
    symlinkSync(join(ROOT, entry), join(pkg, entry));
  }
  rmSync(outDir, { recursive: true, force: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir, '--sourceMap', 'false'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const main = join(outDir, 'main.js');
  if (existsSync(main)) {
    if (r.status !== 0) log(`tsc reported errors but emitted; benchmarking the emitted build:\n${(r.stdout + r.stderr).slice(0, 2000)}`);
    log(`compiled src/ into .bench/pkg/dist in ${Math.round(performance.now() - t0)} ms`);
    return (built = { main, runtime: 'compiled' });
  }
  log(`build failed, falling back to tsx:\n${(r.stdout + r.stderr).slice(0, 2000)}`);
  return (built = tsxMain);
}

const TOKEN = 'bench-webhook-token-0123456789';

/**
 * Preloaded into the server by BENCH_SQL_PROFILE=1: wraps every better-sqlite3 statement to add
 * up time and calls per SQL text, and writes the totals to $BENCH_SQL_PROFILE_OUT at exit. Only
 * the measured window counts (SIGUSR2 starts and stops counting).
 */
const SQL_PROFILE_PRELOAD = `
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
const Database = createRequire(process.env.BENCH_ROOT + '/package.json')('better-sqlite3');
const stats = new Map();
let on = false;
process.on('SIGUSR2', () => { on = !on; });
const norm = (sql) => sql.replace(/\\(\\?(, ?\\?)*\\)(, ?\\(\\?(, ?\\?)*\\))+/g, '(?...),...').replace(/in \\(\\?(, ?\\?)*\\)/g, 'in (?...)').slice(0, 160);
const prepare = Database.prototype.prepare;
Database.prototype.prepare = function (sql) {
  const stmt = prepare.call(this, sql);
  const key = norm(sql);
  for (const m of ['run', 'all', 'get']) {
    const f = stmt[m];
    stmt[m] = function (...args) {
      if (!on) return f.apply(this, args);
      const t = process.hrtime.bigint();
      try { return f.apply(this, args); } finally {
        const s = stats.get(key) ?? { calls: 0, ns: 0n, prepares: 0 };
        s.calls++; s.ns += process.hrtime.bigint() - t; stats.set(key, s);
      }
    };
  }
  if (on) { const s = stats.get(key) ?? { calls: 0, ns: 0n, prepares: 0 }; s.prepares++; stats.set(key, s); }
  return stmt;
};
process.on('exit', () => {
  const rows = [...stats].map(([sql, s]) => ({ sql, calls: s.calls, ms: Number(s.ns) / 1e6, prepares: s.prepares }));
  writeFileSync(process.env.BENCH_SQL_PROFILE_OUT, JSON.stringify(rows));
});
`;

interface SqlStat {
  sql: string;
  calls: number;
  ms: number;
  prepares: number;
}

function sqlProfileSummary(rows: SqlStat[], windowS: number, top: number): string {
  const total = rows.reduce((a, r) => a + r.ms, 0);
  const lines = rows
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top)
    .map(
      (r) =>
        `  ${r.ms.toFixed(0).padStart(7)} ms ${((100 * r.ms) / (windowS * 1000)).toFixed(1).padStart(5)}% of wall  ` +
        `${String(r.calls).padStart(7)} calls ${((1000 * r.ms) / Math.max(1, r.calls)).toFixed(0).padStart(6)} µs/call ` +
        `${String(r.prepares).padStart(5)} prepares  ${r.sql}`,
    );
  return `  SQLite statements: ${total.toFixed(0)} ms in ${windowS} s of load\n${lines.join('\n')}`;
}

/** The node flags of `npm start` (package.json), so the server runs as users start it. */
export function startScriptNodeFlags(): string[] {
  // BENCH_NODE_FLAGS tries other V8/Node flags without editing package.json.
  const forced = process.env.BENCH_NODE_FLAGS;
  if (forced !== undefined) return forced.split(/\s+/).filter(Boolean);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const words = (pkg.scripts?.start ?? '').split(/\s+/);
  return words[0] === 'node' ? words.slice(1).filter((w) => w.startsWith('--')) : [];
}

/** What every benchmarked server runs with: loopback, a fixed token, no rate limits, quiet logs. */
export function benchServerEnv(server: { port: number; dataDir: string; token: string }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    ALERTWIRE_PORT: String(server.port),
    ALERTWIRE_HOST: HOST,
    ALERTWIRE_DATA_DIR: server.dataDir,
    ALERTWIRE_WEBHOOK_TOKEN: server.token,
    // One key for every benchmarked server: replicas of one database must share it.
    ALERTWIRE_SECRET_KEY: '5e'.repeat(32),
    ALERTWIRE_RATE_LIMIT_PER_IP: '0',
    ALERTWIRE_RATE_LIMIT_GLOBAL: '0',
    ALERTWIRE_LOG_LEVEL: 'warn',
    // BENCH_WAL_AUTOCHECKPOINT tries another checkpoint interval (pages) than the default.
    ...(process.env.BENCH_WAL_AUTOCHECKPOINT ? { ALERTWIRE_SQLITE_WAL_AUTOCHECKPOINT: process.env.BENCH_WAL_AUTOCHECKPOINT } : {}),
  };
}

/** Where a benchmarked alertwire keeps its data: the embedded SQLite default, or a fresh PostgreSQL database. */
export type BenchDialect = 'sqlite' | 'postgres';

export const BENCH_POSTGRES_ADMIN = process.env.BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A new, empty PostgreSQL database on 127.0.0.1 for one benchmarked server; dropped by the returned function. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const pg = createRequire(join(ROOT, 'package.json'))('pg') as typeof import('pg');
  const name = `alertwire_bench_${Math.random().toString(16).slice(2, 10)}`;
  const admin = async (text: string) => {
    const client = new pg.Client({ connectionString: BENCH_POSTGRES_ADMIN });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  return { url: BENCH_POSTGRES_ADMIN.replace(/\/[^/]*$/, `/${name}`), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/**
 * A benchmarked server with a fresh data directory (and, on PostgreSQL, a fresh database it
 * drops when it stops) — or, given `sharedDatabase`, a replica on that database, left in place.
 */
export async function startAlertwire(settings: BenchSettings, dialect: BenchDialect = 'sqlite', sharedDatabase?: string): Promise<BenchServer> {
  const { main, runtime } = buildAlertwire();
  const dataDir = mkdtempSync(join(tmpdir(), 'alertwire-bench-'));
  const port = await freePort();
  const database = sharedDatabase ? { url: sharedDatabase, drop: async () => undefined } : dialect === 'postgres' ? await freshPostgresDatabase() : null;
  const env: NodeJS.ProcessEnv = {
    ...benchServerEnv({ port, dataDir, token: TOKEN }),
    ...(database ? { DATABASE_URL: database.url } : {}),
    ALERTWIRE_SQLITE_SYNCHRONOUS: 'FULL',
    // Deliberately no DATABASE_URL / REDIS_URL / ALERTWIRE_CONFIG from the caller's environment;
    // BENCH_* variables pass through (for experiments with a patched build, see BENCH_MAIN).
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_'))),
  };
  const sqlProfile = settings.sqlProfile ? { preload: join(dataDir, 'sql-profile.mjs'), out: join(dataDir, 'sql-profile.json') } : null;
  if (sqlProfile) {
    writeFileSync(sqlProfile.preload, SQL_PROFILE_PRELOAD);
    env.BENCH_ROOT = ROOT;
    env.BENCH_SQL_PROFILE_OUT = sqlProfile.out;
  }
  const args = [
    ...startScriptNodeFlags(),
    ...(runtime === 'tsx' ? ['--import', 'tsx'] : []),
    ...(sqlProfile ? ['--import', pathToFileURL(sqlProfile.preload).href] : []),
    ...(settings.profile ? ['--inspect=127.0.0.1:0'] : []),
    main,
    'serve',
  ];
  const child = track(spawn(process.execPath, args, { cwd: dataDir, env, stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-20_000);
  });
  const origin = `http://${HOST}:${port}`;
  try {
    await waitForHttp(`${origin}/ready`, 30_000, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`alertwire did not start: ${(error as Error).message}\n${stderr}`);
  }
  const profiler = settings.profile ? await Inspector.connect(() => stderr) : null;
  let measuredS = 0;
  let measureStart = 0;
  return {
    name: 'alertwire',
    origin,
    pid: child.pid,
    shape: webhookShape(TOKEN),
    ...(database ? { databaseCpu: postgresCpuSeconds } : {}),
    unappliedJobs: () => (database ? unappliedJobsPostgres(database.url) : Promise.resolve(unappliedJobsSqlite(join(dataDir, 'alertwire.db')))),
    queueSize: () => healthQueueSize(origin),
    unappliedAlerts: () =>
      (database ? unappliedJobsPostgres(database.url, UNAPPLIED_ALERTS_POSTGRES) : Promise.resolve(unappliedJobsSqlite(join(dataDir, 'alertwire.db'), UNAPPLIED_ALERTS_SQLITE))).catch(() => null),
    async beginMeasure() {
      if (sqlProfile) child.kill('SIGUSR2');
      measureStart = performance.now();
      await profiler?.start();
    },
    async endMeasure(scenario: string) {
      if (sqlProfile) child.kill('SIGUSR2');
      measuredS = round((performance.now() - measureStart) / 1000, 1);
      if (!profiler) return;
      const profile = await profiler.stop();
      mkdirSync(join(BENCH_DIR, 'profiles'), { recursive: true });
      const file = join(BENCH_DIR, 'profiles', `${scenario}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      log(`CPU profile of alertwire during ${scenario}: ${file}\n${profileSummary(profile, 25)}`);
    },
    async stop() {
      profiler?.close();
      await stopChild(child, sqlProfile ? 60_000 : 5000);
      if (sqlProfile && existsSync(sqlProfile.out)) {
        const rows = JSON.parse(readFileSync(sqlProfile.out, 'utf8')) as SqlStat[];
        log(`SQL profile of alertwire:\n${sqlProfileSummary(rows, measuredS, 20)}`);
      }
      if (child.exitCode !== 0 && child.signalCode === null && stderr.trim()) log(`alertwire stderr:\n${stderr.slice(-2000)}`);
      const stored = database ? await storedCountsPostgres(database.url) : storedCounts(join(dataDir, 'alertwire.db'));
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
      return stored;
    },
  };
}

const UNAPPLIED = "select count(*) as n from jobs where kind = 'ingest' and state in ('pending', 'running')";
const UNAPPLIED_ALERTS_POSTGRES = "select coalesce(sum((payload::json->>'alerts')::int), 0) as n from jobs where kind = 'ingest' and state in ('pending', 'running')";
const UNAPPLIED_ALERTS_SQLITE = "select coalesce(sum(json_extract(payload, '$.alerts')), 0) as n from jobs where kind = 'ingest' and state in ('pending', 'running')";

async function unappliedJobsPostgres(url: string, text = UNAPPLIED): Promise<number> {
  const pg = createRequire(join(ROOT, 'package.json'))('pg') as typeof import('pg');
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return Number((await client.query<{ n: string }>(text)).rows[0]?.n ?? 0);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function unappliedJobsSqlite(file: string, text = UNAPPLIED): number {
  const Database = createRequire(join(ROOT, 'package.json'))('better-sqlite3') as typeof import('better-sqlite3');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return Number((db.prepare(text).get() as { n: number }).n);
  } finally {
    db.close();
  }
}

async function healthQueueSize(origin: string): Promise<number | null> {
  try {
    const res = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(5000) });
    return ((await res.json()) as { queue_size: number | null }).queue_size;
  } catch {
    return null;
  }
}

/** Seconds until `check` reads 0 (polled every 100 ms), or null when it did not within `limitS`. */
async function secondsUntilZero(check: () => Promise<number | null>, limitS: number): Promise<number | null> {
  const t0 = performance.now();
  while (performance.now() - t0 < limitS * 1000) {
    if ((await check().catch(() => null)) === 0) return round((performance.now() - t0) / 1000, 2);
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

/** The largest value `sample` gave while `during` ran, sampled every 500 ms. */
async function maxWhile<T>(during: Promise<T>, sample: () => Promise<number | null>): Promise<{ result: T; max: number | null }> {
  let max: number | null = null;
  let done = false;
  const sampling = (async () => {
    while (!done) {
      const v = await sample();
      if (v !== null) max = Math.max(max ?? 0, v);
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  const result = await during.finally(() => (done = true));
  await sampling;
  return { result, max };
}

/** The counts of storedCounts, read from a PostgreSQL database. */
async function storedCountsPostgres(url: string): Promise<Record<string, number>> {
  const pg = createRequire(join(ROOT, 'package.json'))('pg') as typeof import('pg');
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const one = async (q: string) => Number((await client.query<{ n: string }>(q)).rows[0]?.n ?? 0);
    return {
      stored_notifications: await one('select count(*) as n from notifications'),
      stored_notified_alerts: await one('select coalesce(sum(alert_count), 0) as n from notifications'),
      stored_alerts: await one('select count(*) as n from alerts'),
      ingest_jobs_unfinished: await one("select count(*) as n from jobs where kind = 'ingest' and state in ('pending', 'running')"),
      jobs_done: await one("select count(*) as n from jobs where state = 'done'"),
      jobs_unfinished: await one("select count(*) as n from jobs where state in ('pending', 'running')"),
      db_mb: round((await one('select pg_database_size(current_database()) as n')) / 1048576, 1),
    };
  } catch (error) {
    log(`could not read the database after the run: ${(error as Error).message}`);
    return {};
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * What the SQLite file holds after the server stopped: proof that acknowledged alerts are there
 * (in the raw notifications; those not applied yet wait in ingest jobs).
 */
function storedCounts(file: string): Record<string, number> {
  try {
    // better-sqlite3 is CommonJS; load it the way the server does.
    const Database = createRequire(join(ROOT, 'package.json'))('better-sqlite3') as typeof import('better-sqlite3');
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const one = (q: string) => Number((db.prepare(q).get() as { n: number }).n);
      return {
        stored_notifications: one('select count(*) as n from notifications'),
        // Acknowledged means stored: the raw notifications hold every acknowledged alert.
        stored_notified_alerts: one('select coalesce(sum(alert_count), 0) as n from notifications'),
        // Applied to alert state so far; the rest waits in ingest jobs and is applied after a restart.
        stored_alerts: one('select count(*) as n from alerts'),
        ingest_jobs_unfinished: one("select count(*) as n from jobs where kind = 'ingest' and state in ('pending', 'running')"),
        jobs_done: one("select count(*) as n from jobs where state = 'done'"),
        jobs_unfinished: one("select count(*) as n from jobs where state in ('pending', 'running')"),
        db_mb: round(
          ((db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number)) / 1048576,
          1,
        ),
      };
    } finally {
      db.close();
    }
  } catch (error) {
    log(`could not read the database after the run: ${(error as Error).message}`);
    return {};
  }
}


// ---------------------------------------------------------------------------------------------
// CPU profiling of the child through the inspector protocol (undici's WebSocket)

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (event) => {
      const msg = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: unknown };
      if (msg.id !== undefined) this.pending.get(msg.id)?.(msg.result ?? msg.error);
    });
  }

  static async connect(stderr: () => string): Promise<Inspector> {
    const deadline = Date.now() + 5000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = /Debugger listening on (ws:\/\/\S+)/.exec(stderr())?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 50));
    }
    if (!url) throw new Error('the child printed no inspector URL');
    const ws = new WebSocket(url);
    await new Promise<void>((resolveOpen, reject) => {
      ws.addEventListener('open', () => resolveOpen());
      ws.addEventListener('error', () => reject(new Error('inspector connection failed')));
    });
    const inspector = new Inspector(ws);
    await inspector.call('Profiler.enable');
    await inspector.call('Profiler.setSamplingInterval', { interval: 500 });
    return inspector;
  }

  call(method: string, params: object = {}): Promise<unknown> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((r) => this.pending.set(id, r));
  }

  async start(): Promise<void> {
    await this.call('Profiler.start');
  }

  async stop(): Promise<CpuProfile> {
    const result = (await this.call('Profiler.stop')) as { profile: CpuProfile };
    return result.profile;
  }

  close(): void {
    this.ws.close();
  }
}

/** Self and inclusive time per function, the busiest first. */
export function profileSummary(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hits = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    hits.set(id, (hits.get(id) ?? 0) + dt);
    total += dt;
  });
  const key = (n: CpuProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(node_modules|src|dist)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, t] of hits) {
    const node = byId.get(id);
    if (!node) continue;
    self.set(key(node), (self.get(key(node)) ?? 0) + t);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n) break;
      const k = key(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + t);
    }
  }
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, t]) => `  ${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  return `  sampled ${(total / 1e6).toFixed(2)} s\n self time:\n${list(self)}\n inclusive time:\n${list(inclusive)}`;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

export interface ScenarioResult extends LoadResult {
  peak_rss_mb: number | null;
  /** Alerts acknowledged with a 2xx, warm-up included; compare with stored_notified_alerts. */
  acknowledged_alerts?: number;
  /**
   * CPU the server itself used in the measured window (all its threads), per request and per
   * alert: steadier than throughput when something else competes for the cores.
   */
  server_cpu_s?: number | null;
  server_cpu_us_per_request?: number | null;
  server_cpu_us_per_alert?: number | null;
  /** The machine's 1-minute load average when the scenario ended: above ~2.5 on 2 cores, something else was running. */
  loadavg_1m?: number;
  [extra: string]: number | string | null | undefined;
}

/**
 * After the load: seconds until every acknowledged alert is applied (no ingest job left), then
 * until /health's queue is empty (analyses and routing done too), from the end of the load.
 */
async function drainTimes(server: BenchServer): Promise<Record<string, number | null>> {
  if (!server.unappliedJobs || !server.queueSize) return {};
  const t0 = performance.now();
  const backlog = (await server.unappliedAlerts?.()) ?? null;
  const applied = await secondsUntilZero(() => server.unappliedJobs?.() ?? Promise.resolve(null), 60);
  const queue = await secondsUntilZero(() => server.queueSize?.() ?? Promise.resolve(null), 30);
  return {
    unapplied_alerts_at_load_end: backlog,
    applied_within_s: applied,
    drain_alerts_per_s: backlog === null || applied === null || applied === 0 ? null : round(backlog / applied, 0),
    queue_empty_within_s: queue === null ? null : round((performance.now() - t0) / 1000, 2),
  };
}

/** Runs every configured scenario, each against a server fresh from `start`. */
export async function runScenarios(
  label: string,
  start: () => Promise<BenchServer>,
  settings: BenchSettings,
): Promise<Record<string, ScenarioResult>> {
  const results: Record<string, ScenarioResult> = {};
  for (const scenario of settings.scenarios) {
    const batch = scenario === 'batch100' ? 100 : 1;
    const server = await start();
    const spec = (durationS: number, connections: number): LoadSpec => ({
      origin: server.origin,
      shape: server.shape,
      batch,
      connections,
      durationS,
    });
    let acknowledged = 0;
    const count = (r: LoadResult) => (acknowledged += (r.requests - r.errors) * r.alerts_per_request);
    let result: LoadResult;
    let cpu0: number | null = null;
    let cpu1: number | null = null;
    let db0: number | null = null;
    let db1: number | null = null;
    let queueMax: number | null = null;
    let unappliedMax: number | null = null;
    let drain: Record<string, number | null> = {};
    let peakAtLoadEnd: number | null = null;
    try {
      if (scenario === 'rate1000') {
        const rateSpec = { ...spec(settings.durationS, settings.connections), rate: settings.rate };
        if (settings.warmupS > 0) count(await nodeFixedRate({ ...rateSpec, durationS: settings.warmupS }));
        await server.beginMeasure?.();
        [cpu0, db0] = [cpuSeconds(server.pid), server.databaseCpu?.() ?? null];
        const unapplied = maxWhile(nodeFixedRate(rateSpec), () => server.unappliedAlerts?.() ?? Promise.resolve(null));
        const sampled = await maxWhile(unapplied, () => server.queueSize?.() ?? Promise.resolve(null));
        result = sampled.result.result;
        unappliedMax = sampled.result.max;
        queueMax = sampled.max;
        [cpu1, db1] = [cpuSeconds(server.pid), server.databaseCpu?.() ?? null];
        await server.endMeasure?.(`${label}-${scenario}`);
      } else if (scenario === 'single' || scenario === 'batch100') {
        const connections = scenario === 'batch100' ? settings.batchConnections : settings.connections;
        if (settings.warmupS > 0) count(await closedLoop(settings.client, spec(settings.warmupS, connections)));
        await server.beginMeasure?.();
        [cpu0, db0] = [cpuSeconds(server.pid), server.databaseCpu?.() ?? null];
        result = await closedLoop(settings.client, spec(settings.durationS, connections));
        [cpu1, db1] = [cpuSeconds(server.pid), server.databaseCpu?.() ?? null];
        await server.endMeasure?.(`${label}-${scenario}`);
      } else {
        throw new Error(`unknown scenario "${scenario}" (single, batch100, rate1000)`);
      }
      count(result);
      // Memory at the end of the load, as before the drain was measured: the drain runs analyses
      // of the whole backlog, which is another workload.
      peakAtLoadEnd = peakRssMb(server.pid);
      // Profiled apart: what the backlog costs once requests stop is what the drain time measures.
      if (settings.profile) await server.beginMeasure?.();
      drain = await drainTimes(server);
      if (settings.profile) await server.endMeasure?.(`${label}-${scenario}-drain`);
    } catch (error) {
      await server.stop();
      throw error;
    }
    const peak = peakAtLoadEnd;
    const stored = await server.stop();
    const cpu = cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null;
    const dbCpu = db0 !== null && db1 !== null ? db1 - db0 : null;
    const answered = result.requests - result.errors;
    results[scenario] = {
      ...result,
      peak_rss_mb: peak,
      server_cpu_s: cpu === null ? null : round(cpu),
      server_cpu_us_per_request: cpu === null || answered === 0 ? null : round((cpu * 1e6) / answered, 0),
      server_cpu_us_per_alert: cpu === null || answered === 0 ? null : round((cpu * 1e6) / (answered * batch), 1),
      ...(dbCpu === null
        ? {}
        : { database_cpu_s: round(dbCpu), database_cpu_us_per_alert: answered === 0 ? null : round((dbCpu * 1e6) / (answered * batch), 1) }),
      acknowledged_alerts: acknowledged,
      ...(queueMax === null ? {} : { queue_size_max: queueMax }),
      ...(unappliedMax === null ? {} : { unapplied_alerts_max: unappliedMax }),
      ...drain,
      loadavg_1m: round(loadavg()[0] ?? 0),
      ...stored,
    };
    const r = results[scenario];
    log(
      `${label} ${scenario}: ${r.requests_per_s} req/s, ${r.alerts_per_s} alerts/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, ` +
        `errors ${r.errors}${r.applied_within_s !== undefined ? `, applied within ${r.applied_within_s} s, queue empty within ${r.queue_empty_within_s} s` : ''}${r.queue_size_max !== undefined ? ` (max ${r.queue_size_max}, alerts waiting to be applied at most ${r.unapplied_alerts_max})` : ''}, server CPU ${r.server_cpu_us_per_alert} µs/alert${r.database_cpu_us_per_alert !== undefined ? `, PostgreSQL CPU ${r.database_cpu_us_per_alert} µs/alert` : ''}, peak RSS ${peak} MB, load ${r.loadavg_1m}${stored.stored_alerts !== undefined ? `, stored ${stored.stored_notified_alerts}/${acknowledged} acknowledged alerts (${stored.stored_alerts} applied), jobs unfinished ${stored.jobs_unfinished}` : ''}`,
    );
  }
  return results;
}

export async function benchIngest(settings: BenchSettings = benchSettings(), dialect: BenchDialect = 'sqlite'): Promise<Record<string, ScenarioResult>> {
  log(`alertwire on ${dialect}: scenarios ${settings.scenarios.join(', ')}; ${settings.durationS} s each after ${settings.warmupS} s warm-up; client ${settings.client}`);
  return runScenarios(dialect === 'sqlite' ? 'alertwire' : `alertwire-${dialect}`, () => startAlertwire(settings, dialect), settings);
}

/**
 * Two replicas on one fresh PostgreSQL database, single-alert POSTs to both at once (half the
 * connections each): what a second replica adds on this host, where both share its two cores
 * with PostgreSQL and the load generator.
 */
export async function benchReplicas(settings: BenchSettings = benchSettings()): Promise<Record<string, unknown>> {
  const database = await freshPostgresDatabase();
  log('alertwire-postgres two replicas: single-alert POSTs spread over both');
  const replicas = [await startAlertwire(settings, 'postgres', database.url), await startAlertwire(settings, 'postgres', database.url)];
  try {
    const spec = (server: BenchServer, durationS: number): LoadSpec => ({
      origin: server.origin,
      shape: server.shape,
      batch: 1,
      connections: Math.max(1, Math.floor(settings.connections / 2)),
      durationS,
    });
    if (settings.warmupS > 0) await Promise.all(replicas.map((r) => closedLoop(settings.client, spec(r, settings.warmupS))));
    const cpu0 = replicas.map((r) => cpuSeconds(r.pid) ?? 0);
    const db0 = postgresCpuSeconds() ?? 0;
    const results = await Promise.all(replicas.map((r) => closedLoop(settings.client, spec(r, settings.durationS))));
    const cpu = replicas.reduce((sum, r, i) => sum + (cpuSeconds(r.pid) ?? 0) - (cpu0[i] ?? 0), 0);
    const dbCpu = (postgresCpuSeconds() ?? 0) - db0;
    const answered = results.reduce((n, r) => n + r.requests - r.errors, 0);
    const drain = await drainTimes(replicas[0] as BenchServer);
    const figures = {
      replicas: 2,
      requests_per_s: results.reduce((n, r) => n + r.requests_per_s, 0),
      per_replica_requests_per_s: results.map((r) => r.requests_per_s),
      p99_ms: Math.max(...results.map((r) => r.p99_ms)),
      errors: results.reduce((n, r) => n + r.errors, 0),
      server_cpu_us_per_alert: answered === 0 ? null : round((cpu * 1e6) / answered, 1),
      database_cpu_us_per_alert: answered === 0 ? null : round((dbCpu * 1e6) / answered, 1),
      ...drain,
    };
    log(`alertwire-postgres two replicas: ${figures.requests_per_s} req/s in all (${figures.per_replica_requests_per_s.join(' + ')}), p99 ${figures.p99_ms} ms, applied within ${drain.applied_within_s ?? "?"} s`);
    return figures;
  } finally {
    for (const r of replicas) await r.stop();
    await database.drop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dialects = (process.env.BENCH_DIALECTS ?? 'sqlite').split(',').filter((d): d is BenchDialect => d === 'sqlite' || d === 'postgres');
  const figures: Record<string, Record<string, ScenarioResult>> = {};
  for (const dialect of dialects) figures[dialect === 'sqlite' ? 'alertwire' : `alertwire_${dialect}`] = await benchIngest(benchSettings(), dialect);
  const replicas = process.env.BENCH_REPLICAS === '1' ? { alertwire_postgres_replicas: await benchReplicas() } : {};
  process.stdout.write(`${JSON.stringify({ ...figures, ...replicas, built_with: buildAlertwire().runtime }, null, 2)}\n`);
}
