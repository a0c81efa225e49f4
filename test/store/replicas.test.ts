// Two stores on one PostgreSQL database stand for two replicas: what they must share (dedup,
// locks) holds across them, and a database that drops every connection crashes neither.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { planAnalysis } from '../../src/analysis/analyze-job.js';
import type { Alert } from '../../src/model/alert.js';
import { pingStore, type Store } from '../../src/store/database.js';
import { ingestNotifications, type InboundNotification, type IngestOptions } from '../../src/store/ingest.js';
import { INGEST_JOB } from '../../src/store/ingest-batch.js';
import { TokenBudget } from '../../src/analysis/token-budget.js';
import { StoredTokenLedger } from '../../src/store/llm-spend.js';
import { POSTGRES_ADMIN_URL, testDatabase, type TestDatabase } from '../support/dialects.js';

const T0 = Date.UTC(2024, 0, 15, 10, 30);

function firing(fingerprint: string): Alert {
  return {
    fingerprint,
    status: 'firing',
    labels: { alertname: 'HaPair', instance: fingerprint },
    annotations: {},
    startsAt: T0,
    endsAt: null,
    generatorURL: '',
    extras: {},
  };
}

function notification(alerts: Alert[], receivedAt: number): InboundNotification {
  return { source: 'webhook', format: 'alertmanager', remoteAddr: '127.0.0.1', body: '{}', receivedAt, alerts };
}

/** Ends every connection to the database but the caller's, as a server restart does. */
async function dropConnections(url: string): Promise<number> {
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    const name = url.slice(url.lastIndexOf('/') + 1);
    const r = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    return r.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

describe('replicas on one PostgreSQL database', () => {
  let db: TestDatabase;
  let a: Store;
  let b: Store;
  const options: IngestOptions = { dedupWindowMs: 60_000, maxAttempts: 5, planJobs: planAnalysis, now: () => T0 };

  before(async () => {
    db = await testDatabase('postgres');
    a = await db.open();
    b = await db.open();
  });
  after(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  it('the same notification applied by both at the same moment is stored once, the other copy a duplicate', async () => {
    for (let pair = 0; pair < 40; pair += 1) {
      const alerts = [firing(`ha${pair}a`), firing(`ha${pair}b`)];
      const [first, second] = await Promise.all([
        ingestNotifications(a, [notification(alerts, T0 + pair)], options),
        ingestNotifications(b, [notification(alerts, T0 + pair + 1)], options),
      ]);
      const stored = [...(first.outcomes[0]?.deduplicated ?? []), ...(second.outcomes[0]?.deduplicated ?? [])].filter((d) => !d).length;
      assert.equal(stored, 2, `pair ${pair}: each alert is stored by exactly one replica`);
      assert.equal(first.jobsEnqueued + second.jobsEnqueued, 1, `pair ${pair}: one analysis, not one per replica`);
    }
  });

  it('a slot held by one replica is refused to the other until it is given back', async () => {
    const held = await a.locks.tryHold(['command:r1:run:0']);
    assert.ok(held);
    assert.equal(await b.locks.tryHold(['command:r1:run:0']), null);
    assert.equal(await a.locks.tryHold(['command:r1:run:0']), null, 'nor twice in one process (session locks are re-entrant)');
    assert.equal(await b.locks.tryHold(['command:r1:run:1', 'command:r1:run:0']), null, 'all or none');
    const other = await b.locks.tryHold(['command:r1:run:1']);
    assert.ok(other, 'the partial attempt gave back what it took');
    await held();
    const now = await b.locks.tryHold(['command:r1:run:0']);
    assert.ok(now);
    await now();
    await other();
  });

  it('spends one LLM token budget for the deployment, not one per replica', async () => {
    const onA = new TokenBudget(1000, new StoredTokenLedger(a));
    const onB = new TokenBudget(1000, new StoredTokenLedger(b));
    await onA.record(800, T0);
    assert.equal(await onB.allows(300, T0 + 1000), false);
    assert.equal(await onB.allows(200, T0 + 1000), true);
    await onB.record(150, T0 + 2000);
    assert.equal(await onA.used(T0 + 3000), 950);
    assert.equal(await onA.allows(100, T0 + 3_600_000 + 60_001), true, 'an hour later the spending has expired');
  });

  it('one action per target at a time across replicas', async () => {
    const order: string[] = [];
    const run = (store: Store, name: string) =>
      store.locks.withLock('target:deployment/prod/web', async () => {
        order.push(`${name} in`);
        await sleep(150);
        order.push(`${name} out`);
      });
    await Promise.all([run(a, 'a'), run(b, 'b')]);
    assert.equal(order.length, 4);
    assert.equal(order[0]?.slice(0, 1), order[1]?.slice(0, 1), `one holder at a time: ${order.join(', ')}`);
  });

  it("hears another replica's commits again after its listening connection was dropped", async () => {
    let woken = 0;
    const stop = a.commits.subscribe(() => (woken += 1));
    try {
      await sleep(300);
      await dropConnections(db.url);
      await sleep(1500);
      const before = woken;
      await ingestNotifications(b, [{ ...notification([firing('after-drop')], T0), deferApply: true }], options);
      const deadline = Date.now() + 3000;
      while (woken === before && Date.now() < deadline) await sleep(50);
      assert.ok(woken > before, 'the commit of the other replica woke this one');
    } finally {
      stop();
    }
  });

  it("is told the kinds of job another replica committed, and not of its own commits", async () => {
    const heard: (readonly string[] | null)[] = [];
    const stop = a.commits.subscribe((kinds) => heard.push(kinds));
    try {
      await sleep(300);
      heard.length = 0;
      await ingestNotifications(a, [{ ...notification([firing('own-commit')], T0), deferApply: true }], options);
      await sleep(400);
      assert.deepEqual(heard, [], 'its own commit is not echoed: it woke its runners itself');
      await ingestNotifications(b, [{ ...notification([firing('their-commit')], T0), deferApply: true }], options);
      const deadline = Date.now() + 3000;
      while (heard.length === 0 && Date.now() < deadline) await sleep(20);
      assert.deepEqual(heard, [[INGEST_JOB]], 'only the runner that applies alerts needs to claim');
    } finally {
      stop();
    }
  });

  it('survives every connection being dropped mid-transaction and mid-lock, and works again', async () => {
    const held = await a.locks.tryHold(['command:r2:run:0']);
    assert.ok(held);
    const transaction = a.db
      .transaction()
      .execute(async (trx) => {
        await trx.selectFrom('alerts').select('fingerprint').limit(1).execute();
        await sleep(400);
        await trx.selectFrom('alerts').select('fingerprint').limit(1).execute();
      })
      .then(
        () => 'committed',
        () => 'failed',
      );
    await sleep(150);
    assert.ok((await dropConnections(db.url)) > 0);
    assert.equal(await transaction, 'failed');
    await pingStore(a);
    await pingStore(b);
    await sleep(1000);
    // The lock connection came back and took back what this process still holds.
    assert.equal(await b.locks.tryHold(['command:r2:run:0']), null);
    await held();
    const freed = await b.locks.tryHold(['command:r2:run:0']);
    assert.ok(freed);
    await freed();
  });
});
