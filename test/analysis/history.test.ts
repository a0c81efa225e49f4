import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FLAPPING_WINDOW_MS, historyFacts } from '../../src/analysis/history.js';
import type { AlertRow, OccurrenceRow } from '../../src/store/tables.js';

const NOW = Date.UTC(2024, 5, 1, 12);
const MIN = 60_000;

function row(over: Partial<AlertRow> = {}): AlertRow {
  return {
    fingerprint: 'f',
    alertname: 'TargetDown',
    namespace: 'prod',
    instance: 'web-1:9100',
    job: 'node',
    status: 'firing',
    labels: '{}',
    annotations: '{}',
    extra: '{}',
    generator_url: '',
    starts_at: NOW - 10 * MIN,
    ends_at: null,
    source: 'webhook',
    first_seen: NOW - 100 * MIN,
    last_seen: NOW,
    last_change: NOW - 10 * MIN,
    received_count: 9,
    occurrence_count: 3,
    ...over,
  };
}

let nextId = 1;
function episode(startsAgoMin: number, endsAgoMin: number | null): OccurrenceRow {
  return {
    id: nextId++,
    fingerprint: 'f',
    starts_at: NOW - startsAgoMin * MIN,
    ends_at: endsAgoMin === null ? null : NOW - endsAgoMin * MIN,
    status: endsAgoMin === null ? 'firing' : 'resolved',
    first_received: 0,
    last_received: 0,
    received_count: 1,
  };
}

describe('historyFacts', () => {
  it('counts state changes in the last hour and calls four or more flapping', () => {
    const occurrences = [episode(10, null), episode(30, 20), episode(50, 40)];
    const facts = historyFacts(row(), occurrences, [], NOW);
    assert.equal(facts.stateChangesInWindow, 5);
    assert.equal(facts.flapping, true);
    assert.equal(facts.occurrences, 3);
    assert.equal(facts.meanTimeBetweenFiringsMs, 20 * MIN);
  });

  it('is not flapping when earlier episodes are outside the window', () => {
    const occurrences = [episode(10, null), episode(FLAPPING_WINDOW_MS / MIN + 50, FLAPPING_WINDOW_MS / MIN + 40)];
    const facts = historyFacts(row({ occurrence_count: 2 }), occurrences, [], NOW);
    assert.equal(facts.stateChangesInWindow, 1);
    assert.equal(facts.flapping, false);
  });

  it('measures time firing until now, or until the end of a resolved alert', () => {
    assert.equal(historyFacts(row(), [episode(10, null)], [], NOW).firingForMs, 10 * MIN);
    const resolved = row({ status: 'resolved', ends_at: NOW - 4 * MIN });
    assert.equal(historyFacts(resolved, [episode(10, 4)], [], NOW).firingForMs, 6 * MIN);
    assert.equal(historyFacts(row(), [episode(10, null)], [], NOW).meanTimeBetweenFiringsMs, null);
  });

  it('lists firing neighbours with the labels they share', () => {
    const neighbours = [
      row({ fingerprint: 'g', alertname: 'HighLoad', instance: 'web-1:9100', namespace: 'other', job: 'node' }),
      row({ fingerprint: 'h', alertname: 'PodCrash', instance: 'x', namespace: 'prod', job: 'kube' }),
    ];
    const facts = historyFacts(row(), [episode(10, null)], neighbours, NOW);
    assert.deepEqual(
      facts.related.map((r) => [r.fingerprint, r.alertname, r.shared]),
      [
        ['g', 'HighLoad', ['instance', 'job']],
        ['h', 'PodCrash', ['namespace']],
      ],
    );
  });
});
