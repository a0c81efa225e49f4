/**
 * TLS to contact points: a sink whose certificate is signed by a private CA, one that
 * requires a client certificate (mTLS), and a server name that differs from the URL's host.
 * Certificates are made with openssl when the suite starts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../support/dialects.js';
import { call, createContactPoint } from '../notify/api.js';
import { withApp } from '../notify/harness.js';
import { startSink, type Sink } from '../notify/sink.js';

interface Pki {
  ca: string;
  serverCert: string;
  serverKey: string;
  namedCert: string;
  namedKey: string;
  clientCa: string;
  clientCert: string;
  clientKey: string;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA; a server certificate for IP 127.0.0.1 and one for hooks.example; a client CA and certificate. */
function makePki(dir: string): Pki {
  const ca = (name: string) => openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`);
  const leaf = (name: string, signer: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.crt`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
  };
  ca('test-ca');
  ca('client-ca');
  leaf('server', 'test-ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('named', 'test-ca', 'subjectAltName=DNS:hooks.example\nextendedKeyUsage=serverAuth\n');
  leaf('alertwire-client', 'client-ca', 'extendedKeyUsage=clientAuth\n');
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    ca: read('test-ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    namedCert: read('named.crt'),
    namedKey: read('named.key'),
    clientCa: read('client-ca.crt'),
    clientCert: read('alertwire-client.crt'),
    clientKey: read('alertwire-client.key'),
  };
}

type TestAnswer = { ok: boolean; status: number | null; error: string | null };

describe('TLS to contact points', () => {
  let dir = '';
  let pki: Pki;
  let plain: Sink;
  let mtls: Sink;
  let named: Sink;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alertwire-pki-'));
    pki = makePki(dir);
    plain = await startSink(undefined, { cert: pki.serverCert, key: pki.serverKey });
    mtls = await startSink(undefined, { cert: pki.serverCert, key: pki.serverKey, clientCa: pki.clientCa });
    named = await startSink(undefined, { cert: pki.namedCert, key: pki.namedKey });
  });
  after(async () => {
    await Promise.all([plain.close(), mtls.close(), named.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const dialect of DIALECTS) {
    it(`verifies the server against the configured CA, or not at all when told (${dialect})`, () =>
      withApp(dialect, async ({ app }) => {
        const test = async (name: string, tls: Record<string, unknown>, url = plain.url) => {
          const cp = await createContactPoint(app, { name, url, tls });
          return (await call<TestAnswer>(app, 'POST', `/api/v1/contact-points/${cp.id}/test`, {})).body;
        };
        const untrusted = await test('no-ca', {});
        assert.equal(untrusted.ok, false);
        assert.match(untrusted.error ?? '', /^TLS: .*(self-signed|unable to (get|verify))/i);
        const trusted = await test('with-ca', { ca: pki.ca });
        assert.equal(trusted.ok, true, trusted.error ?? '');
        assert.equal(trusted.status, 200);
        assert.equal((await test('skip', { insecureSkipVerify: true })).ok, true);
        const wrongName = await test('wrong-name', { ca: pki.ca }, named.url);
        assert.equal(wrongName.ok, false);
        assert.match(wrongName.error ?? '', /TLS: .*(altname|Hostname|IP)/i);
        assert.equal((await test('server-name', { ca: pki.ca, serverName: 'hooks.example' }, named.url)).ok, true);
      }));

    it(`presents a client certificate to a sink that requires one (mTLS) (${dialect})`, () =>
      withApp(dialect, async ({ app }) => {
        const before = mtls.received.length;
        const anonymous = await createContactPoint(app, { name: 'anon', url: mtls.url, tls: { ca: pki.ca } });
        const refused = (await call<TestAnswer>(app, 'POST', `/api/v1/contact-points/${anonymous.id}/test`, {})).body;
        assert.equal(refused.ok, false);
        const withCert = await createContactPoint(app, { name: 'mtls', url: mtls.url, tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } });
        assert.equal((withCert.tls as { key: string }).key, '[set]');
        const ok = (await call<TestAnswer>(app, 'POST', `/api/v1/contact-points/${withCert.id}/test`, {})).body;
        assert.equal(ok.ok, true, ok.error ?? '');
        assert.equal(mtls.received.length, before + 1);
        assert.equal(mtls.received.at(-1)?.clientCert, 'alertwire-client');
      }));
  }
});
