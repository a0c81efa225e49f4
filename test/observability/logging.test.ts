import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApp } from '../../src/server.js';
import { testConfig, WEBHOOK_TOKEN } from '../support/app.js';

describe('logging', () => {
  it('writes JSON lines and never a token, a password or a ?key=', async () => {
    const lines: string[] = [];
    const config = testConfig({ server: { log_level: 'debug', log_requests: true } });
    const app = await createApp(config, { logStream: { write: (line) => void lines.push(line) } });
    const url = await app.start();
    try {
      const basic = Buffer.from(`user:${WEBHOOK_TOKEN}`).toString('base64');
      await fetch(`${url}/webhook?key=${WEBHOOK_TOKEN}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
        body: JSON.stringify({ alerts: [{ labels: { alertname: 'Logged' } }] }),
      });
      await fetch(`${url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${basic}` }, body: '{' });
      await fetch(`${url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-secret' }, body: '{}' });
    } finally {
      await app.stop();
    }
    assert.ok(lines.length >= 4, 'request lines were logged');
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      assert.equal(typeof entry.level, 'number');
      assert.ok(!line.includes(WEBHOOK_TOKEN), `token leaked: ${line}`);
      assert.ok(!line.includes('wrong-secret'), `presented secret leaked: ${line}`);
      assert.ok(!line.includes(config.auth.admin_token), `admin token leaked: ${line}`);
    }
    assert.ok(lines.some((l) => l.includes('key=[redacted]')), 'the query key is shown redacted');
  });
});
