import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from './errors.js';

/** Hashing first gives equal-length inputs, so the comparison time reveals nothing. */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && expected.length > 0;
}

/** The credential in an Authorization header: Bearer token, or the password of Basic auth. */
export function presentedSecret(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const space = authorization.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  if (scheme === 'bearer') return value;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="alertwire"' };

/** Throws 401 unless the header carries `token` (Bearer, or Basic with it as password). */
export function requireToken(authorization: string | undefined, token: string): void {
  const secret = presentedSecret(authorization);
  if (secret === undefined) {
    throw new HttpError(401, 'Unauthorized: missing credentials; send Authorization: Bearer <token>', CHALLENGE);
  }
  if (!secretsEqual(secret, token)) throw new HttpError(401, 'Unauthorized: invalid token', CHALLENGE);
}
