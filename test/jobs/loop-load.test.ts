/**
 * Deferred work yields while the event loop is busy; applying alerts yields only while
 * requests are what keeps it busy.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoopLoad } from '../../src/jobs/loop-load.js';

/** Keeps the loop about 90 % busy for `ms`, in slices that let timers run between them. */
async function spin(ms: number, each: () => void = () => undefined): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const slice = performance.now() + 18;
    while (performance.now() < slice) each();
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A load sampled every 50 ms with a 30 % threshold, for the length of `fn`. */
async function withLoad(fn: (load: LoopLoad) => Promise<void>): Promise<void> {
  const load = new LoopLoad(50, 0.3);
  load.start();
  try {
    await fn(load);
  } finally {
    load.stop();
  }
}

describe('event loop load', () => {
  it('is busy with requests while they come in and the loop is busier than the threshold', () =>
    withLoad(async (load) => {
      let last = 0;
      await spin(300, () => {
        if (performance.now() - last > 5) {
          load.noteRequest();
          last = performance.now();
        }
      });
      assert.equal(load.busyWithRequests(), true);
      assert.equal(load.busy(), true);
    }));

  it('is busy, but not with requests, when background work alone keeps the loop busy', () =>
    withLoad(async (load) => {
      await spin(300);
      assert.equal(load.busy(), true);
      assert.equal(load.busyWithRequests(), false);
    }));

  it('is not busy when requests come in to a loop with time to spare', () =>
    withLoad(async (load) => {
      for (let i = 0; i < 30; i++) {
        load.noteRequest();
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(load.busy(), false);
      assert.equal(load.busyWithRequests(), false);
    }));
});
