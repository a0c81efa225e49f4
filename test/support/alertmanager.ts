/**
 * A real Prometheus Alertmanager (Debian's prometheus-alertmanager) for end-to-end tests: started
 * on a free loopback port with a given configuration, clustering off, and stopped afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, makeTempDir, type ChildExit } from './child-server.js';

export const ALERTMANAGER_BIN = process.env.ALERTWIRE_TEST_ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';
export const alertmanagerMissing = existsSync(ALERTMANAGER_BIN)
  ? undefined
  : `${ALERTMANAGER_BIN} not found (apt-get install prometheus-alertmanager)`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Alertmanagers still running when this test process exits (a failed test) are killed. */
const liveAlertmanagers = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveAlertmanagers) child.kill('SIGKILL');
});

export interface Alertmanager {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export interface RouteTiming {
  groupBy?: string;
  groupInterval?: string;
  repeatInterval?: string;
}

/** Alertmanager's configuration: everything goes to one webhook receiver, at once (each alert alone unless grouped). */
export function alertmanagerConfig(webhookUrl: string, token: string, timing: RouteTiming = {}): string {
  return [
    'route:',
    '  receiver: alertwire',
    `  group_by: [${JSON.stringify(timing.groupBy ?? '...')}]`,
    '  group_wait: 0s',
    `  group_interval: ${timing.groupInterval ?? '1s'}`,
    `  repeat_interval: ${timing.repeatInterval ?? '1h'}`,
    'receivers:',
    '  - name: alertwire',
    '    webhook_configs:',
    `      - url: ${JSON.stringify(webhookUrl)}`,
    '        send_resolved: true',
    '        http_config:',
    '          authorization:',
    '            type: Bearer',
    `            credentials: ${JSON.stringify(token)}`,
    '',
  ].join('\n');
}

/** Starts Alertmanager on a free loopback port, without clustering, and waits for /-/ready. */
export async function startAlertmanager(config: string): Promise<Alertmanager> {
  for (let attempt = 1; ; attempt++) {
    const dir = makeTempDir('alertwire-am-');
    const configFile = join(dir, 'alertmanager.yml');
    writeFileSync(configFile, config);
    mkdirSync(join(dir, 'data'));
    const port = await freePort();
    const child = spawn(
      ALERTMANAGER_BIN,
      [
        `--config.file=${configFile}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.external-url=http://127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=debug',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    liveAlertmanagers.add(child);
    let output = '';
    const keep = (d: string) => {
      output = (output + d).slice(-64 * 1024);
    };
    child.stdout.setEncoding('utf8').on('data', keep);
    child.stderr.setEncoding('utf8').on('data', keep);
    let status: ChildExit | null = null;
    const exited = new Promise<ChildExit>((resolve) => {
      child.once('exit', (code, signal) => {
        liveAlertmanagers.delete(child);
        resolve((status = { code, signal }));
      });
      child.once('error', (error) => {
        liveAlertmanagers.delete(child);
        keep(`spawn failed: ${error.message}\n`);
        resolve((status = { code: -1, signal: null }));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const stop = async () => {
      if (status === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    };
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (status !== null) {
        await stop();
        if (/address already in use/.test(output) && attempt < 5) break;
        throw new Error(`Alertmanager exited before it was ready:\n${output}`);
      }
      try {
        const response = await fetch(`${url}/-/ready`);
        await response.arrayBuffer();
        if (response.status === 200) return { url, output: () => output, stop };
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`Alertmanager was not ready within 30 s:\n${output}`);
      }
      await sleep(100);
    }
  }
}


/** POST /api/v2/alerts: Alertmanager answers 200 or refuses the whole batch. */
export async function postAlertsTo(am: Alertmanager, alerts: readonly { labels: Record<string, string>; annotations?: Record<string, string>; endsAt?: string; startsAt?: string }[]): Promise<Response> {
  return fetch(`${am.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
}
