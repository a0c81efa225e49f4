import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planAnalysis } from '../../src/analysis/analyze-job.js';
import type { Alert } from '../../src/model/alert.js';
import { getAlert, listOccurrences } from '../../src/store/alerts.js';
import type { Store } from '../../src/store/database.js';
import { GroupCommitter } from '../../src/store/group-commit.js';
import {
  applyStoredNotifications,
  hasUnappliedNotifications,
  INGEST_JOB,
  ingestJobIds,
  ingestNotifications,
  loadNotifications,
  purgeRawNotifications,
  type InboundNotification,
  type IngestOptions,
} from '../../src/store/ingest.js';
import { claimDueJobs, findJobs } from '../../src/store/jobs.js';
import { DIALECTS, storeForSuite } from '../support/dialects.js';

const T0 = Date.UTC(2024, 0, 15, 10, 30);

/** Analyze jobs whose group includes `fingerprint`. */
function analyzeJobsFor(jobs: readonly { payload: string }[], fingerprint: string) {
  return jobs.filter((j) => (JSON.parse(j.payload) as { alerts: { fingerprint: string }[] }).alerts.some((a) => a.fingerprint === fingerprint));
}

function alert(fingerprint: string, status: 'firing' | 'resolved', startsAt = T0, labels: Record<string, string> = {}): Alert {
  return {
    fingerprint,
    status,
    labels: { alertname: `A-${fingerprint}`, ...labels },
    annotations: { summary: 's' },
    startsAt,
    endsAt: status === 'resolved' ? startsAt + 60_000 : null,
    generatorURL: '',
    extras: {},
  };
}

/** The test's clock: notifications arrive at it unless told otherwise. */
let clock = T0;

function notification(alerts: Alert[], receivedAt = clock): InboundNotification {
  return { source: 'webhook', format: 'generic', remoteAddr: '127.0.0.1', body: '{}', receivedAt, alerts };
}

