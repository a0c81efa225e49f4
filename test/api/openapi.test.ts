import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startApp } from '../support/app.js';

describe('GET /api/v1/openapi.json', () => {
  it('describes the API from the same schemas that validate it', async () => {
    const s = await startApp();
    try {
      const res = await fetch(`${s.url}/api/v1/openapi.json`);
      assert.equal(res.status, 200);
      const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
      assert.match(doc.openapi, /^3\./);
      for (const path of ['/webhook', '/hooks/{id}', '/api/v1/receivers', '/api/v1/receivers/{id}/rotate-token', '/api/v1/executions', '/api/v1/reports/{fingerprint}']) {
        assert.ok(doc.paths[path], `${path} is documented`);
      }
      assert.ok(doc.paths['/webhook']?.post?.requestBody, 'the webhook body schema is published');
    } finally {
      await s.stop();
    }
  });
});
