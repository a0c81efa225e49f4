/**
 * Two replicas on one fresh PostgreSQL database, driven from outside as production drives them:
 * single-alert POSTs to /webhook spread over both, hook POSTs to a command receiver, deliveries
 * to a local sink through one plain and one grouped contact point. Mid-load one replica is
 * killed with SIGKILL and restarted, then PostgreSQL itself is restarted. Clients retry what
 * was not answered 200, as Alertmanager does. Then an Alertmanager HA pair is played (the same
 * notification to both replicas at once), and a per-IP limit is checked across two replicas
 * sharing Redis.
 *
 * Restarting PostgreSQL touches every database on this host: the suite runs its files one at a
 * time (npm test), so nothing else is running meanwhile.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { makeTempDir, randomToken, startChildServer, type ChildServer, type ChildServerOptions } from '../support/child-server.js';
import { testDatabase, type TestDatabase } from '../support/dialects.js';
import { startSink, type Received, type Sink } from '../notify/sink.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SECRET_KEY = 'c4'.repeat(32);
const HOOK_TOKEN = 'chaos-hook-token-0123456789abcdef';
/** Webhook POSTs at least; the load goes on until both faults are over. */
const WEBHOOKS = 900;
/** Between one worker's POSTs: twelve workers make a few hundred requests/s, for long enough to span the faults. */
const WORKER_PAUSE_MS = 25;
const HOOKS = 60;
const HA_PAIRS = 15;
const GROUP_INTERVAL_S = 2;
const STARTS_AT = '2024-05-01T10:00:00Z';

interface Payload {
  alerts: { labels: Record<string, string> }[];
}

function notificationBody(labels: Record<string, string>): string {
  return JSON.stringify({
    version: '4',
    receiver: 'alertwire',
    status: 'firing',
    groupKey: `{}:{n="${labels.n}"}`,
    groupLabels: { n: labels.n },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.test:9093',
    truncatedAlerts: 0,
    alerts: [{ status: 'firing', labels, annotations: { summary: 'chaos' }, startsAt: STARTS_AT, endsAt: '0001-01-01T00:00:00Z' }],
  });
}

function postgresVersion(): string {
  const versions = readdirSync('/etc/postgresql').sort((a, b) => Number(a) - Number(b));
  const version = versions.at(-1);
  if (!version) throw new Error('no PostgreSQL cluster under /etc/postgresql');
  return version;
}

/** Restarts the local PostgreSQL cluster (about 2.5 s), as an operator or a failover would; the load goes on meanwhile. */
async function restartPostgres(): Promise<void> {
  await promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', postgresVersion(), 'main', 'restart'], { timeout: 60_000 });
}

async function waitForPostgres(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function query<Row extends pg.QueryResultRow>(url: string, text: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(text)).rows;
  } finally {
    await client.end();
  }
}

/** Two replicas and what starts, kills and restarts them, with the shared settings. */
class Replicas {
  readonly servers: ChildServer[] = [];
  constructor(private readonly options: ChildServerOptions) {}

  /** Starts them at the same moment, as a rollout does: start-up itself must not race. */
  async start(count: number): Promise<void> {
    const started = await Promise.allSettled(Array.from({ length: count }, () => startChildServer(this.options)));
    for (const s of started) if (s.status === 'fulfilled') this.servers.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  urls(): string[] {
    return this.servers.filter((s) => s.exitStatus() === null).map((s) => s.url);
  }

  async killAndRestart(index: number): Promise<void> {
    const victim = this.servers[index];
    if (!victim) throw new Error(`no replica ${index}`);
    await victim.kill('SIGKILL');
    this.servers[index] = await startChildServer({ ...this.options, dataDir: victim.dataDir });
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.cleanup()));
  }

  output(): string {
    return this.servers.map((s, i) => `--- replica ${i}\n${s.output()}`).join('\n');
  }
}

/**
 * POSTs until a replica answers 200, trying the next one after a refusal, a 5xx or a dead
 * connection, for up to a minute: what Alertmanager does with a webhook receiver.
 */
