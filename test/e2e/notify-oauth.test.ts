/**
 * OAuth2 client credentials end to end, on SQLite and PostgreSQL: a token endpoint and a
 * receiver on 127.0.0.1. The token request (Basic client auth, grant type, scope, endpoint
 * parameters), the Bearer token on deliveries, caching, refresh before expiry, a fresh token
 * after a 401, and a failing token endpoint in the attempt log.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DIALECTS } from '../support/dialects.js';
import { call, createContactPoint, deliveries, notification, postAlerts, settled } from '../notify/api.js';
import { FAST_RETRY, withApp, type Harness } from '../notify/harness.js';
import type { Answer, Received, Sink } from '../notify/sink.js';

// A space and a colon, so the id and secret must be form-encoded before they are joined for Basic auth.
const CLIENT_ID = 'alertwire client';
const CLIENT_SECRET = 's3cr:t/+x';
const SCOPES = ['alerts:write', 'alerts:read'];
const AUDIENCE = 'https://hooks.example';

const one = (name: string) => notification([{ labels: { alertname: name } }]);


interface AttemptLog {
  attemptLog: { outcome: string; error: string | null; request: { headers: Record<string, string> } }[];
}

const formDecode = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));

/** Why a token request is not the client-credentials request alertwire must send, or null. */
function clientCredentialsProblem(r: Received): string | null {
  if (r.method !== 'POST' || r.path !== '/oauth/token') return `${r.method} ${r.path}`;
  if (!(r.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return `content-type ${r.headers['content-type']}`;
  const basic = /^Basic (.+)$/.exec(r.headers.authorization ?? '')?.[1];
  if (!basic) return 'no Basic client authentication';
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // RFC 6749 §2.3.1: split at the first colon, then undo the form encoding of each half.
  const [id, secret] = [formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))];
  if (id !== CLIENT_ID || secret !== CLIENT_SECRET) return `client ${id}:${secret}`;
  const form = new URLSearchParams(r.body);
  if (form.get('grant_type') !== 'client_credentials') return `grant_type ${form.get('grant_type')}`;
  if (form.get('scope') !== SCOPES.join(' ')) return `scope ${form.get('scope')}`;
  if (form.get('audience') !== AUDIENCE) return `audience ${form.get('audience')}`;
  return null;
}

/** Tokens issued, and which of them the receiver still takes. */
interface Issuer {
  endpoint: Sink;
  /** token → when it stops being valid (ms). */
  valid: Map<string, number>;
  problems: string[];
}

/**
 * A token endpoint issuing tok-0, tok-1, … valid for `expiresIn` seconds; `fail` may answer
 * the i-th request otherwise.
 */
async function tokenIssuer(h: Harness, expiresIn: number, fail: (i: number) => Answer | undefined = () => undefined): Promise<Issuer> {
  const valid = new Map<string, number>();
  const problems: string[] = [];
  let issued = 0;
  const endpoint = await h.sink((r, i) => {
    const problem = clientCredentialsProblem(r);
    if (problem) {
      problems.push(problem);
      return { status: 401, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'invalid_client', error_description: problem }) };
    }
    const failure = fail(i);
    if (failure) return failure;
    const token = `tok-${issued++}`;
    valid.set(token, Date.now() + expiresIn * 1000);
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: token, token_type: 'bearer', expires_in: expiresIn }) };
  });
  return { endpoint, valid, problems };
}

/** A receiver that takes only an unexpired, unrevoked token of the issuer. */
function requireToken(issuer: Issuer) {
  return (r: Received): Answer => {
    const token = /^Bearer (.+)$/.exec(r.headers.authorization ?? '')?.[1] ?? '';
    const until = issuer.valid.get(token);
    return until !== undefined && until > Date.now() ? { status: 204 } : { status: 401, body: 'invalid token' };
  };
}

function oauthContactPoint(name: string, receiver: Sink, tokenUrl: string) {
  return {
    name,
    url: `${receiver.url}/hook`,
    retry: FAST_RETRY,
    auth: { type: 'oauth2', tokenUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: SCOPES, endpointParams: { audience: AUDIENCE } },
  };
}

const bearer = (r: Received | undefined) => r?.headers.authorization;

/** An issuer, a receiver that takes only its tokens, and a contact point `name` between them. */
async function oauthScenario(h: Harness, name: string, expiresIn: number, fail?: (i: number) => Answer | undefined): Promise<{ issuer: Issuer; receiver: Sink }> {
  const issuer = await tokenIssuer(h, expiresIn, fail);
  const receiver = await h.sink();
  receiver.respond = requireToken(issuer);
  await createContactPoint(h.app, oauthContactPoint(name, receiver, `${issuer.endpoint.url}/oauth/token`));
  return { issuer, receiver };
}

