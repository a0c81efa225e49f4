import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { grafanaSignature, signatureHeaders, standardSecretProblem, standardSignature } from '../../src/notify/signing.js';

const BODY = '{"a":1}';

describe('Grafana HMAC signature', () => {
  // Vectors computed independently: printf '%s' '<input>' | openssl dgst -sha256 -hmac grafana-secret
  it('is hex HMAC-SHA256 of the body without a timestamp header', () => {
    assert.equal(grafanaSignature('grafana-secret', BODY), '1989731f9bb2c7d0d76465fd8865eff33772b9bb41eed41f03e7707dc2831367');
  });

  it('covers "<timestamp>:<body>" with a timestamp header', () => {
    assert.equal(grafanaSignature('grafana-secret', BODY, '1700000000'), '24e5cceaff421f69e7d20a98706bbd411e1681e0799cd472fa11800058e7c197');
  });

  it('writes the signature (default header) and, when configured, the timestamp header', () => {
    const plain = signatureHeaders({ type: 'hmac', secret: 'grafana-secret' }, 'msg_1', BODY, 1_700_000_000_123);
    assert.deepEqual(plain, { 'X-Grafana-Alerting-Signature': '1989731f9bb2c7d0d76465fd8865eff33772b9bb41eed41f03e7707dc2831367' });
    const stamped = signatureHeaders({ type: 'hmac', secret: 'grafana-secret', header: 'X-Sig', timestampHeader: 'X-Ts' }, 'msg_1', BODY, 1_700_000_000_999);
    assert.deepEqual(stamped, { 'X-Ts': '1700000000', 'X-Sig': '24e5cceaff421f69e7d20a98706bbd411e1681e0799cd472fa11800058e7c197' });
  });
});

describe('Standard Webhooks signature', () => {
  const secretA = `whsec_${randomBytes(24).toString('base64')}`;
  const secretB = `whsec_${randomBytes(32).toString('base64')}`;

  function headersFor(secrets: string[], id: string, body: string, nowMs: number): Record<string, string> {
    return { 'webhook-id': id, ...signatureHeaders({ type: 'standard', secrets }, id, body, nowMs) };
  }

  it('verifies with the standardwebhooks package', () => {
    const headers = headersFor([secretA], 'msg_abc', BODY, Date.now());
    assert.deepEqual(new Webhook(secretA).verify(BODY, headers), { a: 1 });
  });

  it('fails verification when the body changed or the secret differs', () => {
    const headers = headersFor([secretA], 'msg_abc', BODY, Date.now());
    assert.throws(() => new Webhook(secretA).verify('{"a":2}', headers));
    assert.throws(() => new Webhook(secretB).verify(BODY, headers));
  });

  it('signs with every secret during a rotation, so either one verifies', () => {
    const headers = headersFor([secretA, secretB], 'msg_rot', BODY, Date.now());
    assert.equal(headers['webhook-signature']?.split(' ').length, 2);
    assert.ok(headers['webhook-signature']?.split(' ').every((s) => s.startsWith('v1,')));
    assert.deepEqual(new Webhook(secretA).verify(BODY, headers), { a: 1 });
    assert.deepEqual(new Webhook(secretB).verify(BODY, headers), { a: 1 });
  });

  it('is rejected by the receiver when the timestamp is outside its tolerance', () => {
    const headers = headersFor([secretA], 'msg_old', BODY, Date.now() - 10 * 60 * 1000);
    assert.throws(() => new Webhook(secretA).verify(BODY, headers), /timestamp/i);
  });

  it('signs id.timestamp.body', () => {
    const sig = standardSignature([secretA], 'msg_x', 1700000000, BODY);
    const again = standardSignature([secretA], 'msg_x', 1700000001, BODY);
    assert.notEqual(sig, again);
  });

  it('checks secrets: whsec_ prefix, base64, 16 to 64 bytes', () => {
    assert.equal(standardSecretProblem(secretA), null);
    assert.match(standardSecretProblem('abc') ?? '', /whsec_/);
    assert.match(standardSecretProblem('whsec_!!!') ?? '', /base64/);
    assert.match(standardSecretProblem(`whsec_${randomBytes(4).toString('base64')}`) ?? '', /16 to 64/);
  });
});
