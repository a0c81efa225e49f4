/**
 * The same load against Prometheus Alertmanager, for comparison: POST /api/v2/alerts with a JSON
 * array of alerts, each scenario on a fresh process with an empty storage directory, a route to
 * a receiver with no integrations, and clustering off. Alertmanager keeps alerts in memory (its
 * storage holds only silences and the notification log), so it acknowledges without an fsync.
 *
 * Runs only where /usr/bin/prometheus-alertmanager exists (apt-get install -y prometheus-alertmanager).
 * Run alone: node --import tsx bench/alertmanager.ts
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  alertmanagerShape,
  benchSettings,
  freePort,
  log,
  runScenarios,
  stopChild,
  track,
  waitForHttp,
  type BenchServer,
  type BenchSettings,
  type ScenarioResult,
} from './ingest.js';

export const ALERTMANAGER = process.env.BENCH_ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';

const CONFIG = `route:
  receiver: 'null'
receivers:
  - name: 'null'
`;

export function alertmanagerVersion(): string | null {
  if (!existsSync(ALERTMANAGER)) return null;
  const r = spawnSync(ALERTMANAGER, ['--version'], { encoding: 'utf8' });
  return /version (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown';
}

export async function startAlertmanager(): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'alertmanager-bench-'));
  writeFileSync(join(dir, 'alertmanager.yml'), CONFIG);
  const port = await freePort();
  const child = track(spawn(
    ALERTMANAGER,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  ));
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-20_000);
  });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${origin}/-/ready`, 30_000, child);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`alertmanager did not start: ${(error as Error).message}\n${stderr}`);
  }
  return {
    name: 'alertmanager',
    origin,
    pid: child.pid,
    shape: alertmanagerShape(),
    async stop() {
      await stopChild(child, 5000);
      rmSync(dir, { recursive: true, force: true });
      return {};
    },
  };
}

export async function benchAlertmanager(settings: BenchSettings = benchSettings()): Promise<Record<string, ScenarioResult> | null> {
  if (!existsSync(ALERTMANAGER)) {
    log(`${ALERTMANAGER} not found; skipping the Alertmanager comparison (apt-get install -y prometheus-alertmanager)`);
    return null;
  }
  log(`alertmanager ${alertmanagerVersion()}: scenarios ${settings.scenarios.join(', ')}`);
  return runScenarios('alertmanager', startAlertmanager, { ...settings, profile: false, sqlProfile: false });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const figures = await benchAlertmanager();
  process.stdout.write(`${JSON.stringify({ alertmanager: figures }, null, 2)}\n`);
}
