import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_LISTENER } from '../../src/store/commit-listener.js';
import type { Store } from '../../src/store/database.js';
import { CommitTimeout, GroupCommitter } from '../../src/store/group-commit.js';
import type { InboundNotification } from '../../src/store/ingest.js';

/** A PostgreSQL store whose server never answers (a partition, a hung failover): connections never come. */
function hungStore(): Store {
  const pool = { connect: () => new Promise<never>(() => undefined), query: () => new Promise<never>(() => undefined) };
  return { dialect: 'postgres', pool, commits: NO_LISTENER } as unknown as Store;
}

const notification: InboundNotification = {
  source: 'webhook',
  format: 'generic',
  remoteAddr: '127.0.0.1',
  body: '{}',
  receivedAt: 0,
  alerts: [],
  deferApply: true,
};

describe('group commit deadline', () => {
  it('rejects a submission the store does not commit within the deadline, so the sender is told to retry', async () => {
    const committer = new GroupCommitter(hungStore(), { dedupWindowMs: 60_000, maxAttempts: 5, planJobs: () => [], now: () => 0 }, () => undefined, 1000, 200);
    const started = Date.now();
    await assert.rejects(committer.submit(notification), CommitTimeout);
    const waited = Date.now() - started;
    assert.ok(waited >= 190 && waited < 2000, `answered after the deadline, not before nor much after (${waited} ms)`);
  });
});
