import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { JobRunner, type JobKind, type JobResult } from '../../src/jobs/runner.js';
import type { Store } from '../../src/store/database.js';
import { enqueueJobs, findJobs, type ClaimedJob } from '../../src/store/jobs.js';
import { eventually } from '../support/app.js';
import { DIALECTS, storeForSuite, type TestDatabase } from '../support/dialects.js';

const silent = { error() {}, warn() {}, info() {}, debug() {} };

function recordingKind(kind: string, decide: (job: ClaimedJob) => JobResult, seen: ClaimedJob[], dead: string[] = []): JobKind {
  return {
    kind,
    async run(jobs) {
      seen.push(...jobs);
      return jobs.map(decide);
    },
    async onDead(job, error) {
      dead.push(`${String((job.payload as { n: number }).n)}:${error}`);
    },
  };
}

for (const dialect of DIALECTS) {
  describe(`job runner on ${dialect}`, () => {
    let store: Store;
    let db: TestDatabase;
    storeForSuite(dialect, (opened, database) => {
      store = opened;
      db = database;
    });

    const runnerFor = (s: Store, kinds: JobKind[], pollMs = 60_000) =>
      new JobRunner(s, kinds, { concurrency: 4, batchSize: 10, leaseMs: 30_000, pollMs, now: Date.now, log: silent });

    it('while busy, pauses after a batch for busyPauseFactor times as long as it took; a batch claimed while idle sets no pause', async () => {
      await sql`delete from jobs`.execute(store.db);
      let busy = true;
      const starts: number[] = [];
      const slow: JobKind = {
        kind: 'paced',
        async run(jobs) {
          starts.push(performance.now());
          await new Promise((r) => setTimeout(r, 100));
          return jobs.map(() => ({ ok: true }));
        },
      };
      const runner = new JobRunner(store, [slow], {
        ...{ concurrency: 1, batchSize: 1, leaseMs: 30_000, pollMs: 20, now: Date.now, log: silent },
        ...{ busy: () => busy, busyClaimIntervalMs: 0, busyBatchSize: 1, busyPauseFactor: 5 },
      });
      const jobs = (prefix: string) => Array.from({ length: 2 }, (_, i) => ({ kind: 'paced', idempotencyKey: `${prefix}${i}`, payload: { n: i } }));
      await enqueueJobs(store.db, jobs('busy'), Date.now(), 3);
      await runner.start();
      try {
        await eventually(async () => (starts.length === 2 ? true : undefined), 3000, 'both busy batches');
        const busyGap = (starts[1] ?? 0) - (starts[0] ?? 0);
        assert.ok(busyGap >= 550, `the second busy claim came ${Math.round(busyGap)} ms after the first, not after 100 ms + 5 × 100 ms`);
        busy = false;
        await enqueueJobs(store.db, jobs('idle'), Date.now(), 3);
        runner.wake();
        await eventually(async () => (starts.length === 4 ? true : undefined), 3000, 'both idle batches');
        const idleGap = (starts[3] ?? 0) - (starts[2] ?? 0);
        assert.ok(idleGap < 350, `idle claims follow each other (${Math.round(idleGap)} ms)`);
      } finally {
        await runner.stop(1000);
      }
    });

    it('runs enqueued jobs at once when woken, without waiting for the poll', async () => {
      const seen: ClaimedJob[] = [];
      const runner = runnerFor(store, [recordingKind('ok', () => ({ ok: true }), seen)]);
      await runner.start();
      try {
        await enqueueJobs(store.db, [{ kind: 'ok', idempotencyKey: 'w1', payload: { n: 1 } }], Date.now(), 3);
        runner.wake();
        await eventually(async () => (seen.length === 1 ? true : undefined), 2000, 'the job to run');
        await eventually(async () => ((await findJobs(store, { key: 'w1' }))[0]?.state === 'done' ? true : undefined));
      } finally {
        await runner.stop(1000);
      }
    });

    it('retries a failing job and dead-letters it after max attempts, calling onDead once', async () => {
      const seen: ClaimedJob[] = [];
      const dead: string[] = [];
      const runner = runnerFor(store, [recordingKind('flaky', () => ({ ok: false, error: 'nope', retryAt: Date.now() }), seen, dead)], 20);
      await runner.start();
      try {
        await enqueueJobs(store.db, [{ kind: 'flaky', idempotencyKey: 'f1', payload: { n: 7 }, maxAttempts: 3 }], Date.now(), 3);
        runner.wake();
        await eventually(async () => (dead.length === 1 ? true : undefined), 3000, 'dead-letter');
        assert.equal(seen.length, 3);
        assert.deepEqual(dead, ['7:nope']);
        const [row] = await findJobs(store, { key: 'f1' });
        assert.equal(row?.state, 'dead');
        assert.equal(row?.attempts, 3);
      } finally {
        await runner.stop(1000);
      }
    });

    it('leaves the completion to a handler that says it completed the job itself', async () => {
      const seen: ClaimedJob[] = [];
      const runner = runnerFor(store, [recordingKind('self', () => ({ ok: true, completed: true }), seen)]);
      await runner.start();
      try {
        await enqueueJobs(store.db, [{ kind: 'self', idempotencyKey: 'c1', payload: { n: 1 } }], Date.now(), 3);
        runner.wake();
        await eventually(async () => (seen.length === 1 ? true : undefined), 2000, 'the job to run');
        await new Promise((r) => setTimeout(r, 100));
        // This handler only claimed to have completed it: the runner wrote nothing more.
        assert.equal((await findJobs(store, { key: 'c1' }))[0]?.state, 'running');
      } finally {
        await runner.stop(1000);
      }
    });

    it('dead-letters jobs of an unknown kind', async () => {
      const runner = runnerFor(store, [], 20);
      await runner.start();
      try {
        await enqueueJobs(store.db, [{ kind: 'mystery', idempotencyKey: 'm1', payload: {} }], Date.now(), 3);
        runner.wake();
        const row = await eventually(async () => {
          const [r] = await findJobs(store, { key: 'm1' });
          return r?.state === 'dead' ? r : undefined;
        });
        assert.match(row.last_error ?? '', /no handler for job kind "mystery"/);
      } finally {
        await runner.stop(1000);
      }
    });

    it('treats a thrown handler error as a failed attempt', async () => {
      const kind: JobKind = {
        kind: 'throws',
        async run() {
          throw new Error('handler crashed');
        },
      };
      const runner = runnerFor(store, [kind], 20);
      await runner.start();
      try {
        await enqueueJobs(store.db, [{ kind: 'throws', idempotencyKey: 't1', payload: {}, maxAttempts: 1 }], Date.now(), 1);
        runner.wake();
        const row = await eventually(async () => {
          const [r] = await findJobs(store, { key: 't1' });
          return r?.state === 'dead' ? r : undefined;
        });
        assert.equal(row.last_error, 'handler crashed');
      } finally {
        await runner.stop(1000);
      }
    });

    it('on stop, lets running jobs finish before the deadline', async () => {
      let finished = 0;
      const slow: JobKind = {
        kind: 'slow',
        async run(jobs) {
          await new Promise((r) => setTimeout(r, 300));
          finished += jobs.length;
          return jobs.map(() => ({ ok: true }));
        },
      };
      const runner = runnerFor(store, [slow], 20);
      await runner.start();
      await enqueueJobs(store.db, [{ kind: 'slow', idempotencyKey: 's1', payload: {} }], Date.now(), 3);
      runner.wake();
      await new Promise((r) => setTimeout(r, 100));
      await runner.stop(5000);
      assert.equal(finished, 1);
      assert.equal((await findJobs(store, { key: 's1' }))[0]?.state, 'done');
    });

    if (dialect === 'postgres') {
      it("wakes on another replica's commit through LISTEN/NOTIFY", async () => {
        const other = await db.open();
        const seen: ClaimedJob[] = [];
        const runner = runnerFor(store, [recordingKind('remote', () => ({ ok: true }), seen)]);
        await runner.start();
        try {
          await other.db.transaction().execute(async (trx) => {
            await enqueueJobs(trx, [{ kind: 'remote', idempotencyKey: 'r1', payload: { n: 1 } }], Date.now(), 3);
            await sql`select pg_notify('alertwire_jobs', '')`.execute(trx);
          });
          await eventually(async () => (seen.length === 1 ? true : undefined), 2000, 'the NOTIFY wake-up');
        } finally {
          await runner.stop(1000);
          await other.close();
        }
      });
    }
  });
}
