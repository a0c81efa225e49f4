import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Store } from '../../src/store/database.js';
import {
  claimDueDeliveries,
  countPendingDeliveries,
  recordAttempts,
  releaseDeliveries,
  releaseOrphanedDeliveries,
  renewDeliveryLeases,
} from '../../src/store/delivery-queue.js';
import { getDelivery, insertDeliveries, listAttempts, requeueOne, type DeliveryRow, type NewAttempt } from '../../src/store/deliveries.js';
import { DIALECTS, storeForSuite } from '../support/dialects.js';

const NOW = 1_700_000_000_000;
const LEASE = 10_000;

function delivery(id: string, overrides: Partial<DeliveryRow> = {}): DeliveryRow {
  return {
    id,
    contact_point_id: 'cp',
    kind: 'alert',
    state: 'pending',
    generation: 1,
    status: 'firing',
    alert_count: 1,
    summary: 'Test',
    notification: '{}',
    body: null,
    content_type: null,
    attempts: 0,
    created_at: NOW,
    series_started_at: NOW,
    updated_at: NOW,
    next_attempt_at: NOW,
    lease_owner: null,
    last_attempt_at: null,
    last_status: null,
    last_error: null,
    delivered_at: null,
    ...overrides,
  };
}

function attempt(deliveryId: string): NewAttempt {
  return {
    delivery_id: deliveryId,
    contact_point_id: 'cp',
    attempt: 1,
    started_at: NOW,
    duration_ms: 3,
    outcome: 'success',
    request: '{}',
    request_body: '',
    response_status: 200,
    response_headers: null,
    response_body: 'ok',
    error: null,
  };
}

const held = (owner: string, ...ids: string[]) => new Map([[owner, new Set(ids)]]);

for (const dialect of DIALECTS) {
  describe(`delivery queue on ${dialect}`, () => {
    let store: Store;
    storeForSuite(dialect, (opened) => (store = opened));
    beforeEach(async () => {
      await sql`delete from deliveries`.execute(store.db);
      await sql`delete from delivery_attempts`.execute(store.db);
    });

    const insert = (...rows: DeliveryRow[]) => store.db.transaction().execute((trx) => insertDeliveries(trx, rows));
    const claim = (owner: string, now = NOW, limit = 10) => claimDueDeliveries(store, { owner, limit, leaseMs: LEASE, now });

    it('claims due pending deliveries, oldest due first, up to the limit', async () => {
      await insert(
        delivery('b', { next_attempt_at: NOW - 1000 }),
        delivery('a', { next_attempt_at: NOW - 2000 }),
        delivery('later', { next_attempt_at: NOW + 60_000 }),
        delivery('done', { state: 'delivered', next_attempt_at: null }),
        delivery('paused', { state: 'paused', next_attempt_at: null }),
        delivery('c', { next_attempt_at: NOW }),
      );
      const first = await claim('w1', NOW, 2);
      assert.deepEqual(first.map((d) => d.id).sort(), ['a', 'b']);
      assert.ok(first.every((d) => d.lease_owner === 'w1' && d.next_attempt_at === NOW + LEASE));
      assert.deepEqual((await claim('w2')).map((d) => d.id), ['c']);
      assert.deepEqual(await claim('w3'), [], 'leased, future and finished deliveries are not claimed');
    });

    it('leaves out the contact points it is told to skip', async () => {
      await insert(delivery('a1', { contact_point_id: 'a' }), delivery('b1', { contact_point_id: 'b' }), delivery('c1', { contact_point_id: 'c' }));
      const rows = await claimDueDeliveries(store, { owner: 'w1', limit: 10, leaseMs: LEASE, now: NOW, skip: ['a', 'c'] });
      assert.deepEqual(rows.map((d) => d.id), ['b1']);
      assert.deepEqual(await claimDueDeliveries(store, { owner: 'w1', limit: 10, leaseMs: LEASE, now: NOW, skip: ['a', 'c'] }), []);
    });

    it("gives a crashed worker's delivery to another when the lease runs out, and fences the first", async () => {
      await insert(delivery('d1'));
      assert.equal((await claim('w1')).length, 1);
      assert.deepEqual(await claim('w2', NOW + LEASE - 1), []);
      assert.equal((await claim('w2', NOW + LEASE)).length, 1);

      await recordAttempts(store, [attempt('d1')], [{ id: 'd1', owner: 'w1', updated_at: NOW, state: 'delivered', attempts: 1 }]);
      const row = await getDelivery(store, 'd1');
      assert.equal(row?.state, 'pending', "the first worker's update does not apply");
      assert.equal(row?.lease_owner, 'w2');
      assert.equal((await listAttempts(store, 'd1')).length, 1, 'its attempt is logged all the same');

      await recordAttempts(store, [], [{ id: 'd1', owner: 'w2', updated_at: NOW, state: 'delivered', attempts: 1, next_attempt_at: null }]);
      const done = await getDelivery(store, 'd1');
      assert.equal(done?.state, 'delivered');
      assert.equal(done?.lease_owner, null, 'writing the outcome ends the lease');
    });

    it('renews the leases it holds, and only those', async () => {
      await insert(delivery('d1'), delivery('d2'));
      await claim('w1');
      await renewDeliveryLeases(store, held('w1', 'd1'), LEASE, NOW + 5000);
      await renewDeliveryLeases(store, held('intruder', 'd2'), LEASE, NOW + 5000);
      assert.deepEqual((await claim('w2', NOW + LEASE)).map((d) => d.id), ['d2']);
      assert.deepEqual((await claim('w2', NOW + 5000 + LEASE)).map((d) => d.id), ['d1']);
    });

    it('hands held deliveries back due now', async () => {
      await insert(delivery('d1'), delivery('d2'));
      await claim('w1');
      assert.equal(await releaseDeliveries(store, held('w1', 'd1', 'd2'), NOW + 1), 2);
      const again = await claim('w2', NOW + 1);
      assert.deepEqual(again.map((d) => d.id).sort(), ['d1', 'd2']);
    });

    it('a requeue voids the lease held on a delivery', async () => {
      await insert(delivery('d1', { state: 'failed', next_attempt_at: null }));
      await sql`update deliveries set lease_owner = 'w1' where id = 'd1'`.execute(store.db);
      assert.equal(await store.db.transaction().execute((trx) => requeueOne(trx, 'd1', NOW)), 1);
      await recordAttempts(store, [], [{ id: 'd1', owner: 'w1', updated_at: NOW, state: 'failed' }]);
      const row = await getDelivery(store, 'd1');
      assert.equal(row?.state, 'pending');
      assert.equal(row?.generation, 2);
      assert.deepEqual((await claim('w2')).map((d) => d.id), ['d1']);
    });

    it('counts what waits to be sent', async () => {
      await insert(delivery('d1'), delivery('d2', { next_attempt_at: NOW + 60_000 }), delivery('d3', { state: 'delivered' }));
      assert.equal(await countPendingDeliveries(store), 2);
    });

    it(dialect === 'sqlite' ? 'at start, frees what a dead process held' : 'leaves leases alone at start: other replicas may hold them', async () => {
      await insert(delivery('d1'));
      await claim('dead');
      assert.equal(await releaseOrphanedDeliveries(store, NOW + 1), dialect === 'sqlite' ? 1 : 0);
      assert.equal((await claim('w2', NOW + 1)).length, dialect === 'sqlite' ? 1 : 0);
    });
  });
}
