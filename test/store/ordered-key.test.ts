import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderedKey } from '../../src/store/ordered-key.js';

describe('orderedKey', () => {
  it('sorts by creation time, also within one millisecond, and never repeats', () => {
    const keys = [orderedKey(1_700_000_000_000), orderedKey(1_700_000_000_000), orderedKey(1_700_000_000_001), orderedKey(1_700_000_000_001)];
    for (let i = 0; i < 5000; i++) keys.push(orderedKey(1_700_000_000_002));
    assert.deepEqual([...keys].sort(), keys);
    assert.equal(new Set(keys).size, keys.length);
  });

  it('keeps its order when the clock steps back', () => {
    const a = orderedKey(1_800_000_000_000);
    const b = orderedKey(1_799_999_999_000);
    assert.ok(a < b);
  });
});
