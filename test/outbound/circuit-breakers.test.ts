// The circuit breakers of outbound endpoints, on each ledger they can keep their state in: the
// rules of one breaker, and — with two breakers on one database, as two replicas — one count and
// one probe for the deployment.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreakers, MemoryCircuitLedger } from '../../src/outbound/circuit-breakers.js';
import { StoredCircuitLedger, type CircuitLedger } from '../../src/store/circuits.js';
import type { Store } from '../../src/store/database.js';
import { DIALECTS, storeForSuite } from '../support/dialects.js';

const T0 = Date.UTC(2024, 0, 15, 10, 30);
const THREE = { threshold: 3, cooldownMs: 1000 };
const ONE = { threshold: 1, cooldownMs: 1000 };

let unique = 0;
/** Each test its own circuit, so the suites on one database do not share state. */
const circuitName = () => `endpoint-${++unique}`;

function rulesOfOneBreaker(ledger: () => CircuitLedger): void {
  it('opens after consecutive failures, probes once after the cooldown, closes on success', async () => {
    const b = new CircuitBreakers(ledger());
    const name = circuitName();
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await b.admit(name, THREE, T0), { allowed: true, probe: false });
      await b.record(name, THREE, 'failure', T0, false);
    }
    assert.equal(await b.state(name, T0 + 10), 'open');
    assert.deepEqual(await b.admit(name, THREE, T0 + 500), { allowed: false, retryAt: T0 + 1000 });
    assert.equal(await b.state(name, T0 + 1000), 'half-open');
    assert.deepEqual(await b.admit(name, THREE, T0 + 1000), { allowed: true, probe: true });
    assert.equal((await b.admit(name, THREE, T0 + 1001)).allowed, false, 'only one probe at a time');
    await b.record(name, THREE, 'success', T0 + 1100, true);
    assert.equal(await b.state(name, T0 + 1100), 'closed');
    assert.deepEqual(await b.admit(name, THREE, T0 + 1100), { allowed: true, probe: false });
  });

  it('reopens for another cooldown when the probe fails', async () => {
    const b = new CircuitBreakers(ledger());
    const name = circuitName();
    await b.record(name, ONE, 'failure', T0, false);
    assert.deepEqual(await b.admit(name, ONE, T0 + 1000), { allowed: true, probe: true });
    await b.record(name, ONE, 'failure', T0 + 1000, true);
    assert.deepEqual(await b.admit(name, ONE, T0 + 1500), { allowed: false, retryAt: T0 + 2000 });
  });

  it('lets the next probe out when a probe ends without a verdict', async () => {
    const b = new CircuitBreakers(ledger());
    const name = circuitName();
    await b.record(name, ONE, 'failure', T0, false);
    assert.equal((await b.admit(name, ONE, T0 + 1000)).allowed, true);
    await b.record(name, ONE, 'neutral', T0 + 1001, true);
    assert.deepEqual(await b.admit(name, ONE, T0 + 1002), { allowed: true, probe: true });
  });

  it('does not count answers that show the endpoint is alive (4xx), and a success clears the count', async () => {
    const b = new CircuitBreakers(ledger());
    const name = circuitName();
    const TWO = { threshold: 2, cooldownMs: 1000 };
    await b.record(name, TWO, 'failure', T0, false);
    await b.record(name, TWO, 'neutral', T0, false);
    await b.record(name, TWO, 'success', T0, false);
    await b.record(name, TWO, 'failure', T0, false);
    assert.equal(await b.state(name, T0), 'closed');
  });

  it('closes for good when reset (the contact point was changed)', async () => {
    const b = new CircuitBreakers(ledger());
    const name = circuitName();
    await b.record(name, ONE, 'failure', T0, false);
    await b.reset(name);
    assert.deepEqual(await b.admit(name, ONE, T0 + 1), { allowed: true, probe: false });
  });
}

describe('circuit breakers in memory', () => {
  rulesOfOneBreaker(() => new MemoryCircuitLedger());
});

for (const dialect of DIALECTS) {
  describe(`circuit breakers in the store (${dialect})`, () => {
    let store: Store;
    let second: Store;
    storeForSuite(dialect, (s, db) => {
      store = s;
      // A second connection to the same database stands for another replica (SQLite: another process on the file).
      second = s;
      if (dialect === 'postgres') void db.open().then((o) => (second = o));
    });

    rulesOfOneBreaker(() => new StoredCircuitLedger(store));

    it('counts the failures of every replica together and opens the circuit for all of them', async () => {
      const a = new CircuitBreakers(new StoredCircuitLedger(store));
      const b = new CircuitBreakers(new StoredCircuitLedger(second));
      const name = circuitName();
      await a.record(name, THREE, 'failure', T0, false);
      await b.record(name, THREE, 'failure', T0, false);
      assert.equal(await a.state(name, T0), 'closed');
      await a.record(name, THREE, 'failure', T0 + 1, false);
      assert.equal(await b.state(name, T0 + 1000), 'open', 'the other replica sees it open within a second');
      assert.equal((await b.admit(name, THREE, T0 + 1002)).allowed, true, 'past the cooldown: a probe');
    });

    it('lets one probe out for the deployment, and its success closes the circuit everywhere', async () => {
      const a = new CircuitBreakers(new StoredCircuitLedger(store));
      const b = new CircuitBreakers(new StoredCircuitLedger(second));
      const name = circuitName();
      await a.record(name, ONE, 'failure', T0, false);
      const admissions = await Promise.all([a.admit(name, ONE, T0 + 1000), b.admit(name, ONE, T0 + 1000)]);
      assert.deepEqual(admissions.map((x) => x.allowed).sort(), [false, true]);
      const prober = admissions[0]?.allowed ? a : b;
      await prober.record(name, ONE, 'success', T0 + 1100, true);
      assert.equal(await (prober === a ? b : a).state(name, T0 + 2200), 'closed');
    });
  });
}
