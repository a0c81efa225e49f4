/**
 * Grouping per contact point with Alertmanager's semantics (group_by, group_wait,
 * group_interval, repeat_interval), its state in the store: a restart neither drops nor
 * repeats a group. SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startApp } from '../support/app.js';
import { DIALECTS, testDatabase } from '../support/dialects.js';
import { createContactPoint, notification, postAlerts } from '../notify/api.js';
import { withApp } from '../notify/harness.js';
import { startSink, type Received } from '../notify/sink.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sent {
  status: string;
  groupLabels: Record<string, string>;
  alerts: { status: string; labels: Record<string, string> }[];
}
const parse = (r: Received | undefined) => JSON.parse(r?.body ?? '{}') as Sent;

for (const dialect of DIALECTS) {
  describe(`grouping (${dialect})`, () => {
    it('waits group_wait, sends one notification per group, then only changes', () =>
      withApp(dialect, async ({ app, sink }) => {
        const s = await sink();
        await createContactPoint(app, {
          name: 'grouped',
          url: s.url,
          payload: { profile: 'alertmanager' },
          grouping: { groupBy: ['alertname'], groupWait: 0.8, groupInterval: 1, repeatInterval: 3600 },
        });
        const started = Date.now();
        await postAlerts(app, notification([{ labels: { alertname: 'A', instance: '1' } }]));
        await postAlerts(app, notification([{ labels: { alertname: 'A', instance: '2' } }, { labels: { alertname: 'B', instance: '1' } }]));
        const first = await s.waitFor(2, 5000);
        assert.ok((first[0]?.at ?? 0) - started >= 700, 'nothing before group_wait');
        const byGroup: Record<string, Sent> = Object.fromEntries(first.map((r): [string, Sent] => [parse(r).groupLabels.alertname ?? '', parse(r)]));
        assert.deepEqual(byGroup.A?.alerts.map((a) => a.labels.instance).sort(), ['1', '2']);
        assert.deepEqual(byGroup.B?.alerts.length, 1);
        // Nothing changed: the next group_interval ticks send nothing.
        await sleep(1500);
        assert.equal(s.received.length, 2);
        // A resolves on one instance: the next tick of group A says so.
        await postAlerts(app, notification([{ labels: { alertname: 'A', instance: '1' }, status: 'resolved' }]));
        const third = parse((await s.waitFor(3, 5000))[2]);
        assert.equal(third.groupLabels.alertname, 'A');
        assert.deepEqual(
          third.alerts.map((a) => `${a.labels.instance}:${a.status}`).sort(),
          ['1:resolved', '2:firing'],
        );
        await sleep(1500);
        assert.equal(s.received.length, 3, 'a resolved alert is sent once, then forgotten');
      }));

    it('keeps group state across a restart: the group is sent once, not lost and not twice', async () => {
      const db = await testDatabase(dialect);
      const s = await startSink();
      try {
        let app = await startApp({ database: { url: db.url } }, { dataDir: db.dataDir });
        await createContactPoint(app, {
          name: 'durable',
          url: s.url,
          grouping: { groupBy: ['team'], groupWait: 1.5, groupInterval: 1, repeatInterval: 3600 },
        });
        await postAlerts(app, notification([{ labels: { alertname: 'X', team: 't' } }, { labels: { alertname: 'Y', team: 't' } }]));
        await sleep(300);
        await app.stop();
        assert.equal(s.received.length, 0);
        app = await startApp({ database: { url: db.url } }, { dataDir: db.dataDir });
        try {
          const [r] = await s.waitFor(1, 8000);
          assert.equal(parse(r).alerts.length, 2);
          await sleep(2500);
          assert.equal(s.received.length, 1);
        } finally {
          await app.stop();
        }
      } finally {
        await s.close();
        await db.drop();
      }
    });
  });
}
