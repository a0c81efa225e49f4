import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { makeTempDir, REPO_ROOT, startChildServer } from '../support/child-server.js';

function jobStates(dataDir: string, kind = '%'): Record<string, number> {
  const db = new Database(join(dataDir, 'alertwire.db'), { readonly: true });
  try {
    const rows = db.prepare('select state, count(*) as n from jobs where kind like ? group by state').all(kind) as { state: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  } finally {
    db.close();
  }
}

function storedRows(dataDir: string, query: string): Record<string, unknown>[] {
  const db = new Database(join(dataDir, 'alertwire.db'), { readonly: true });
  try {
    return db.prepare(query).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

describe('the server process', () => {
  it('prints generated tokens and an alertmanager.yml snippet on first start only', async () => {
    const dataDir = makeTempDir();
    const env = { ALERTWIRE_WEBHOOK_TOKEN: '', ALERTWIRE_ADMIN_TOKEN: '' };
    const first = await startChildServer({ dataDir, env });
    let credentials: { webhook_token: string; admin_token: string };
    try {
      credentials = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as typeof credentials;
      assert.equal(statSync(join(dataDir, 'credentials.json')).mode & 0o777, 0o600);
      const out = first.output();
      assert.ok(out.includes(`credentials: '${credentials.webhook_token}'`), 'snippet carries the webhook token');
      assert.ok(out.includes(credentials.admin_token));
      const res = await fetch(`${first.url}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${credentials.webhook_token}` },
        body: JSON.stringify({ alerts: [{ labels: { alertname: 'FirstStart' } }] }),
      });
      assert.equal(res.status, 200);
    } finally {
      await first.stop();
    }
    const second = await startChildServer({ dataDir, env });
    try {
      assert.ok(!second.output().includes(credentials.webhook_token), 'tokens are not printed again');
    } finally {
      await second.cleanup();
    }
  });

  it('started with npm start, stops on a SIGTERM to npm (what docker stop and Kubernetes send PID 1)', async () => {
    const server = await startChildServer({ npmStart: true });
    try {
      assert.equal((await fetch(`${server.url}/health`)).status, 200);
      const exit = await Promise.race([server.kill('SIGTERM'), sleep(15_000).then(() => null)]);
      assert.equal(exit?.code, 0, `npm start did not end on SIGTERM: ${server.output()}`);
      await assert.rejects(fetch(`${server.url}/health`, { signal: AbortSignal.timeout(2000) }), 'nothing answers once npm has exited');
      assert.match(server.output(), /"signal":"SIGTERM","msg":"draining"/);
    } finally {
      await server.cleanup();
    }
  });

  it('drains on SIGTERM: answered requests are stored, running jobs finish, exit code 0', async () => {
    const server = await startChildServer();
    const answered: string[] = [];
    let refused = 0;
    const send = async (i: number) => {
      try {
        const res = await fetch(`${server.url}/webhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${server.webhookToken}` },
          body: JSON.stringify({ alerts: [{ labels: { alertname: 'Drain', n: String(i) }, fingerprint: `drain-${i}` }] }),
        });
        if (res.status === 200) answered.push(`drain-${i}`);
        else refused++;
        await res.arrayBuffer();
      } catch {
        refused++;
      }
    };
    let next = 0;
    const client = async () => {
      while (next < 2000) await send(next++);
    };
    const clients = Array.from({ length: 16 }, client);
    while (answered.length < 100) await new Promise((r) => setTimeout(r, 5));
    const exit = await server.kill('SIGTERM');
    next = 2000;
    await Promise.all(clients);
    assert.deepEqual(exit, { code: 0, signal: null }, server.output());
    assert.ok(answered.length > 0, 'some requests were answered before the drain');
    // Acknowledged means durable: each answered notification is stored, if not yet applied.
    const raw = storedRows(server.dataDir, 'select body from notifications').map((r) => String(r.body)).join('\n');
    for (const fp of answered) assert.ok(raw.includes(`"fingerprint":"${fp}"`), `${fp} was answered 200 and must be stored`);
    const states = jobStates(server.dataDir);
    assert.equal(states.running ?? 0, 0, 'no job is left leased by the stopped process');
    assert.equal(states.dead ?? 0, 0);
    const restarted = await startChildServer({ dataDir: server.dataDir, webhookToken: server.webhookToken });
    try {
      const deadline = Date.now() + 20_000;
      while ((jobStates(server.dataDir).pending ?? 0) + (jobStates(server.dataDir).running ?? 0) > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const after = jobStates(server.dataDir);
      assert.equal((after.pending ?? 0) + (after.running ?? 0), 0, `every queued job completes after restart: ${JSON.stringify(after)}`);
      const alerts = new Set(storedRows(server.dataDir, 'select fingerprint from alerts').map((r) => String(r.fingerprint)));
      for (const fp of answered) assert.ok(alerts.has(fp), `${fp} was answered 200 and is applied after the restart`);
      assert.equal(jobStates(server.dataDir, 'analyze').done, answered.length, 'one analysis per answered alert');
    } finally {
      await restarted.cleanup();
      await server.cleanup();
    }
  });

  it('renders a template against a payload with `alertwire template render`, errors on stderr with exit 1', () => {
    const dir = makeTempDir();
    const data = join(dir, 'payload.json');
    const good = join(dir, 'good.tmpl');
    const bad = join(dir, 'bad.tmpl');
    writeFileSync(data, JSON.stringify({ version: '4', status: 'firing', groupLabels: { alertname: 'X' }, commonLabels: { alertname: 'X' }, alerts: [{ status: 'firing', labels: { alertname: 'X' }, startsAt: '2024-01-15T10:30:00Z' }] }));
    writeFileSync(good, '{{ template "default.title" . }}|{{ (index .Alerts 0).StartsAt.Format "2006-01-02 15:04" }}');
    writeFileSync(bad, 'line one\n{{ .Oops ');
    const cli = (tmpl: string) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'main.ts'), 'template', 'render', '--template', tmpl, '--data', data], { cwd: REPO_ROOT, encoding: 'utf8' });
    const ok = cli(good);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, '[FIRING:1] X |2024-01-15 10:30');
    const failed = cli(bad);
    assert.equal(failed.status, 1);
    assert.equal(failed.stdout, '');
    assert.match(failed.stderr, /bad\.tmpl:2:/);
  });

  it('runs as `alertwire` through the package bin', () => {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'alertwire.js'), '--help'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Usage: alertwire \[command\] \[options\]/);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    assert.equal(pkg.bin.alertwire, 'bin/alertwire.js');
  });
});
