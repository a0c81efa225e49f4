/**
 * `npm run bench`: every benchmark, figures as one JSON document on stdout (progress on stderr).
 * Not a timed test: it never fails on a figure; `targets` says which goals were met.
 *
 *   alertwire      bench/ingest.ts — the real server under load (see there for the knobs)
 *   alertmanager   bench/alertmanager.ts — the same load against Prometheus Alertmanager, where installed
 *   comparison     alertwire / Alertmanager per scenario
 *   templates      bench/template.ts — benchTemplates()
 *   notify         bench/notify.ts — deliveries to a local sink, alert-in → first attempt
 *   postgres       the intake and notify scenarios again on a fresh PostgreSQL database, and two
 *                  replicas sharing one (figures beside SQLite's, with PostgreSQL's own CPU)
 *   analysis       bench/analysis.ts — a 100-alert group over 10,000 alerts of history, report render
 *
 * BENCH_SKIP=alertmanager,templates leaves parts out. See docs/performance.md for the method.
 */
import { closeSync, existsSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { alertmanagerVersion, benchAlertmanager } from './alertmanager.js';
import { benchAnalysis } from './analysis.js';
import { benchIngest, benchReplicas, benchSettings, buildAlertwire, log, ROOT, type ScenarioResult } from './ingest.js';
import { benchNotify } from './notify.js';

const started = performance.now();
const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').map((s) => s.trim()));
const settings = benchSettings();

function diskOf(path: string): string | undefined {
  try {
    // The filesystem the temp data directories live on decides what an fsync costs.
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' '));
    const best = mounts.filter((m) => m[1] && path.startsWith(m[1])).sort((a, b) => (b[1]?.length ?? 0) - (a[1]?.length ?? 0))[0];
    return best ? `${best[2]} on ${best[0]}` : undefined;
  } catch {
    return undefined;
  }
}

/** What one durable commit costs here at least: 4 KiB appended and fdatasync'ed, median and p90 of 50. */
function fsyncProbe(): { median_ms: number; p90_ms: number } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'alertwire-fsync-'));
  try {
    const fd = openSync(join(dir, 'probe'), 'w');
    const page = Buffer.alloc(4096, 1);
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      writeSync(fd, page);
      fdatasyncSync(fd);
      times.push(performance.now() - t0);
    }
    closeSync(fd);
    times.sort((a, b) => a - b);
    const at = (q: number) => Math.round((times[Math.floor(q * (times.length - 1))] ?? 0) * 100) / 100;
    return { median_ms: at(0.5), p90_ms: at(0.9) };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * How fast this machine runs JavaScript: JSON round trips and SHA-256 of a 100-alert payload, the
 * stuff alertwire's work is made of, single-threaded. Median ms of 5 rounds of 200. Figures from
 * different machines compare only after dividing by it (the second session's machine rendered
 * templates 2.2 times as fast as the third's).
 */
function jsProbe(): { median_ms: number } {
  const alerts = Array.from({ length: 100 }, (_, i) => ({
    status: 'firing',
    labels: { alertname: 'HighLatency', instance: `host-${i}:9100`, job: 'node', severity: 'page' },
    annotations: { summary: `latency above 500 ms on host-${i}`, runbook_url: 'https://runbooks.example/latency' },
    startsAt: '2026-11-22T10:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
  }));
  const text = JSON.stringify({ version: '4', status: 'firing', alerts });
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) createHash('sha256').update(JSON.stringify(JSON.parse(text))).digest('hex');
    rounds.push(performance.now() - t0);
  }
  rounds.sort((a, b) => a - b);
  return { median_ms: Math.round((rounds[2] ?? 0) * 100) / 100 };
}

const machine = {
  cpus: cpus().length,
  cpu_model: cpus()[0]?.model.trim(),
  memory_gb: Math.round(totalmem() / 2 ** 30),
  kernel: release(),
  node: process.version,
  tmp_filesystem: diskOf(process.env.TMPDIR ?? '/tmp'),
  fsync_4k: fsyncProbe(),
  js_probe: jsProbe(),
  /** 1-minute load average before the run: above ~0.5 on 2 cores, something else was running. */
  loadavg_1m_at_start: Math.round((loadavg()[0] ?? 0) * 100) / 100,
};

const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  typeof a === 'number' && typeof b === 'number' && b > 0 ? Math.round((a / b) * 100) / 100 : null;

function compare(aw: Record<string, ScenarioResult>, am: Record<string, ScenarioResult>) {
  const out: Record<string, Record<string, number | null>> = {};
  for (const [name, a] of Object.entries(aw)) {
    const b = am[name];
    if (!b) continue;
    out[name] = {
      requests_per_s: ratio(a.requests_per_s, b.requests_per_s),
      alerts_per_s: ratio(a.alerts_per_s, b.alerts_per_s),
      p50_ms: ratio(a.p50_ms, b.p50_ms),
      p99_ms: ratio(a.p99_ms, b.p99_ms),
      peak_rss_mb: ratio(a.peak_rss_mb, b.peak_rss_mb),
    };
  }
  return out;
}

