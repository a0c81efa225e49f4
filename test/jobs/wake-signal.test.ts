import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WakeSignal } from '../../src/jobs/wake-signal.js';

describe('WakeSignal', () => {
  it('ends a wait at once when woken during it', async () => {
    const signal = new WakeSignal();
    const started = Date.now();
    setTimeout(() => signal.wake(), 20);
    await signal.wait(5000);
    assert.ok(Date.now() - started < 1000);
  });

  it('keeps a wake that came before the wait, and only one', async () => {
    const signal = new WakeSignal();
    signal.wake();
    const started = Date.now();
    await signal.wait(5000);
    assert.ok(Date.now() - started < 50, 'the earlier wake ends the wait at once');
    await signal.wait(100);
    assert.ok(Date.now() - started >= 90, 'the next wait runs its time');
  });
});
