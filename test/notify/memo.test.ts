import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoized } from '../../src/notify/memo.js';

describe('memoized', () => {
  it('computes once per key, and forgets the oldest key beyond its limit', () => {
    const computed: string[] = [];
    const upper = memoized(2, (s: string) => s, (s: string) => (computed.push(s), s.toUpperCase()));
    assert.equal(upper('a'), 'A');
    assert.equal(upper('a'), 'A');
    upper('b');
    upper('c');
    upper('b');
    upper('a');
    assert.deepEqual(computed, ['a', 'b', 'c', 'a']);
  });
});
