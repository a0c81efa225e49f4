/**
 * The delivery worker streams deliveries: each one's outcome is written as soon as it is known,
 * a slow endpoint holds only its own deliveries, and a lease outlasts a slow answer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../support/app.js';
import { DIALECTS } from '../support/dialects.js';
import { createContactPoint, deliveries, notification, postAlerts } from './api.js';
import { withApp } from './harness.js';

for (const dialect of DIALECTS) {
  describe(`delivery worker (${dialect})`, () => {
    it("records a fast endpoint's deliveries while a slow endpoint's are still in flight", () =>
      withApp(dialect, async ({ app, sink }) => {
        const slow = await sink(() => ({ status: 200, delayMs: 4000 }));
        const fast = await sink();
        const slowCp = await createContactPoint(app, { name: 'slow', url: slow.url, timeout: 10 });
        const fastCp = await createContactPoint(app, { name: 'fast', url: fast.url });
        for (let i = 0; i < 5; i++) await postAlerts(app, notification([{ labels: { alertname: 'Stream', seq: String(i) } }]));
        await slow.waitFor(5);
        await eventually(
          async () => {
            const ds = await deliveries(app, `?contactPoint=${fastCp.id}`);
            return ds.length === 5 && ds.every((d) => d.state === 'delivered') ? true : undefined;
          },
          3000,
          "the fast endpoint's five deliveries recorded as delivered",
        );
        const slowStates = (await deliveries(app, `?contactPoint=${slowCp.id}`)).map((d) => d.state);
        assert.deepEqual(slowStates, ['pending', 'pending', 'pending', 'pending', 'pending'], 'the slow ones are still under way');
      }));

    it('gives a hanging endpoint its share of the slots, not all of them', () =>
      withApp(
        dialect,
        async ({ app, sink }) => {
          const hanging = await sink(() => ({ status: 200, delayMs: 4000 }));
          const fast = await sink();
          await createContactPoint(app, { name: 'hanging', url: hanging.url, timeout: 10 });
          // Posted together, so that one claim is likely to take more of them than the contact point has slots.
          await Promise.all(Array.from({ length: 6 }, (_, i) => postAlerts(app, notification([{ labels: { alertname: 'Backlog', seq: String(i) } }]))));
          await hanging.waitFor(2);
          // Due after the whole backlog, and only two of the four slots are the hanging endpoint's.
          await createContactPoint(app, { name: 'fast', url: fast.url });
          const posted = Date.now();
          await postAlerts(app, notification([{ labels: { alertname: 'Page' } }]));
          await fast.waitFor(1);
          assert.ok(Date.now() - posted < 2500, `the other contact point waited ${Date.now() - posted} ms`);
          assert.equal(hanging.received.length, 2, 'the hanging endpoint never had more than its two at once');
        },
        { jobs: { delivery_concurrency: 4, delivery_concurrency_per_contact_point: 2 } },
      ));

    it('keeps the lease of a delivery whose endpoint answers after the lease would have run out: sent once', () =>
      withApp(
        dialect,
        async ({ app, sink }) => {
          const s = await sink(() => ({ status: 200, delayMs: 3500 }));
          await createContactPoint(app, { name: 'patient', url: s.url, timeout: 10 });
          await postAlerts(app, notification([{ labels: { alertname: 'Slow' } }]));
          await s.waitFor(1);
          await eventually(async () => ((await deliveries(app))[0]?.state === 'delivered' ? true : undefined), 8000, 'the delivery recorded');
          assert.equal(s.received.length, 1, 'no second worker claim while the first attempt was under way');
        },
        { jobs: { lease: 1 } },
      ));
  });
}
