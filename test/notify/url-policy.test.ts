import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guardedLookup, refusal, urlPolicy, urlPolicyFromEnv } from '../../src/notify/url-policy.js';

describe('outbound URL policy', () => {
  const defaults = urlPolicy([], []);
  const cases: [string, boolean][] = [
    ['169.254.169.254', false],
    ['169.254.1.1', false],
    ['::ffff:169.254.169.254', false],
    ['100.100.100.200', false],
    ['fe80::1', false],
    ['fd00:ec2::254', false],
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['93.184.216.34', true],
    ['::1', true],
  ];
  for (const [address, allowed] of cases) {
    it(`${address} is ${allowed ? 'allowed' : 'refused'} by default`, () => assert.equal(refusal(defaults, address) === null, allowed));
  }

  it('lets an allow list open a refused range, and a deny list win over everything', () => {
    const p = urlPolicy(['169.254.0.0/16'], ['10.0.0.0/8', '169.254.169.254']);
    assert.equal(refusal(p, '169.254.1.1'), null);
    assert.match(refusal(p, '169.254.169.254') ?? '', /deny list/);
    assert.match(refusal(p, '10.9.9.9') ?? '', /deny list/);
  });

  it('reads comma-separated CIDRs from the environment and rejects bad ones', () => {
    const p = urlPolicyFromEnv({ ALERTWIRE_OUTBOUND_DENY: '127.0.0.0/8, ::1' });
    assert.match(refusal(p, '127.0.0.5') ?? '', /deny/);
    assert.throws(() => urlPolicyFromEnv({ ALERTWIRE_OUTBOUND_DENY: 'nonsense' }), /not an address/);
    assert.throws(() => urlPolicyFromEnv({ ALERTWIRE_OUTBOUND_ALLOW: '10.0.0.0/40' }), /prefix/);
  });

  it('checks the resolved address, not the name', async () => {
    const lookup = guardedLookup(urlPolicy([], ['127.0.0.0/8']));
    const error = await new Promise<Error | null>((resolve) => lookup('localhost', { family: 4 }, (err) => resolve(err)));
    assert.match(error?.message ?? '', /localhost: address 127\.0\.0\.1 is in the outbound deny list/);
    const open = guardedLookup(urlPolicy([], []));
    const address = await new Promise<string>((resolve, reject) =>
      open('localhost', { family: 4 }, (err, a) => (err ? reject(err) : resolve(String(a)))),
    );
    assert.equal(address, '127.0.0.1');
  });
});
