import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { BlockList, isIPv4 } from 'node:net';
import type { Static } from '@sinclair/typebox';
import type { AuthSchema } from '../actions/receiver.js';
import type { TokenHash } from '../store/receivers.js';
import { presentedSecret } from './auth.js';
import { HttpError } from './errors.js';

type AuthSettings = Static<typeof AuthSchema>;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** The credential of a hook call: Bearer token, Basic password, or Rancher's `?key=`. */
export function presentedHookToken(authorization: string | undefined, queryKey: string | undefined): string | undefined {
  return presentedSecret(authorization) ?? (queryKey || undefined);
}

/** True when `token` hashes to one of the receiver's live hashes; every hash is compared. */
export function tokenMatches(token: string, hashes: readonly TokenHash[], now: number): boolean {
  const presented = hashToken(token);
  let ok = false;
  for (const h of hashes) {
    const live = h.expiresAt === null || h.expiresAt > now;
    if (equalHex(presented, h.hash) && live) ok = true;
  }
  return ok;
}

export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

export function cidrList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', bits] = cidr.split('/');
    const type = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

export interface HookRequest {
  ip: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  queryKey: string | undefined;
}

function header(request: HookRequest, name: string): string | undefined {
  const v = request.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Checks the caller: allowed address, then token and/or signature as the receiver requires.
 * Throws 403 for an address outside the allowlist, 401 for missing or wrong credentials.
 */
export function authenticateHook(request: HookRequest, auth: AuthSettings, hmacSecret: string | undefined, hashes: readonly TokenHash[], now: number): void {
  if (auth.allow_cidrs.length > 0) {
    const ip = normalizeIp(request.ip);
    if (!cidrList(auth.allow_cidrs).check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6')) {
      throw new HttpError(403, `Forbidden: source address ${ip} is not in the receiver's allowlist`);
    }
  }
  if (auth.mode !== 'hmac') {
    const token = presentedHookToken(header(request, 'authorization'), request.queryKey);
    if (!token) throw new HttpError(401, 'Unauthorized: missing credentials; send Authorization: Bearer <token> or ?key=<token>');
    if (!tokenMatches(token, hashes, now)) throw new HttpError(401, 'Unauthorized: invalid token');
  }
  if (auth.mode !== 'token') {
    if (!auth.hmac || !hmacSecret) throw new HttpError(401, 'Unauthorized: signature verification is not configured');
    verifySignature(request, { ...auth.hmac, secret: hmacSecret }, now);
  }
}

type Hmac = NonNullable<AuthSettings['hmac']>;

export function verifySignature(request: HookRequest, hmac: Hmac, now: number): void {
  if (hmac.scheme === 'grafana') return verifyGrafana(request, hmac, now);
  if (hmac.scheme === 'github') return verifyGithub(request, hmac);
  return verifyStandard(request, hmac, now);
}

function within(timestampSeconds: string, window: number, now: number): void {
  const ts = Number(timestampSeconds);
  if (!Number.isFinite(ts) || !/^\d+$/.test(timestampSeconds)) throw new HttpError(401, 'Unauthorized: malformed signature timestamp');
  if (Math.abs(now / 1000 - ts) > window) throw new HttpError(401, `Unauthorized: signature timestamp outside the ${window}-second window`);
}

/** Grafana: lowercase hex HMAC-SHA256 of `[timestamp:]body`. */
function verifyGrafana(request: HookRequest, hmac: Hmac, now: number): void {
  const signature = header(request, hmac.header ?? 'X-Grafana-Alerting-Signature');
  if (!signature) throw new HttpError(401, `Unauthorized: missing ${hmac.header ?? 'X-Grafana-Alerting-Signature'} header`);
  let signed = request.rawBody;
  if (hmac.timestamp_header) {
    const ts = header(request, hmac.timestamp_header);
    if (!ts) throw new HttpError(401, `Unauthorized: missing ${hmac.timestamp_header} header`);
    within(ts, hmac.window, now);
    signed = `${ts}:${request.rawBody}`;
  }
  const expected = createHmac('sha256', hmac.secret).update(signed).digest('hex');
  if (!equalHex(signature.trim().toLowerCase(), expected)) throw new HttpError(401, 'Unauthorized: invalid signature');
}

/** GitHub style: `sha256=<hex>` of the body. */
function verifyGithub(request: HookRequest, hmac: Hmac): void {
  const name = hmac.header ?? 'X-Hub-Signature-256';
  const signature = header(request, name);
  if (!signature?.startsWith('sha256=')) throw new HttpError(401, `Unauthorized: missing or malformed ${name} header`);
  const expected = createHmac('sha256', hmac.secret).update(request.rawBody).digest('hex');
  if (!equalHex(signature.slice(7).toLowerCase(), expected)) throw new HttpError(401, 'Unauthorized: invalid signature');
}

/** Standard Webhooks: `v1,<base64>` signatures of `id.timestamp.body` with a `whsec_` key. */
function verifyStandard(request: HookRequest, hmac: Hmac, now: number): void {
  const id = header(request, 'webhook-id');
  const ts = header(request, 'webhook-timestamp');
  const signatures = header(request, 'webhook-signature');
  if (!id || !ts || !signatures) throw new HttpError(401, 'Unauthorized: missing webhook-id, webhook-timestamp or webhook-signature header');
  within(ts, hmac.window, now);
  const key = Buffer.from(hmac.secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${request.rawBody}`).digest();
  const ok = signatures.split(' ').some((s) => {
    const [version, value] = s.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!ok) throw new HttpError(401, 'Unauthorized: invalid signature');
}
