import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { HEAP_GROWING_PERCENT, limitHeapGrowth } from '../../src/observability/heap.js';

describe('limitHeapGrowth', () => {
  it('sets a heap growth margin of 30 % for the server', () => {
    const set: string[] = [];
    assert.equal(limitHeapGrowth({ execArgv: [], setFlags: (f) => set.push(f) }), true);
    assert.deepEqual(set, ['--heap-growing-percent=30']);
    assert.equal(HEAP_GROWING_PERCENT, 30);
  });

  it("leaves an operator's own --heap-growing-percent alone", () => {
    const set: string[] = [];
    assert.equal(limitHeapGrowth({ execArgv: ['--heap-growing-percent=80'], setFlags: (f) => set.push(f) }), false);
    assert.deepEqual(set, []);
  });

  it('is a flag V8 accepts at run time (an unknown flag would be ignored silently, so ask V8 back)', () => {
    // v8.setFlagsFromString ignores unknown flags; --help style listing is the only way to see the name exists.
    const r = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    assert.match(r.stdout, /--heap-growing-percent/);
  });
});
