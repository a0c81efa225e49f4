import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cidrProblem, guardedLookup, refusal, urlPolicy, urlPolicyFromEnv } from '../../src/notify/url-policy.js';

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

  it('takes the lists of the outbound section, each replaced by its environment variable when set', () => {
    const configured = { allow: ['169.254.0.0/16'], deny: ['10.0.0.0/8'] };
    const fromFile = urlPolicyFromEnv({}, configured);
    assert.equal(refusal(fromFile, '169.254.1.1'), null);
    assert.match(refusal(fromFile, '10.1.1.1') ?? '', /deny list/);
    const overridden = urlPolicyFromEnv({ ALERTWIRE_OUTBOUND_DENY: '192.168.0.0/16', ALERTWIRE_OUTBOUND_ALLOW: '' }, configured);
    assert.equal(refusal(overridden, '10.1.1.1'), null, 'the variable replaces the deny list');
    assert.match(refusal(overridden, '192.168.1.1') ?? '', /deny list/);
    assert.equal(refusal(overridden, '169.254.1.1'), null, 'an empty variable leaves the allow list alone');
  });

  it('names what is wrong with a CIDR', () => {
    assert.equal(cidrProblem('10.0.0.0/8'), null);
    assert.equal(cidrProblem('fd00::/8'), null);
    assert.equal(cidrProblem('127.0.0.1'), null);
    assert.match(cidrProblem('10.0.0.0/') ?? '', /bad prefix length in "10\.0\.0\.0\/" \(0–32\)/, 'not silently /0, which matches everything');
    assert.match(cidrProblem('10.0.0.0/33') ?? '', /bad prefix length/);
    assert.match(cidrProblem('::/129') ?? '', /\(0–128\)/);
    assert.match(cidrProblem('10.0.0.0/8/9') ?? '', /not an address or CIDR/);
    assert.match(cidrProblem('example.com') ?? '', /"example\.com" is not an address or CIDR/);
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
