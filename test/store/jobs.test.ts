import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Store } from '../../src/store/database.js';
import { claimDueJobs, completeJobs, enqueueJobs, failJob, findJobs, releaseJobs, releaseOrphanedJobs, renewLeases } from '../../src/store/jobs.js';
import { DIALECTS, storeForSuite, testDatabase, type TestDatabase } from '../support/dialects.js';

const NOW = 1_700_000_000_000;
const LEASE = 30_000;

for (const dialect of DIALECTS) {
  describe(`job queue on ${dialect}`, () => {
    let store: Store;
    let db: TestDatabase;
    storeForSuite(dialect, (opened, database) => {
      store = opened;
      db = database;
    });
    beforeEach(async () => {
      await sql`delete from jobs`.execute(store.db);
    });

    const enqueue = (n: number, extra: { runAt?: number; maxAttempts?: number } = {}) =>
      enqueueJobs(
        store.db,
        Array.from({ length: n }, (_, i) => ({ kind: 'test', idempotencyKey: `k${i}`, payload: { i }, ...extra })),
        NOW,
        3,
      );

    it('ignores a second enqueue with the same idempotency key', async () => {
      assert.equal(await enqueue(3), 3);
      assert.equal(await enqueue(3), 0);
      assert.equal((await findJobs(store, { kind: 'test' })).length, 3);
    });

    it('claims due jobs with a lease and not jobs scheduled later', async () => {
      await enqueue(2);
      await enqueueJobs(store.db, [{ kind: 'test', idempotencyKey: 'later', payload: {}, runAt: NOW + 60_000 }], NOW, 3);
      const claimed = await claimDueJobs(store, { owner: 'w1', limit: 10, leaseMs: LEASE, now: NOW });
      assert.deepEqual(claimed.map((j) => j.payload), [{ i: 0 }, { i: 1 }]);
      assert.ok(claimed.every((j) => j.attempts === 1 && j.owner === 'w1'));
      assert.equal((await claimDueJobs(store, { owner: 'w2', limit: 10, leaseMs: LEASE, now: NOW })).length, 0, 'leased jobs are not claimed twice');
    });

    it('completes a job only with its owner token', async () => {
      await enqueue(1);
      const [job] = await claimDueJobs(store, { owner: 'w1', limit: 1, leaseMs: LEASE, now: NOW });
      assert.ok(job);
      assert.equal(await completeJobs(store.db, [{ id: job.id, owner: 'intruder' }], NOW), 0);
      assert.equal(await completeJobs(store.db, [{ id: job.id, owner: 'w1' }], NOW), 1);
      assert.equal((await findJobs(store, { key: 'k0' }))[0]?.state, 'done');
    });

    it("gives a crashed worker's job to another after the lease expires, and fences the old owner", async () => {
      await enqueue(1);
      const [first] = await claimDueJobs(store, { owner: 'dead-worker', limit: 1, leaseMs: LEASE, now: NOW });
      assert.ok(first);
      assert.equal((await claimDueJobs(store, { owner: 'w2', limit: 1, leaseMs: LEASE, now: NOW + LEASE - 1 })).length, 0);
      const [second] = await claimDueJobs(store, { owner: 'w2', limit: 1, leaseMs: LEASE, now: NOW + LEASE + 1 });
      assert.equal(second?.id, first.id);
      assert.equal(second?.attempts, 2);
      assert.equal(await completeJobs(store.db, [{ id: first.id, owner: 'dead-worker' }], NOW + LEASE + 2), 0);
      assert.equal(await completeJobs(store.db, [{ id: first.id, owner: 'w2' }], NOW + LEASE + 2), 1);
    });

    it('renewing a lease keeps the job from being reclaimed', async () => {
      await enqueue(1);
      await claimDueJobs(store, { owner: 'w1', limit: 1, leaseMs: LEASE, now: NOW });
      await renewLeases(store, ['w1'], LEASE, NOW + LEASE - 1000);
      assert.equal((await claimDueJobs(store, { owner: 'w2', limit: 1, leaseMs: LEASE, now: NOW + LEASE + 1 })).length, 0);
    });

    it('retries a failed job at the given time and dead-letters it after max attempts', async () => {
      await enqueue(1, { maxAttempts: 2 });
      const [a1] = await claimDueJobs(store, { owner: 'w', limit: 1, leaseMs: LEASE, now: NOW });
      assert.ok(a1);
      assert.equal(await failJob(store, a1, 'boom 1', NOW + 5000, NOW), 'pending');
      assert.equal((await claimDueJobs(store, { owner: 'w', limit: 1, leaseMs: LEASE, now: NOW + 4999 })).length, 0, 'not before its retry time');
      const [a2] = await claimDueJobs(store, { owner: 'w', limit: 1, leaseMs: LEASE, now: NOW + 5000 });
      assert.ok(a2);
      assert.equal(a2.attempts, 2);
      assert.equal(await failJob(store, a2, 'boom 2', NOW + 10_000, NOW + 5000), 'dead');
      const [row] = await findJobs(store, { key: 'k0' });
      assert.equal(row?.state, 'dead');
      assert.equal(row?.last_error, 'boom 2');
      assert.equal((await claimDueJobs(store, { owner: 'w', limit: 1, leaseMs: LEASE, now: NOW + 99_999_999 })).length, 0);
    });

    it('dead-letters at once when no retry time is given', async () => {
      await enqueue(1);
      const [job] = await claimDueJobs(store, { owner: 'w', limit: 1, leaseMs: LEASE, now: NOW });
      assert.ok(job);
      assert.equal(await failJob(store, job, 'permanent', null, NOW), 'dead');
    });

    it('releases jobs without counting the attempt', async () => {
      await enqueue(1);
      const [job] = await claimDueJobs(store, { owner: 'w', limit: 1, leaseMs: LEASE, now: NOW });
      assert.ok(job);
      await releaseJobs(store, [job], NOW);
      const [again] = await claimDueJobs(store, { owner: 'w2', limit: 1, leaseMs: LEASE, now: NOW });
      assert.equal(again?.attempts, 1);
    });

    it('claims only the kinds asked for, each kind in its own order, starting from the kind it is told', async () => {
      await enqueueJobs(
        store.db,
        ['deliver', 'analyze', 'deliver', 'act'].map((kind, i) => ({ kind, idempotencyKey: `kind${i}`, payload: { i } })),
        NOW,
        3,
      );
      const deliveries = await claimDueJobs(store, { owner: 'd', limit: 10, leaseMs: LEASE, now: NOW, kinds: ['deliver'] });
      assert.deepEqual(deliveries.map((j) => j.kind), ['deliver', 'deliver']);
      const first = await claimDueJobs(store, { owner: 'o', limit: 1, leaseMs: LEASE, now: NOW, kinds: ['analyze', 'act'], firstKind: 1 });
      assert.deepEqual(first.map((j) => j.kind), ['act'], 'the kind to start from is claimed first, though its job is younger');
      const others = await claimDueJobs(store, { owner: 'o', limit: 10, leaseMs: LEASE, now: NOW, kinds: ['analyze', 'act'] });
      assert.deepEqual(others.map((j) => j.kind), ['analyze']);
    });

    it('never hands the same job to two concurrent claimers', async () => {
      await enqueue(300);
      const second = await db.open();
      try {
        const claims = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            claimDueJobs(i % 2 ? store : second, { owner: `c${i}`, limit: 40, leaseMs: LEASE, now: NOW }),
          ),
        );
        const ids = claims.flat().map((j) => j.id);
        assert.equal(new Set(ids).size, ids.length, 'no job claimed twice');
        assert.equal(ids.length, 300);
      } finally {
        await second.close();
      }
    });
  });
}

describe('orphaned jobs on SQLite', () => {
  it('are due again at start, keeping their order and attempts', async () => {
    const db = await testDatabase('sqlite');
    const store = await db.open();
    try {
      await enqueueJobs(store.db, [1, 2].map((i) => ({ kind: 'test', idempotencyKey: `o${i}`, payload: { i } })), NOW, 3);
      await claimDueJobs(store, { owner: 'crashed', limit: 2, leaseMs: LEASE, now: NOW });
      assert.equal(await releaseOrphanedJobs(store, NOW + 1), 2);
      const again = await claimDueJobs(store, { owner: 'restarted', limit: 5, leaseMs: LEASE, now: NOW + 2 });
      assert.deepEqual(again.map((j) => [j.payload, j.attempts]), [[{ i: 1 }, 2], [{ i: 2 }, 2]]);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