function targets(aw: Record<string, ScenarioResult>) {
  const rss = Object.values(aw)
    .map((r) => r.peak_rss_mb)
    .filter((v): v is number => typeof v === 'number');
  const goal = (measured: number | undefined, target: number, atLeast: boolean) =>
    measured === undefined ? { target, measured: null, met: null } : { target, measured, met: atLeast ? measured >= target : measured <= target };
  return {
    single_requests_per_s: goal(aw.single?.requests_per_s, 5000, true),
    batch100_alerts_per_s: goal(aw.batch100?.alerts_per_s, 50_000, true),
    rate1000_p99_ms: goal(aw.rate1000?.p99_ms, 25, false),
    peak_rss_mb: goal(rss.length ? Math.max(...rss) : undefined, 150, false),
  };
}

/** The goals of scaling out on PostgreSQL (issue 14), against SQLite's figures of the same run. */
function postgresTargets(sqlite: Record<string, ScenarioResult>, pg: Record<string, ScenarioResult>, notify: unknown) {
  const goal = (measured: number | null | undefined, target: number, atLeast: boolean) =>
    typeof measured !== 'number' ? { target, measured: null, met: null } : { target, measured, met: atLeast ? measured >= target : measured <= target };
  const single = pg.single?.requests_per_s;
  const sqliteSingle = sqlite.single?.requests_per_s;
  const throughput = (notify as { throughput?: { deliveries_per_s?: number } } | undefined)?.throughput?.deliveries_per_s;
  return {
    single_requests_per_s: goal(single, 3500, true),
    single_vs_sqlite: goal(ratio(single, sqliteSingle), 0.6, true),
    batch100_alerts_per_s: goal(pg.batch100?.alerts_per_s, 50_000, true),
    rate1000_p99_ms: goal(pg.rate1000?.p99_ms, 25, false),
    // "Under one second's worth of work": fewer alerts waiting to be applied than arrive in a second.
    rate1000_unapplied_alerts_max: goal(pg.rate1000?.unapplied_alerts_max as number | undefined, 1000, false),
    storm_applied_within_s: goal(pg.single?.applied_within_s as number | undefined, 10, false),
    deliveries_per_s: goal(throughput, 2000, true),
  };
}

async function templates(): Promise<Record<string, number> | { error: string } | null> {
  if (!existsSync(join(ROOT, 'bench', 'template.ts'))) return null;
  try {
    // A variable specifier: the file may not exist when this one is type-checked.
    const specifier = './template.js';
    const mod = (await import(specifier)) as { benchTemplates?: () => Promise<Record<string, number>> };
    if (typeof mod.benchTemplates !== 'function') return { error: 'bench/template.ts exports no benchTemplates()' };
    log('templates: bench/template.ts');
    return await mod.benchTemplates();
  } catch (error) {
    log(`bench/template.ts failed: ${(error as Error).stack ?? String(error)}`);
    return { error: (error as Error).message };
  }
}

/** A section of the report that another bench module fills; a failure is reported, not fatal. */
async function section<T>(name: string, run: () => Promise<T>): Promise<T | { error: string } | undefined> {
  if (skip.has(name)) return undefined;
  try {
    log(`${name}: running`);
    return await run();
  } catch (error) {
    log(`${name} failed: ${(error as Error).stack ?? String(error)}`);
    return { error: (error as Error).message };
  }
}

const alertwire = await benchIngest(settings);
const postgres = skip.has('postgres') ? undefined : await section('postgres', async () => ({ single: await benchIngest(settings, 'postgres') }));
const postgresIngest = postgres && 'single' in postgres ? postgres.single : undefined;
const replicaFigures = skip.has('postgres') ? undefined : await section('replicas', () => benchReplicas(settings));
const alertmanager = skip.has('alertmanager') ? null : await benchAlertmanager(settings);
const templateFigures = skip.has('templates') ? null : await templates();
const notifyFigures = await section('notify', () => benchNotify('sqlite'));
const notifyPostgres = skip.has('postgres') ? undefined : await section('notify', () => benchNotify('postgres'));
const analysisFigures = await section('analysis', benchAnalysis);

const report = {
  machine,
  method: {
    server: `alertwire ${buildAlertwire().runtime === 'compiled' ? 'compiled (tsc → .bench/pkg/dist)' : 'through tsx'}, SQLite synchronous=FULL, fresh data directory per scenario, rate limits off`,
    load_client: settings.client,
    duration_s: settings.durationS,
    warmup_s: settings.warmupS,
    connections: { single: settings.connections, batch100: settings.batchConnections, rate1000: settings.connections },
    fixed_rate: settings.rate,
    alertmanager: alertmanager ? alertmanagerVersion() : null,
  },
  alertwire,
  alertmanager: alertmanager ?? undefined,
  comparison: alertmanager ? compare(alertwire, alertmanager) : undefined,
  targets: targets(alertwire),
  alertwire_postgres: postgresIngest,
  alertwire_postgres_replicas: replicaFigures,
  postgres_targets: postgresIngest ? postgresTargets(alertwire, postgresIngest, notifyPostgres) : undefined,
  notify_postgres: notifyPostgres,
  templates: templateFigures ?? undefined,
  notify: notifyFigures,
  analysis: analysisFigures,
  loadavg_1m_at_end: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  elapsed_s: Math.round((performance.now() - started) / 1000),
};

process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
