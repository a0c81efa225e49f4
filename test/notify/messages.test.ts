import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { webhookId } from '../../src/notify/messages.js';

describe('webhookId', () => {
  it('is the same for the same contact point and cause, so a rerun of routing makes the same delivery', () => {
    assert.equal(webhookId('cp', 'key-1', 1_700_000_000_000), webhookId('cp', 'key-1', 1_700_000_000_000));
  });

  it('differs between contact points and between causes', () => {
    const ids = new Set([webhookId('cp1', 'k', 1), webhookId('cp2', 'k', 1), webhookId('cp1', 'k2', 1), webhookId('cp1', 'k#2', 1)]);
    assert.equal(ids.size, 4);
  });

  it('starts with msg_ and sorts by the time of its cause, so new deliveries append to the primary key', () => {
    const earlier = webhookId('zzz', 'a', 1_700_000_000_000);
    const later = webhookId('aaa', 'b', 1_700_000_000_001);
    assert.match(earlier, /^msg_[0-9a-z]{9}[A-Za-z0-9_-]{18}$/);
    assert.ok(earlier < later);
  });
});