for (const dialect of DIALECTS) {
  describe(`ingest on ${dialect}`, () => {
    let store: Store;
    storeForSuite(dialect, (opened) => (store = opened));
    const options: IngestOptions = { dedupWindowMs: 60_000, maxAttempts: 5, planJobs: planAnalysis, now: () => clock };

    it('writes the alert, its occurrence, the raw notification and one analyze job in one transaction', async () => {
      clock = T0;
      const { outcomes, jobsEnqueued } = await ingestNotifications(store, [notification([alert('f1', 'firing')])], options);
      assert.deepEqual(outcomes, [{ deduplicated: [false] }]);
      assert.equal(jobsEnqueued, 1);
      const row = await getAlert(store, 'f1');
      assert.equal(row?.status, 'firing');
      assert.equal(row?.occurrence_count, 1);
      assert.equal(row?.received_count, 1);
      assert.equal((await listOccurrences(store, 'f1')).length, 1);
      assert.equal(analyzeJobsFor(await findJobs(store, { kind: 'analyze' }), 'f1').length, 1);
      const raw = await store.db.selectFrom('notifications').selectAll().execute();
      assert.equal(raw.length, 1);
    });

    it('deduplicates the same fingerprint + status + startsAt within the window, not after it', async () => {
      clock = T0 + 10_000;
      const again = await ingestNotifications(store, [notification([alert('f1', 'firing')])], options);
      assert.deepEqual(again.outcomes, [{ deduplicated: [true] }]);
      assert.equal((await getAlert(store, 'f1'))?.received_count, 1);
      clock = T0 + 61_000;
      const later = await ingestNotifications(store, [notification([alert('f1', 'firing')])], options);
      assert.deepEqual(later.outcomes, [{ deduplicated: [false] }]);
      assert.equal(later.jobsEnqueued, 0, 'the same episode is not analysed twice');
      const row = await getAlert(store, 'f1');
      assert.equal(row?.received_count, 2);
      assert.equal(row?.occurrence_count, 1);
    });

    it('deduplicates per source: the same alert from another source is stored, with its own count', async () => {
      clock = T0;
      const fromHook = { ...notification([alert('f5', 'firing')]), source: 'receiver:r1' };
      const first = await ingestNotifications(store, [notification([alert('f5', 'firing')]), fromHook], options);
      assert.deepEqual(first.outcomes, [{ deduplicated: [false] }, { deduplicated: [false] }]);
      clock = T0 + 1000;
      const again = await ingestNotifications(store, [{ ...fromHook }], options);
      assert.deepEqual(again.outcomes, [{ deduplicated: [true] }]);
      const receipts = await store.db.selectFrom('receipts').selectAll().where('fingerprint', '=', 'f5').orderBy('source').execute();
      assert.deepEqual(receipts.map((r) => [r.source, r.seq]), [['receiver:r1', 1], ['webhook', 1]]);
      assert.equal((await getAlert(store, 'f5'))?.received_count, 2);
    });

    it('deduplicates repeats inside one batch', async () => {
      clock = T0;
      const { outcomes } = await ingestNotifications(
        store,
        [notification([alert('f2', 'firing'), alert('f2', 'firing')]), notification([alert('f2', 'firing')])],
        options,
      );
      assert.deepEqual(outcomes, [{ deduplicated: [false, true] }, { deduplicated: [true] }]);
    });

    it('closes the occurrence when the alert resolves and opens a new one when it fires again', async () => {
      clock = T0 + 120_000;
      await ingestNotifications(store, [notification([alert('f3', 'firing')])], options);
      await ingestNotifications(store, [notification([alert('f3', 'resolved')])], options);
      const later = T0 + 3_600_000;
      clock = later;
      await ingestNotifications(store, [notification([alert('f3', 'firing', later)])], options);
      const occurrences = await listOccurrences(store, 'f3');
      assert.deepEqual(
        occurrences.map((o) => [o.starts_at, o.ends_at, o.status]),
        [
          [later, null, 'firing'],
          [T0, T0 + 60_000, 'resolved'],
        ],
      );
      const row = await getAlert(store, 'f3');
      assert.equal(row?.occurrence_count, 2);
      assert.equal(row?.status, 'firing');
      assert.equal(row?.starts_at, later);
      // One analysis per firing episode; the resolution only updates the timeline.
      assert.equal(analyzeJobsFor(await findJobs(store, { kind: 'analyze' }), 'f3').length, 2);
    });

    it('records a late notification of an older episode without rolling the alert back', async () => {
      clock = T0 + 7_200_000;
      await ingestNotifications(store, [notification([alert('f3', 'resolved', T0 - 86_400_000)])], options);
      const row = await getAlert(store, 'f3');
      assert.equal(row?.status, 'firing');
      assert.equal((await listOccurrences(store, 'f3')).length, 3);
    });

    it('continues the firing episode when a repeat omits startsAt, and opens one after it resolved', async () => {
      clock = T0;
      const implied = (status: 'firing' | 'resolved', at: number): Alert => ({ ...alert('f4', status, at), startsAtImplied: true });
      await ingestNotifications(store, [notification([implied('firing', T0)])], options);
      clock = T0 + 120_000;
      await ingestNotifications(store, [notification([implied('firing', clock)])], options);
      assert.equal((await listOccurrences(store, 'f4')).length, 1);
      assert.equal((await getAlert(store, 'f4'))?.starts_at, T0);
      await ingestNotifications(store, [notification([alert('f4', 'resolved', T0)])], options);
      clock = T0 + 240_000;
      await ingestNotifications(store, [notification([implied('firing', clock)])], options);
      assert.equal((await listOccurrences(store, 'f4')).length, 2);
      assert.equal((await getAlert(store, 'f4'))?.starts_at, clock);
    });

    it('commits nothing when the transaction fails', async () => {
      const failing: IngestOptions = {
        ...options,
        planJobs: () => {
          throw new Error('planner exploded');
        },
      };
      await assert.rejects(ingestNotifications(store, [notification([alert('never', 'firing')])], failing), /planner exploded/);
      assert.equal(await getAlert(store, 'never'), undefined);
      assert.equal((await listOccurrences(store, 'never')).length, 0);
    });

    it('group-commits concurrent submissions and answers each with its own outcome', async () => {
      clock = T0;
      let commits = 0;
      const committer = new GroupCommitter(store, options, () => commits++);
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, (_, i) => committer.submit(notification([alert(`gc${i}`, 'firing')]))),
      );
      assert.equal(outcomes.length, 200);
      assert.ok(outcomes.every((o) => o.deduplicated[0] === false));
      assert.ok(commits >= 1 && commits < 20, `200 submissions shared transactions (${commits} commits)`);
      for (let i = 0; i < 200; i += 37) assert.ok(await getAlert(store, `gc${i}`));
    });

    it('purges raw notifications by age and by count', async () => {
      await ingestNotifications(store, [notification([alert('p1', 'firing')], T0 - 10 * 86_400_000)], options);
      const deleted = await purgeRawNotifications(store, T0 - 86_400_000, 3);
      assert.ok(deleted >= 1);
      const left = await store.db.selectFrom('notifications').select('received_at').execute();
      assert.ok(left.length <= 3);
      assert.ok(left.every((n) => n.received_at >= T0 - 86_400_000));
    });

    describe('deferred apply (POST /webhook)', () => {
      const deferred = (alerts: Alert[], receivedAt = clock): InboundNotification => ({ ...notification(alerts, receivedAt), deferApply: true });

      /** Claims the pending ingest jobs as a runner would, and applies what they name. */
      async function applyPending(owner = 'test-owner') {
        const jobs = await claimDueJobs(store, { owner, limit: 50, leaseMs: 10_000, now: clock, kinds: [INGEST_JOB] });
        const rows = await loadNotifications(store, jobs.flatMap((j) => ingestJobIds(j.payload)));
        const revived = rows.map((r) => ({ ...notification(JSON.parse(r.body) as Alert[], r.received_at), id: r.id }));
        return { jobs, result: await applyStoredNotifications(store, revived, jobs, options) };
      }

      it('commits the raw notifications and one ingest job naming them, and no alert yet', async () => {
        clock = T0;
        const batch = [deferred([alert('d1', 'firing')]), deferred([alert('d2', 'firing')])].map((n) => ({ ...n, body: JSON.stringify(n.alerts) }));
        const { outcomes, jobsEnqueued } = await ingestNotifications(store, batch, options);
        assert.deepEqual(outcomes, [{ deduplicated: [] }, { deduplicated: [] }]);
        assert.equal(jobsEnqueued, 1);
        assert.equal(await getAlert(store, 'd1'), undefined);
        assert.equal(await hasUnappliedNotifications(store), true);
        const [job] = await findJobs(store, { kind: INGEST_JOB });
        const ids = ingestJobIds(JSON.parse(job?.payload ?? 'null'));
        assert.equal(ids.length, 2);
        assert.deepEqual((await loadNotifications(store, ids)).map((r) => r.alert_count), [1, 1]);
      });

      it('applies them later in arrival order, completing the job in the same transaction', async () => {
        clock = T0 + 5_000; // applied 5 s after it arrived: times are the arrival's
        const { jobs, result } = await applyPending();
        assert.equal(jobs.length, 1);
        assert.equal(result.jobsEnqueued, 2, 'one analysis per notification (group)');
        const row = await getAlert(store, 'd1');
        assert.equal(row?.first_seen, T0);
        assert.equal(row?.last_seen, T0);
        assert.equal((await findJobs(store, { kind: INGEST_JOB }))[0]?.state, 'done');
        assert.equal(await hasUnappliedNotifications(store), false);
      });

      it('judges duplicates by arrival time, however late it is applied', async () => {
        clock = T0 + 30_000;
        await ingestNotifications(store, [{ ...deferred([alert('d1', 'firing')]), body: JSON.stringify([alert('d1', 'firing')]) }], options);
        clock = T0 + 600_000; // long past the window when applied; it arrived within it
        const { result } = await applyPending();
        assert.deepEqual(result.outcomes, [{ deduplicated: [true] }]);
        assert.equal((await getAlert(store, 'd1'))?.received_count, 1);
      });

      it('does not roll an alert back with news older than what is stored', async () => {
        clock = T0 + 700_000;
        const resolved = alert('d2', 'resolved');
        await ingestNotifications(store, [{ ...deferred([resolved]), body: JSON.stringify([resolved]) }], options);
        await applyPending();
        // A replica applying an older firing of the same episode after the resolve.
        await ingestNotifications(store, [{ ...deferred([alert('d2', 'firing')], T0 + 650_000), body: JSON.stringify([alert('d2', 'firing')]) }], options);
        await applyPending();
        assert.equal((await getAlert(store, 'd2'))?.status, 'resolved');
      });

      it('applies nothing when a claimed job was taken over by another worker', async () => {
        clock = T0 + 800_000;
        await ingestNotifications(store, [{ ...deferred([alert('d3', 'firing')]), body: JSON.stringify([alert('d3', 'firing')]) }], options);
        const jobs = await claimDueJobs(store, { owner: 'slow', limit: 50, leaseMs: 1, now: clock, kinds: [INGEST_JOB] });
        clock += 10; // the lease expired; another worker claims the job
        const taken = await claimDueJobs(store, { owner: 'fast', limit: 50, leaseMs: 10_000, now: clock, kinds: [INGEST_JOB] });
        assert.equal(taken.length, 1);
        const rows = await loadNotifications(store, jobs.flatMap((j) => ingestJobIds(j.payload)));
        const revived = rows.map((r) => ({ ...notification(JSON.parse(r.body) as Alert[], r.received_at), id: r.id }));
        await assert.rejects(applyStoredNotifications(store, revived, jobs, options), /reclaimed by another worker/);
        assert.equal(await getAlert(store, 'd3'), undefined);
        await applyStoredNotifications(store, revived, taken, options);
        assert.equal((await getAlert(store, 'd3'))?.status, 'firing');
      });

      it('never purges a notification an ingest job has still to apply', async () => {
        clock = T0 + 900_000;
        const old = T0 - 30 * 86_400_000;
        await ingestNotifications(store, [{ ...deferred([alert('d4', 'firing')], old), body: JSON.stringify([alert('d4', 'firing')]) }], options);
        await purgeRawNotifications(store, T0, 0);
        const [job] = (await findJobs(store, { kind: INGEST_JOB })).filter((j) => j.state === 'pending');
        assert.equal((await loadNotifications(store, ingestJobIds(JSON.parse(job?.payload ?? 'null')))).length, 1);
        await applyPending();
        await purgeRawNotifications(store, T0, 0);
        assert.equal(await store.db.selectFrom('notifications').select('id').executeTakeFirst(), undefined);
      });
    });
  });
}
