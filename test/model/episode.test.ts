import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../../src/model/alert.js';
import { continueEpisode, isDuplicate, isStale, opensEpisode } from '../../src/model/episode.js';

const T0 = Date.UTC(2024, 0, 15, 10, 0);

function alert(over: Partial<Alert> = {}): Alert {
  return { fingerprint: 'f', status: 'firing', labels: { alertname: 'A' }, annotations: {}, startsAt: T0, endsAt: null, generatorURL: '', extras: {}, ...over };
}

describe('episodes of an alert', () => {
  it('a repeat without startsAt joins the stored firing episode; after a resolve it opens a new one', () => {
    const stored = { status: 'firing', starts_at: T0 - 60_000, last_seen: T0 };
    assert.equal(continueEpisode(alert({ startsAtImplied: true }), stored).startsAt, T0 - 60_000);
    assert.equal(continueEpisode(alert({ startsAtImplied: true }), { ...stored, status: 'resolved' }).startsAt, T0);
    assert.equal(continueEpisode(alert(), stored).startsAt, T0, 'an explicit startsAt is kept');
  });

  it('an older episode, or older news of the same one, does not roll the alert back', () => {
    const stored = { status: 'firing', starts_at: T0, last_seen: T0 + 5000 };
    assert.equal(isStale(alert({ startsAt: T0 - 1 }), T0 + 9000, stored), true);
    assert.equal(isStale(alert(), T0 + 4000, stored), true, 'applied out of order by another replica');
    assert.equal(isStale(alert(), T0 + 6000, stored), false);
    assert.equal(opensEpisode(alert({ startsAt: T0 + 1 }), stored), true);
    assert.equal(opensEpisode(alert(), stored), false);
    assert.equal(opensEpisode(alert(), undefined), true);
  });

  it('the same status and episode from the same source within the window is a duplicate', () => {
    const receipt = { status: 'firing', starts_at: T0, last_at: T0 };
    assert.equal(isDuplicate(receipt, alert(), T0 + 59_999, 60_000), true);
    assert.equal(isDuplicate(receipt, alert(), T0 + 60_000, 60_000), false, 'outside the window: a repeat Alertmanager meant');
    assert.equal(isDuplicate(receipt, alert({ status: 'resolved' }), T0 + 1, 60_000), false);
    assert.equal(isDuplicate(receipt, alert({ startsAt: T0 + 1 }), T0 + 1, 60_000), false);
    assert.equal(isDuplicate(receipt, alert(), T0 - 500, 60_000), true, 'the second of an HA pair, applied after the first though it arrived earlier');
  });
});
