/**
 * Delivery survives `kill -9`: the real CLI runs as a child process with a provisioned contact
 * point; 2,000 single-alert notifications are posted (2,000 deliveries) and the server is
 * SIGKILLed while deliveries are going out. After a restart on the same data, every
 * acknowledged alert reaches the sink, and every repeat carries the same webhook-id.
 * SQLite and PostgreSQL (a fresh database; skipped without a server, except under CI=true).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Pool } from 'undici';
import { makeTempDir, startChildServer, type ChildServer } from '../support/child-server.js';
import { testDatabase } from '../support/dialects.js';
import { startSink, type Sink } from '../notify/sink.js';

const TOTAL = 2000;
const CLIENTS = 32;
/** Kill once every notification was acknowledged and deliveries are under way. */
const KILL_AFTER_ACKS = TOTAL;
const DEADLINE_MS = 90_000;

function configYaml(sinkUrl: string): string {
  return [
    'jobs:',
    '  lease: 3',
    '  poll_interval: 0.2',
    // A hundred deliveries in flight, so most are still queued when the kill comes.
    '  delivery_concurrency: 100',
    'contact_points:',
    '  - id: crash-sink',
    '    name: crash sink',
    `    url: ${sinkUrl}/hook`,
    '    signing: { type: hmac, secret: crash-secret }',
    '    retry: { schedule: [0, 0.5, 1], max_age: 600 }',
    '',
  ].join('\n');
}

function alertBody(run: string, seq: number): string {
  return JSON.stringify({
    version: '4',
    status: 'firing',
    alerts: [{ status: 'firing', labels: { alertname: 'NotifyCrash', run, seq: String(seq) }, startsAt: '2024-05-01T00:00:00Z' }],
  });
}

/** Posts until done or until `stop()` says so; returns the sequence numbers answered 200. */
async function burst(server: ChildServer, run: string, stop: () => boolean, acked: Set<number>): Promise<Set<number>> {
  const pool = new Pool(server.url, { connections: CLIENTS, headersTimeout: 30_000, bodyTimeout: 30_000 });
  let next = 0;
  const client = async () => {
    while (!stop() && next < TOTAL) {
      const seq = next++;
      try {
        const r = await pool.request({
          path: '/webhook',
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${server.webhookToken}` },
          body: alertBody(run, seq),
        });
        await r.body.text();
        if (r.statusCode === 200) acked.add(seq);
      } catch {
        if (stop()) return;
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  await pool.destroy();
  return acked;
}

function seqOf(body: string): number {
  const parsed = JSON.parse(body) as { alerts: { labels: { seq: string } }[] };
  return Number(parsed.alerts[0]?.labels.seq);
}

async function crashRun(databaseUrl: string, dataDir: string): Promise<void> {
  const run = randomBytes(4).toString('hex');
  // A receiver that takes half a second per request keeps many deliveries in flight and queued.
  const sink: Sink = await startSink(() => ({ status: 200, delayMs: 500 }));
  const tokens = { webhookToken: 'crash-webhook', adminToken: 'crash-admin' };
  let server = await startChildServer({ dataDir, databaseUrl, configYaml: configYaml(sink.url), ...tokens });
  try {
    let killed = false;
    const acked = new Set<number>();
    const watcher = (async () => {
      while ((acked.size < KILL_AFTER_ACKS || sink.received.length < 100) && server.exitStatus() === null) await new Promise((r) => setTimeout(r, 2));
      killed = true;
      await server.kill('SIGKILL');
    })();
    await burst(server, run, () => killed, acked);
    await watcher;
    const atKill = sink.received.length;
    assert.ok(atKill + 200 < acked.size, `the kill came mid-burst (${atKill} delivered of ${acked.size} acknowledged)`);

    server = await startChildServer({ dataDir, databaseUrl, configYaml: configYaml(sink.url), ...tokens });
    const deadline = Date.now() + DEADLINE_MS;
    const missing = () => {
      const seen = new Set(sink.received.map((r) => seqOf(r.body)));
      return [...acked].filter((s) => !seen.has(s));
    };
    while (missing().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(missing().slice(0, 20), [], `${missing().length} acknowledged alerts never delivered`);

    // Every repeat carries the webhook-id of the first delivery of that alert.
    const idBySeq = new Map<number, string>();
    let repeats = 0;
    for (const r of sink.received) {
      const seq = seqOf(r.body);
      const id = r.headers['webhook-id'] ?? '';
      const first = idBySeq.get(seq);
      if (first === undefined) idBySeq.set(seq, id);
      else {
        repeats++;
        assert.equal(id, first, `repeat of alert ${seq} carries another webhook-id`);
      }
    }
    assert.equal(new Set(idBySeq.values()).size, idBySeq.size, 'webhook-ids are unique per alert');
    process.stderr.write(`notify crash (${databaseUrl ? 'postgres' : 'sqlite'}): ${acked.size} acknowledged, ${atKill} delivered before the kill, ${repeats} repeats\n`);
  } finally {
    await server.cleanup();
    await sink.close();
  }
}

describe('kill -9 during a burst of deliveries', () => {
  it('on SQLite: every acknowledged alert is delivered after restart, repeats keep their webhook-id', async () => {
    const dataDir = makeTempDir('alertwire-notify-crash-');
    await crashRun('', dataDir);
  });

  it('on PostgreSQL: the same', async () => {
    const db = await testDatabase('postgres');
    try {
      await crashRun(db.url, db.dataDir);
    } finally {
      await db.drop();
    }
  });
});
