import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, startApp } from '../support/app.js';

describe('GET /health, /ready, /metrics', () => {
  it("answers OnCallM's health shape with the queue size and database state", async () => {
    const s = await startApp();
    try {
      const res = await fetch(`${s.url}/health`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {
        status: 'healthy',
        webhook_endpoint: 'available',
        ai_service: 'disabled',
        queue_size: 0,
        database: 'ok',
      });
      assert.deepEqual(await (await fetch(`${s.url}/ready`)).json(), { status: 'ready' });
    } finally {
      await s.stop();
    }
  });

  it('counts queued jobs in queue_size', async () => {
    const s = await startApp();
    try {
      await s.app.workers.stop(0);
      await s.postWebhook({ alerts: [{ labels: { alertname: 'Q1' } }, { labels: { alertname: 'Q2' } }] });
      const body = (await (await fetch(`${s.url}/health`)).json()) as { queue_size: number };
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      const pending = [...metrics.matchAll(/^alertwire_jobs\{kind="[^"]+",state="pending"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
      // Q1 and Q2 arrived together: one notification, one job to apply it.
      assert.match(metrics, /^alertwire_jobs\{kind="ingest",state="pending"\} 1$/m);
      assert.equal(body.queue_size, pending);
    } finally {
      await s.stop();
    }
  });

  it('answers 503 unhealthy when the database is unreachable', async () => {
    const s = await startApp();
    try {
      await s.app.workers.stop(0);
      await s.app.store.close();
      const res = await fetch(`${s.url}/health`);
      assert.equal(res.status, 503);
      const body = (await res.json()) as { status: string; database: string };
      assert.equal(body.status, 'unhealthy');
      assert.match(body.database, /^unreachable/);
    } finally {
      await s.app.http.close();
    }
  });

  it('exports the webhook, alert, job and process metrics', async () => {
    const s = await startApp();
    try {
      await s.postWebhook({ alerts: [{ labels: { alertname: 'M1' }, status: 'firing' }, { labels: { alertname: 'M2' }, status: 'resolved' }] });
      await s.postWebhook({ alerts: [{ labels: { alertname: 'M1' }, status: 'firing' }] });
      await s.post('/webhook', { alerts: [] }, { authorization: 'Bearer wrong' });
      await s.postWebhook({ alerts: 5 });
      // Alerts are counted when the ingest job applies them, just after the answers.
      const text = await eventually(async () => {
        const res = await fetch(`${s.url}/metrics`);
        assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
        const t = await res.text();
        return /^alertwire_jobs\{kind="analyze",state="done"\} 1$/m.test(t) ? t : undefined;
      });
      const expectations = [
        /^alertwire_webhook_requests_total\{code="200"\} 2$/m,
        /^alertwire_webhook_requests_total\{code="401"\} 1$/m,
        /^alertwire_webhook_requests_total\{code="400"\} 1$/m,
        /^alertwire_webhook_duration_seconds_count 4$/m,
        /^alertwire_webhook_errors_total\{reason="unauthorized"\} 1$/m,
        /^alertwire_webhook_errors_total\{reason="invalid_payload"\} 1$/m,
        /^alertwire_alerts_received_total\{status="firing"\} 1$/m,
        /^alertwire_alerts_received_total\{status="resolved"\} 1$/m,
        /^alertwire_alerts_deduplicated_total 1$/m,
        /^alertwire_jobs\{kind="ingest",state="done"\} [12]$/m,
        /^process_resident_memory_bytes \d+/m,
      ];
      for (const re of expectations) assert.match(text, re);
    } finally {
      await s.stop();
    }
  });
});
