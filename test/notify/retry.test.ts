import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker } from '../../src/notify/breaker.js';
import { DEFAULT_RETRY_SCHEDULE } from '../../src/notify/contact-point.js';
import { parseRetryAfter, RETRY_AFTER_CAP_MS, retryDelay, verdict } from '../../src/notify/retry.js';

describe('verdict of an attempt', () => {
  const cases: [Parameters<typeof verdict>[0], string][] = [
    [{ status: 200 }, 'success'],
    [{ status: 202 }, 'success'],
    [{ status: 204 }, 'success'],
    [{ status: 299 }, 'success'],
    [{ status: 500 }, 'retry'],
    [{ status: 503 }, 'retry'],
    [{ status: 408 }, 'retry'],
    [{ status: 429 }, 'retry'],
    [{ status: 410 }, 'gone'],
    [{ status: 400 }, 'failed'],
    [{ status: 401 }, 'failed'],
    [{ status: 404 }, 'failed'],
    [{ status: 301 }, 'failed'],
    [{ status: 302 }, 'failed'],
    [{ networkError: true }, 'retry'],
    [{ permanentError: true }, 'failed'],
  ];
  for (const [result, expected] of cases) {
    it(`${JSON.stringify(result)} → ${expected}`, () => assert.equal(verdict(result), expected));
  }
});

describe('retry schedule', () => {
  const noJitter = () => 0.5;
  it('is immediately, 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, then hourly', () => {
    const delays = Array.from({ length: 9 }, (_, i) => retryDelay(i + 1, DEFAULT_RETRY_SCHEDULE, null, noJitter) / 1000);
    assert.deepEqual(delays, [0, 5, 30, 120, 600, 1800, 3600, 3600, 3600]);
  });

  it('jitters by ±20 %', () => {
    assert.equal(retryDelay(2, DEFAULT_RETRY_SCHEDULE, null, () => 0), 4000);
    assert.equal(retryDelay(2, DEFAULT_RETRY_SCHEDULE, null, () => 1), 6000);
  });

  it('honours Retry-After in seconds or as a date, capped', () => {
    const now = Date.UTC(2024, 0, 1);
    assert.equal(parseRetryAfter('7', now), 7000);
    assert.equal(parseRetryAfter(new Date(now + 90_000).toUTCString(), now), 90_000);
    assert.equal(parseRetryAfter('999999', now), RETRY_AFTER_CAP_MS);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter(undefined, now), null);
    assert.equal(retryDelay(1, DEFAULT_RETRY_SCHEDULE, 7000), 7000);
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failures, probes once after the cooldown, closes on success', () => {
    const b = new CircuitBreaker(3, 1000);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(b.admit(0), { allowed: true, probe: false });
      b.record('failure', 0, false);
    }
    assert.equal(b.state(10), 'open');
    assert.deepEqual(b.admit(500), { allowed: false, retryAt: 1000 });
    const probe = b.admit(1000);
    assert.deepEqual(probe, { allowed: true, probe: true });
    assert.equal(b.admit(1001).allowed, false, 'only one probe at a time');
    b.record('success', 1100, true);
    assert.equal(b.state(1100), 'closed');
    assert.deepEqual(b.admit(1100), { allowed: true, probe: false });
  });

  it('reopens for another cooldown when the probe fails', () => {
    const b = new CircuitBreaker(1, 1000);
    b.record('failure', 0, false);
    assert.equal(b.admit(1000).allowed, true);
    b.record('failure', 1000, true);
    assert.deepEqual(b.admit(1500), { allowed: false, retryAt: 2000 });
  });

  it('does not count answers that show the endpoint is alive (4xx)', () => {
    const b = new CircuitBreaker(2, 1000);
    b.record('failure', 0, false);
    b.record('neutral', 0, false);
    b.record('success', 0, false);
    b.record('failure', 0, false);
    assert.equal(b.state(0), 'closed');
  });
});
