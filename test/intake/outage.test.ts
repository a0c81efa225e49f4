// While the database refuses connections (down, restarting, failing over), intake answers 503
// with Retry-After at once — Alertmanager retries 5xx — and readiness fails; when it is back,
// the server goes on by itself.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ADMIN_TOKEN, startApp, type RunningApp } from '../support/app.js';
import { POSTGRES_ADMIN_URL, testDatabase, type TestDatabase } from '../support/dialects.js';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const firing = (name: string) => ({ alerts: [{ status: 'firing', labels: { alertname: name }, startsAt: '2024-01-01T00:00:00Z' }] });

/** Refuses new connections to the database and ends the open ones, or lets them in again. */
async function setReachable(url: string, reachable: boolean): Promise<void> {
  const name = url.slice(url.lastIndexOf('/') + 1);
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(`alter database ${name} allow_connections ${reachable}`);
    if (!reachable) await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
  } finally {
    await client.end();
  }
}

describe('a PostgreSQL outage', () => {
  let db: TestDatabase;
  let s: RunningApp;
  let hook: { id: string; token: string };

  before(async () => {
    db = await testDatabase('postgres');
    s = await startApp({ database: { url: db.url } });
    const res = await s.post('/api/v1/receivers', { name: 'noop', kind: 'command', action: { argv: ['/bin/true'] } }, admin);
    assert.equal(res.status, 201, await res.clone().text());
    hook = (await res.json()) as { id: string; token: string };
  });
  after(async () => {
    await setReachable(db.url, true).catch(() => undefined);
    await s.stop();
    await db.drop();
  });

  it('answers 503 with Retry-After on /webhook and the hooks, fails /ready and /health, and recovers by itself', async () => {
    await setReachable(db.url, false);
    const started = Date.now();
    const webhook = await s.postWebhook(firing('DuringOutage'));
    assert.equal(webhook.status, 503);
    assert.equal(webhook.headers.get('retry-after'), '5');
    assert.match(((await webhook.json()) as { detail: string }).detail, /Storage unavailable/);
    const hookAnswer = await s.post(`/hooks/${hook.id}`, firing('HookDuringOutage'), { authorization: `Bearer ${hook.token}` });
    assert.equal(hookAnswer.status, 503);
    assert.equal(hookAnswer.headers.get('retry-after'), '5');
    assert.ok(Date.now() - started < 10_000, 'answered within the commit deadline, not hung');

    const ready = await fetch(`${s.url}/ready`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { database: string }).database, 'unreachable');
    const health = await fetch(`${s.url}/health`);
    assert.equal(health.status, 503);
    const body = (await health.json()) as { database: string; database_error: string };
    assert.equal(body.database, 'unreachable');
    assert.ok(body.database_error.length > 0);

    await setReachable(db.url, true);
    const deadline = Date.now() + 15_000;
    while ((await fetch(`${s.url}/ready`)).status !== 200) {
      assert.ok(Date.now() < deadline, '/ready comes back once the database does');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal((await s.postWebhook(firing('AfterOutage'))).status, 200);
    const again = await s.post(`/hooks/${hook.id}`, firing('HookAfterOutage'), { authorization: `Bearer ${hook.token}` });
    assert.equal(again.status, 200, await again.clone().text());
  });
});
