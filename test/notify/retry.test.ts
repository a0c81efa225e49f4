import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RETRY_SCHEDULE } from '../../src/notify/contact-point.js';
import { parseHttpDate, parseRetryAfter, RETRY_AFTER_CAP_MS, retryDelay, verdict } from '../../src/notify/retry.js';

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

describe('Retry-After as an HTTP-date (RFC 9110)', () => {
  // RFC 9110's own example instant, and "now" 28 s before it.
  const at = Date.UTC(2015, 9, 21, 7, 28, 0);
  const now = at - 28_000;
  const noJitter = () => 0.5;

  it('reads IMF-fixdate, the form senders must use', () => {
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now), 28_000);
    assert.equal(parseRetryAfter('  Wed, 21 Oct 2015 07:28:00 GMT  ', now), 28_000);
  });

  it('reads the obsolete RFC 850 and asctime forms, in GMT', () => {
    assert.equal(parseRetryAfter('Wednesday, 21-Oct-15 07:28:00 GMT', now), 28_000);
    assert.equal(parseRetryAfter('Wed Oct 21 07:28:00 2015', now), 28_000);
    assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994', now), Date.UTC(1994, 10, 6, 8, 49, 37));
  });

  it('takes a two-digit year more than 50 years ahead as the past century', () => {
    assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', now), Date.UTC(1994, 10, 6, 8, 49, 37));
    assert.equal(parseHttpDate('Monday, 06-Nov-62 08:49:37 GMT', now), Date.UTC(2062, 10, 6, 8, 49, 37));
    assert.equal(parseHttpDate('Monday, 06-Nov-65 08:49:37 GMT', now), Date.UTC(2065, 10, 6, 8, 49, 37));
    assert.equal(parseHttpDate('Sunday, 06-Nov-66 08:49:37 GMT', now), Date.UTC(1966, 10, 6, 8, 49, 37));
    // Near the end of a century, the next one's early years are not 50 years ahead.
    assert.equal(parseHttpDate('Wednesday, 01-Jan-10 00:00:00 GMT', Date.UTC(2099, 0, 1)), Date.UTC(2110, 0, 1));
  });

  it('caps a far date like the seconds form', () => {
    assert.equal(parseRetryAfter('Fri, 01 Jan 2100 00:00:00 GMT', now), RETRY_AFTER_CAP_MS);
    assert.equal(parseRetryAfter(new Date(now + 2 * RETRY_AFTER_CAP_MS).toUTCString(), now), RETRY_AFTER_CAP_MS);
  });

  it('leaves a date in the past, or now, to the schedule', () => {
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now), null);
    assert.equal(parseRetryAfter('Thu, 01 Jan 1970 00:00:00 GMT', now), null);
    assert.equal(parseRetryAfter(new Date(now).toUTCString(), now), null);
    const past = parseRetryAfter('Tue, 20 Oct 2015 07:28:00 GMT', now);
    assert.equal(retryDelay(3, DEFAULT_RETRY_SCHEDULE, past, noJitter), 30_000, 'the schedule’s third delay');
  });

  it('refuses what is not an HTTP-date, where Date.parse would guess', () => {
    for (const text of [
      'soon 2',
      '-5',
      '1.5',
      '120 s',
      'Tue, 31 Feb 2015 07:28:00 GMT',
      'Wed, 21 Oct 2015 24:00:00 GMT',
      'Wed, 21 Oct 2015 07:28:00 +0200',
      '2015-10-21T07:28:00Z',
      'Wed, 21 Foo 2015 07:28:00 GMT',
    ]) {
      assert.equal(parseRetryAfter(text, now), null, text);
    }
  });
});