for (const dialect of DIALECTS) {
  describe(`OAuth2 client credentials (${dialect})`, () => {
    it('sends the token as Bearer, fetched once and shared by many deliveries', () =>
      withApp(dialect, async (h) => {
        const { issuer, receiver } = await oauthScenario(h, 'oauth', 3600);
        // Five notifications at once: their deliveries run side by side and must share one token request.
        await Promise.all(['A', 'B', 'C', 'D', 'E'].map((name) => postAlerts(h.app, one(name))));
        const got = await receiver.waitFor(5);
        assert.deepEqual([...new Set(got.map(bearer))], ['Bearer tok-0']);
        await postAlerts(h.app, one('F'));
        assert.equal(bearer((await receiver.waitFor(6))[5]), 'Bearer tok-0');
        const ds = await settled(h.app, 6);
        assert.deepEqual([...new Set(ds.map((d) => `${d.state}/${d.attempts}`))], ['delivered/1']);
        assert.deepEqual(issuer.problems, []);
        assert.equal(issuer.endpoint.received.length, 1, 'one token request for six deliveries');
        const detail = await call<AttemptLog>(h.app, 'GET', `/api/v1/deliveries/${ds[0]?.id}`);
        assert.equal(detail.body.attemptLog[0]?.request.headers.authorization, '[redacted]');
      }));

    it('fetches a new token before the cached one expires', () =>
      withApp(dialect, async (h) => {
        // Valid for 2 s: alertwire refreshes at half the lifetime of so short a token.
        const { issuer, receiver } = await oauthScenario(h, 'expiring', 2);
        await postAlerts(h.app, one('A'));
        assert.equal(bearer((await receiver.waitFor(1))[0]), 'Bearer tok-0');
        await new Promise((r) => setTimeout(r, 1200));
        await postAlerts(h.app, one('B'));
        assert.equal(bearer((await receiver.waitFor(2))[1]), 'Bearer tok-1', 'a token past half its life is replaced, not sent');
        const ds = await settled(h.app, 2);
        assert.deepEqual(ds.map((d) => `${d.state}/${d.attempts}`), ['delivered/1', 'delivered/1']);
        assert.equal(receiver.received.length, 2, 'no request went out with a stale token');
        assert.equal(issuer.endpoint.received.length, 2);
      }));

    it('after a 401 to a cached token, sends once more with a fresh one; a fresh token refused fails', () =>
      withApp(dialect, async (h) => {
        const { issuer, receiver } = await oauthScenario(h, 'revoked', 3600);
        await postAlerts(h.app, one('A'));
        await receiver.waitFor(1);
        await settled(h.app, 1);

        // The authorization server revokes tok-0 before it expires.
        issuer.valid.delete('tok-0');
        await postAlerts(h.app, one('B'));
        const got = await receiver.waitFor(3);
        assert.deepEqual(got.slice(1).map(bearer), ['Bearer tok-0', 'Bearer tok-1']);
        assert.deepEqual((await settled(h.app, 2)).map((d) => `${d.state}/${d.attempts}`), ['delivered/1', 'delivered/1']);
        assert.equal(issuer.endpoint.received.length, 2);

        // The receiver now refuses every token: one fresh token is tried, then the delivery fails (4xx), without a loop.
        receiver.respond = () => ({ status: 401, body: 'wrong audience' });
        await postAlerts(h.app, one('C'));
        const [c] = (await settled(h.app, 3)).filter((d) => d.state === 'failed');
        assert.equal(c?.attempts, 1);
        assert.equal(c?.lastStatus, 401);
        assert.deepEqual(receiver.received.slice(3).map(bearer), ['Bearer tok-1', 'Bearer tok-2']);
        assert.equal(issuer.endpoint.received.length, 3);

        // Nothing is cached now: the next delivery fetches a token, and its 401 is final at once.
        await postAlerts(h.app, one('D'));
        await settled(h.app, 4);
        assert.deepEqual(receiver.received.slice(5).map(bearer), ['Bearer tok-3']);
        assert.equal(issuer.endpoint.received.length, 4);
        assert.deepEqual(issuer.problems, []);
      }));

    it('reports a failing token endpoint in words and retries the delivery', () =>
      withApp(dialect, async (h) => {
        const { issuer, receiver } = await oauthScenario(h, 'token-trouble', 3600, (i) =>
          i === 0
            ? { status: 503, body: 'down for maintenance' }
            : i === 1
              ? { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'invalid_scope', error_description: 'alerts:read is not granted' }) }
              : undefined,
        );
        await postAlerts(h.app, one('A'));
        const [d] = await settled(h.app, 1);
        assert.equal(d?.state, 'delivered');
        assert.equal(d?.attempts, 3);
        const detail = await call<AttemptLog>(h.app, 'GET', `/api/v1/deliveries/${d?.id}`);
        const log = detail.body.attemptLog;
        assert.deepEqual(log.map((a) => a.outcome), ['retry', 'retry', 'success']);
        assert.equal(log[0]?.error, 'OAuth2 token request failed: HTTP 503: down for maintenance');
        assert.equal(log[1]?.error, 'OAuth2 token request failed: HTTP 400 invalid_scope: alerts:read is not granted');
        assert.equal(receiver.received.length, 1, 'nothing is sent without a token');
        assert.equal(bearer(receiver.received[0]), 'Bearer tok-0');
      }));

    it('fails at once when the token URL is an address the outbound policy refuses', () =>
      withApp(dialect, async (h) => {
        const receiver = await h.sink();
        await createContactPoint(h.app, oauthContactPoint('metadata-token', receiver, 'http://169.254.169.254/oauth/token'));
        await postAlerts(h.app, one('A'));
        const [d] = await settled(h.app, 1);
        assert.equal(d?.state, 'failed');
        assert.equal(d?.attempts, 1);
        assert.match(d?.lastError ?? '', /^OAuth2 token request failed: refused: .*169\.254\.169\.254/);
        assert.equal(receiver.received.length, 0);
      }));
  });
}
