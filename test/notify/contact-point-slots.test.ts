import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContactPointSlots } from '../../src/notify/contact-point-slots.js';

describe('ContactPointSlots', () => {
  it('starts up to the cap per contact point and queues the rest behind it', () => {
    const slots = new ContactPointSlots<string>(2);
    assert.deepEqual(['a1', 'a2', 'a3', 'a4'].map((x) => slots.take('a', x)), [true, true, false, false]);
    assert.equal(slots.take('b', 'b1'), true, 'another contact point has slots of its own');
    assert.deepEqual(slots.full(), ['a']);
  });

  it('hands a freed slot to the next waiting delivery of the same contact point, in order', () => {
    const slots = new ContactPointSlots<string>(1);
    slots.take('a', 'a1');
    slots.take('a', 'a2');
    slots.take('a', 'a3');
    assert.deepEqual(slots.release('a'), { next: 'a2', wasFull: true });
    assert.deepEqual(slots.release('a'), { next: 'a3', wasFull: true });
    assert.deepEqual(slots.release('a'), { next: undefined, wasFull: true });
    assert.deepEqual(slots.full(), []);
    assert.equal(slots.take('a', 'a4'), true);
  });

  it('says when a contact point stops being full, so claims take it again', () => {
    const slots = new ContactPointSlots<string>(2);
    slots.take('a', 'a1');
    assert.deepEqual(slots.release('a'), { next: undefined, wasFull: false });
    slots.take('a', 'a2');
    slots.take('a', 'a3');
    assert.equal(slots.release('a').wasFull, true);
    assert.deepEqual(slots.full(), []);
  });

  it('gives up what waits at shutdown, counting it', () => {
    const slots = new ContactPointSlots<string>(1);
    slots.take('a', 'a1');
    slots.take('a', 'a2');
    slots.take('b', 'b1');
    slots.take('b', 'b2');
    slots.take('b', 'b3');
    assert.equal(slots.dropWaiting(), 3);
    assert.deepEqual(slots.release('a'), { next: undefined, wasFull: true });
  });

  it('counts what waits over all contact points, so the worker can leave it out of its own limit', () => {
    const slots = new ContactPointSlots<string>(1);
    ['a1', 'a2', 'a3'].forEach((x) => slots.take('a', x));
    ['b1', 'b2'].forEach((x) => slots.take('b', x));
    assert.equal(slots.waitingTotal, 3);
    slots.release('a');
    assert.equal(slots.waitingTotal, 2, 'a2 started');
    slots.release('b');
    slots.release('b');
    assert.equal(slots.waitingTotal, 1);
    slots.dropWaiting();
    assert.equal(slots.waitingTotal, 0);
  });
});
