import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApp } from '../../src/server.js';
import { startApp, testConfig, WEBHOOK_TOKEN } from '../support/app.js';
import { testDatabase } from '../support/dialects.js';

const body = { alerts: [{ labels: { alertname: 'RateLimited' } }] };

describe('rate limits on POST /webhook', () => {
  it('sends X-RateLimit headers on every response and 429 + Retry-After past the per-IP limit', async () => {
    const s = await startApp({ rate_limit: { per_ip: 3, global: 0 } });
    try {
      const remaining: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await s.postWebhook(body);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('x-ratelimit-limit'), '3');
        remaining.push(res.headers.get('x-ratelimit-remaining') ?? '');
        const reset = Number(res.headers.get('x-ratelimit-reset'));
        assert.ok(reset > Date.now() / 1000 && reset <= Date.now() / 1000 + 61, `reset ${reset} is a unix time within the window`);
      }
      assert.deepEqual(remaining, ['2', '1', '0']);
      const limited = await s.postWebhook(body);
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60);
      assert.match(((await limited.json()) as { detail: string }).detail, /^Rate limit exceeded\. Try again in \d+ seconds\.$/);
      // Even a request that fails authentication spends budget and carries the headers.
      const unauthorised = await s.post('/webhook', body, { authorization: 'Bearer wrong' });
      assert.equal(unauthorised.status, 429);
    } finally {
      await s.stop();
    }
  });

  it('answers 503 + Retry-After instead when configured, so Alertmanager retries', async () => {
    const s = await startApp({ rate_limit: { per_ip: 1, global: 0 }, webhook: { limited_status: 503 } });
    try {
      assert.equal((await s.postWebhook(body)).status, 200);
      const limited = await s.postWebhook(body);
      assert.equal(limited.status, 503);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    } finally {
      await s.stop();
    }
  });

  it('applies the global limit across clients', async () => {
    const s = await startApp({ rate_limit: { per_ip: 100, global: 2 }, server: { trusted_proxies: ['127.0.0.1'] } });
    try {
      assert.equal((await s.postWebhook(body, { 'x-forwarded-for': '10.0.0.1' })).status, 200);
      assert.equal((await s.postWebhook(body, { 'x-forwarded-for': '10.0.0.2' })).status, 200);
      const res = await s.postWebhook(body, { 'x-forwarded-for': '10.0.0.3' });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('x-ratelimit-limit'), '2');
    } finally {
      await s.stop();
    }
  });

  it('counts clients by X-Forwarded-For only behind a trusted proxy', async () => {
    const trusted = await startApp({ rate_limit: { per_ip: 1, global: 0 }, server: { trusted_proxies: ['127.0.0.1/32'] } });
    try {
      assert.equal((await trusted.postWebhook(body, { 'x-forwarded-for': '192.0.2.1' })).status, 200);
      assert.equal((await trusted.postWebhook(body, { 'x-forwarded-for': '192.0.2.2' })).status, 200);
      assert.equal((await trusted.postWebhook(body, { 'x-forwarded-for': '192.0.2.1' })).status, 429);
    } finally {
      await trusted.stop();
    }
    const untrusted = await startApp({ rate_limit: { per_ip: 1, global: 0 } });
    try {
      assert.equal((await untrusted.postWebhook(body, { 'x-forwarded-for': '192.0.2.1' })).status, 200);
      // A spoofed header does not buy a fresh budget.
      assert.equal((await untrusted.postWebhook(body, { 'x-forwarded-for': '192.0.2.2' })).status, 429);
    } finally {
      await untrusted.stop();
    }
  });

  it('disables both limits with 0 (no headers, no 429)', async () => {
    const s = await startApp({ rate_limit: { per_ip: 0, global: 0 } });
    try {
      for (let i = 0; i < 20; i++) {
        const res = await s.postWebhook(body);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('x-ratelimit-limit'), null);
      }
    } finally {
      await s.stop();
    }
  });

  for (const store of ['redis', 'postgres'] as const) {
    it(`shares one budget between two replicas through ${store}`, async () => {
      const db = await testDatabase('postgres');
      const prefix = `rl${Date.now()}`;
      const common = {
        database: { url: db.url },
        rate_limit: { per_ip: 3, global: 0, store, redis_url: store === 'redis' ? 'redis://127.0.0.1:6379' : '', key_prefix: prefix },
      };
      const a = await startApp(common);
      const b = await startApp(common);
      try {
        const statuses: number[] = [];
        for (const s of [a, b, a, b]) statuses.push((await s.postWebhook({ alerts: [{ labels: { alertname: prefix } }] })).status);
        assert.deepEqual(statuses, [200, 200, 200, 429]);
      } finally {
        await a.stop();
        await b.stop();
        await db.drop();
      }
    });
  }
});

describe('readiness of POST /webhook', () => {
  it("answers 503 'Service not initialised' until the store is migrated and workers run", async () => {
    const app = await createApp(testConfig(), { silent: true });
    // Listen without start(): no migrations, no workers.
    const address = await app.http.listen({ host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${address}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { detail: 'Service not initialised' });
      assert.equal((await fetch(`${address}/ready`)).status, 503);
    } finally {
      await app.http.close();
      await app.store.close();
    }
  });
});