async function deliverUntilAccepted(urls: () => string[], path: string, body: string, token: string, start: number): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (let attempt = start; Date.now() < deadline; attempt += 1) {
    const all = urls();
    const url = all[attempt % Math.max(1, all.length)];
    if (url) {
      try {
        const res = await fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        await res.arrayBuffer();
        // 202: a hook whose action still runs after the answer timeout; the notification is stored.
        if (res.status === 200 || res.status === 202) return attempt - start;
        assert.ok(res.status >= 500, `${path} answered ${res.status}, which a sender does not retry`);
      } catch (error) {
        if (error instanceof assert.AssertionError) throw error;
      }
    }
    await sleep(100);
  }
  throw new Error(`${path}: no replica accepted the notification within a minute`);
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(200);
  }
}

async function queueSize(url: string): Promise<number | null> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { queue_size: number | null };
    return body.queue_size;
  } catch {
    return null;
  }
}

function markersOf(received: readonly Received[]): { id: string; at: number; markers: string[] }[] {
  return received.map((r) => ({
    id: r.headers['webhook-id'] ?? '',
    at: r.at,
    markers: (JSON.parse(r.body) as Payload).alerts.map((a) => a.labels.n ?? ''),
  }));
}

describe('two replicas on PostgreSQL under kill -9 and a database restart', () => {
  let db: TestDatabase;
  let sink: Sink;
  let replicas: Replicas;
  let commandLog: string;
  let webhookToken: string;

  before(async () => {
    db = await testDatabase('postgres');
    sink = await startSink();
    commandLog = join(makeTempDir('alertwire-chaos-'), 'commands.log');
    webhookToken = randomToken();
    const configYaml = [
      'jobs:',
      '  lease: 2',
      '  poll_interval: 0.5',
      'actions:',
      '  answer_timeout: 10',
      'contact_points:',
      '  - name: plain',
      `    url: ${sink.url}/plain`,
      '  - name: grouped',
      `    url: ${sink.url}/grouped`,
      `    grouping: { group_by: [team], group_wait: 1, group_interval: ${GROUP_INTERVAL_S}, repeat_interval: 3600 }`,
      'receivers:',
      '  - id: remediate',
      '    name: remediate',
      '    kind: command',
      `    token: ${HOOK_TOKEN}`,
      '    action:',
      // One write per run (O_APPEND): two commands running at once must not interleave their lines.
      `      argv: [/bin/sh, -c, 'line=$(cat); printf "%s\\n" "$line" >> "$0"', ${JSON.stringify(commandLog)}]`,
      '      max_concurrent: 0',
      '      max_per_fingerprint: 0',
      '',
    ].join('\n');
    replicas = new Replicas({ databaseUrl: db.url, configYaml, webhookToken, env: { ALERTWIRE_SECRET_KEY: SECRET_KEY } });
    await replicas.start(2);
  });

  after(async () => {
    await replicas?.cleanup();
    await sink?.close();
    await waitForPostgres(db.url).catch(() => undefined);
    await db?.drop();
  });

  it('loses nothing acknowledged, acts once, notifies once per group and interval, and drains on both', async () => {
    const acknowledged: string[] = [];
    let retries = 0;
    let next = 0;
    let faultsOver = false;
    const webhookLoad = async (worker: number) => {
      while (next < WEBHOOKS || !faultsOver) {
        const i = next++;
        const labels = { alertname: 'ChaosLoad', n: `w${i}`, team: `t${i % 4}` };
        const retried = await deliverUntilAccepted(() => replicas.urls(), '/webhook', notificationBody(labels), webhookToken, worker + i);
        retries += retried;
        acknowledged.push(labels.n);
        await sleep(WORKER_PAUSE_MS);
      }
    };
    let nextHook = 0;
    const hookLoad = async () => {
      for (let i = nextHook++; i < HOOKS; i = nextHook++) {
        const labels = { alertname: 'ChaosHook', n: `h${i}`, team: 'hooks' };
        const retried = await deliverUntilAccepted(() => replicas.urls(), '/hooks/remediate', notificationBody(labels), HOOK_TOKEN, i);
        retries += retried;
      }
    };
    const load = Promise.all(Array.from({ length: 12 }, (_, w) => webhookLoad(w)));
    // The hooks run beside the webhook load; their commands finish before the faults: one killed
    // between its journal entry and its start would not run at all (see docs/scaling.md).
    await Promise.all(Array.from({ length: 4 }, hookLoad));
    await waitUntil(
      'every command execution is done',
      async () => (await query<{ n: number }>(db.url, "select count(*)::int as n from executions where state <> 'done'"))[0]?.n === 0,
      30_000,
    );

    const killedAt = acknowledged.length;
    await replicas.killAndRestart(0);
    await waitUntil('the load has gone on for a while after the restart', async () => acknowledged.length >= killedAt + 300, 60_000);
    const restartAt = acknowledged.length;
    await restartPostgres();
    const restartedAt = acknowledged.length;
    await waitUntil('the load has gone on for a while after the database came back', async () => acknowledged.length >= restartedAt + 200, 60_000);
    faultsOver = true;
    await load;
    assert.equal(acknowledged.length, next);

    // An Alertmanager HA pair: the same notification to both replicas at the same moment.
    const [a, b] = replicas.urls();
    assert.ok(a && b, 'both replicas run');
    for (let i = 0; i < HA_PAIRS; i += 1) {
      const webhook = notificationBody({ alertname: 'HaPair', n: `ha${i}`, team: 'ha' });
      const hook = notificationBody({ alertname: 'HaHook', n: `hh${i}`, team: 'hooks' });
      await Promise.all([
        deliverUntilAccepted(() => [a], '/webhook', webhook, webhookToken, 0),
        deliverUntilAccepted(() => [b], '/webhook', webhook, webhookToken, 0),
        deliverUntilAccepted(() => [a], '/hooks/remediate', hook, HOOK_TOKEN, 0),
        deliverUntilAccepted(() => [b], '/hooks/remediate', hook, HOOK_TOKEN, 0),
      ]);
    }

    const expectedPlain = new Set([...acknowledged, ...Array.from({ length: HA_PAIRS }, (_, i) => `ha${i}`)]);
    await waitUntil(
      'both replicas report empty queues and the sink has every alert',
      async () => {
        const sizes = await Promise.all(replicas.urls().map(queueSize));
        const seen = new Set(markersOf(sink.received.filter((r) => r.path === '/plain')).flatMap((m) => m.markers));
        return sizes.length === 2 && sizes.every((s) => s === 0) && [...expectedPlain].every((m) => seen.has(m));
      },
      120_000,
    ).catch(async (error: unknown) => {
      const sizes = await Promise.all(replicas.urls().map(queueSize));
      const seen = new Set(markersOf(sink.received.filter((r) => r.path === '/plain')).flatMap((m) => m.markers));
      const missing = [...expectedPlain].filter((m) => !seen.has(m));
      const jobs = await query(db.url, 'select kind, state, count(*)::int as n from jobs group by 1, 2 order by 1, 2');
      const deliveries = await query(db.url, 'select state, count(*)::int as n from deliveries group by 1 order by 1');
      const state = JSON.stringify({ sizes, missing: missing.length, firstMissing: missing.slice(0, 5), jobs, deliveries });
      throw new Error(`${(error as Error).message}: ${state}\n${replicas.output()}`);
    });

    // 0 acknowledged alerts lost: each is stored, and each reached the plain contact point.
    const stored = new Set(
      (await query<{ n: string }>(db.url, "select labels::json->>'n' as n from alerts where alertname in ('ChaosLoad', 'HaPair')")).map((r) => r.n),
    );
    const lost = acknowledged.filter((n) => !stored.has(n));
    assert.deepEqual(lost, [], `acknowledged alerts missing from the store: ${lost.length}`);

    // Every repeat of a delivery carries the same webhook-id; an HA pair is one delivery.
    const plain = markersOf(sink.received.filter((r) => r.path === '/plain'));
    const idsByMarker = new Map<string, Set<string>>();
    for (const d of plain) for (const m of d.markers) idsByMarker.set(m, (idsByMarker.get(m) ?? new Set()).add(d.id));
    const underTwoIds = [...idsByMarker].filter(([, ids]) => ids.size > 1).map(([m]) => m);
    assert.deepEqual(underTwoIds, [], 'an alert notified under two webhook-ids');
    const arrivals = new Map<string, number>();
    for (const d of plain) arrivals.set(d.id, (arrivals.get(d.id) ?? 0) + 1);
    const repeated = [...arrivals.values()].filter((n) => n > 1).length;
    console.log(`# chaos: kill -9 at ${killedAt} acknowledged, PostgreSQL restarted between ${restartAt} and ${restartedAt}`);
    console.log(`# chaos: ${acknowledged.length} acknowledged, ${retries} POSTs retried after a refusal or a dead connection, ${plain.length} plain deliveries, ${repeated} delivered more than once (same webhook-id)`);

    // The grouped contact point: one notification per group per interval, not one per replica.
    const grouped = markersOf(sink.received.filter((r) => r.path === '/grouped'));
    const byGroup = new Map<string, { id: string; at: number }[]>();
    for (const r of sink.received.filter((x) => x.path === '/grouped')) {
      const team = (JSON.parse(r.body) as { groupLabels: Record<string, string> }).groupLabels.team ?? '';
      const sends = byGroup.get(team) ?? [];
      const id = r.headers['webhook-id'] ?? '';
      // The webhook-id begins with the time its flush made it (ms, base 36): arrival times also
      // hold the delivery's own delays (a retry after the database restart), flush times do not.
      if (!sends.some((s) => s.id === id)) sends.push({ id, at: parseInt(id.slice(4, 13), 36) });
      byGroup.set(team, sends);
    }
    // Hook notifications are routed to contact points too.
    assert.deepEqual([...byGroup.keys()].sort(), ['ha', 'hooks', 't0', 't1', 't2', 't3']);
    for (const [team, sends] of byGroup) {
      sends.sort((x, y) => x.at - y.at);
      const gaps = sends.slice(1).map((s, i) => s.at - (sends[i]?.at ?? 0));
      assert.ok(
        gaps.every((g) => g >= GROUP_INTERVAL_S * 1000 * 0.75),
        `group ${team}: flushes ${GROUP_INTERVAL_S} s apart at least, got gaps ${gaps.join(', ')} ms`,
      );
    }
    assert.ok(grouped.length > 0);

    // Each hook notification ran its command exactly once, HA pairs included.
    const runs = existsSync(commandLog)
      ? readFileSync(commandLog, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => (JSON.parse(line) as Payload).alerts[0]?.labels.n ?? '')
      : [];
    const counts = new Map<string, number>();
    for (const n of runs) counts.set(n, (counts.get(n) ?? 0) + 1);
    const expectedRuns = [...Array.from({ length: HOOKS }, (_, i) => `h${i}`), ...Array.from({ length: HA_PAIRS }, (_, i) => `hh${i}`)];
    assert.deepEqual(expectedRuns.filter((n) => counts.get(n) !== 1), [], `commands not run exactly once: ${JSON.stringify([...counts].filter(([, c]) => c !== 1))}`);
    assert.equal(runs.length, expectedRuns.length);
  });

  it('holds a per-IP limit across two replicas sharing Redis', async () => {
    const prefix = `chaos${Date.now()}`;
    const limited = new Replicas({
      databaseUrl: db.url,
      webhookToken,
      rateLimits: true,
      configYaml: `rate_limit:\n  per_ip: 10\n  global: 0\n  key_prefix: ${prefix}\n`,
      env: { ALERTWIRE_SECRET_KEY: SECRET_KEY, REDIS_URL: 'redis://127.0.0.1:6379' },
    });
    try {
      await limited.start(2);
      const statuses: number[] = [];
      for (let i = 0; i < 30; i += 1) {
        const url = limited.urls()[i % 2];
        const res = await fetch(`${url}/webhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${webhookToken}` },
          body: notificationBody({ alertname: 'Limited', n: `l${i}`, team: 'limits' }),
        });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      assert.equal(statuses.filter((s) => s === 200).length, 10, `10 per minute in all, not per replica: ${statuses.join(' ')}`);
      assert.ok(statuses.slice(10).every((s) => s === 429));
    } finally {
      await limited.cleanup();
    }
  });
});
