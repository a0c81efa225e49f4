import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { secretsEqual } from '../intake/auth.js';
import { HttpError } from '../intake/errors.js';
import type { Store } from '../store/database.js';
import { deleteSession, findSession, insertSession, purgeExpiredSessions, touchSession } from '../store/sessions.js';

export const SESSION_COOKIE = 'alertwire_session';
/**
 * Cookie-authenticated unsafe requests must carry this header. A cross-site form or image
 * cannot set a custom header, and a cross-site fetch that sets one needs a CORS preflight the
 * server never grants, so its presence proves the request came from the console's own origin.
 */
export const CSRF_HEADER = 'x-alertwire-csrf';

const MINUTE = 60_000;
const IDLE_MS = 12 * 60 * MINUTE;
const MAX_AGE_MS = 7 * 24 * 60 * MINUTE;

export interface SessionDeps {
  store: Store;
  now: () => number;
  /** True when the console is served over https: the cookie then carries Secure. */
  secure: () => boolean;
}

export interface ActiveSession {
  subject: string;
  expiresAt: number;
}

const hashOf = (id: string) => createHash('sha256').update(id).digest('hex');

/** The value of cookie `name` in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function isUnsafeMethod(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/** Throws 403 unless an unsafe cookie-authenticated request carries the CSRF header. */
export function requireCsrfHeader(request: FastifyRequest): void {
  if (isUnsafeMethod(request.method) && request.headers[CSRF_HEADER] !== '1') {
    throw new HttpError(403, `Forbidden: send the ${CSRF_HEADER}: 1 header with cookie-authenticated changes`);
  }
}

/**
 * Server-side sessions: the cookie holds a random id, the table its hash. Chosen over signed
 * tokens so that signing out (or deleting the row) ends a session at once on every replica,
 * and no signing key has to be managed or rotated.
 */
export class Sessions {
  constructor(private readonly deps: SessionDeps) {}

  async open(subject: string): Promise<{ id: string; expiresAt: number }> {
    const id = randomBytes(32).toString('base64url');
    const now = this.deps.now();
    const expiresAt = now + IDLE_MS;
    await insertSession(this.deps.store, hashOf(id), subject, now, expiresAt);
    // Sign-ins are rare and the purge is an index range: expired rows go here, no timer needed.
    await purgeExpiredSessions(this.deps.store, now);
    return { id, expiresAt };
  }

  /** The session of a request's cookie; sliding expiry, refreshed at most once a minute. */
  async lookup(request: FastifyRequest): Promise<ActiveSession | undefined> {
    const id = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (!id) return undefined;
    const now = this.deps.now();
    const found = await findSession(this.deps.store, hashOf(id), now);
    if (!found || now - found.createdAt > MAX_AGE_MS) return undefined;
    if (now - found.lastSeenAt < MINUTE) return { subject: found.subject, expiresAt: found.expiresAt };
    const expiresAt = Math.min(now + IDLE_MS, found.createdAt + MAX_AGE_MS);
    await touchSession(this.deps.store, hashOf(id), now, expiresAt);
    return { subject: found.subject, expiresAt };
  }

  async close(request: FastifyRequest): Promise<void> {
    const id = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (id) await deleteSession(this.deps.store, hashOf(id));
  }

  /** Set-Cookie for a new session; the id never reaches script (HttpOnly) or other sites (Strict). */
  cookie(id: string): string {
    const secure = this.deps.secure() ? '; Secure' : '';
    return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${MAX_AGE_MS / 1000}${secure}`;
  }

  clearCookie(): string {
    const secure = this.deps.secure() ? '; Secure' : '';
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`;
  }
}

const SignInBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false });

const SessionView = Type.Object({
  authenticated: Type.Boolean(),
  subject: Type.Optional(Type.String()),
  expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
});

const view = (s: ActiveSession | undefined) =>
  s ? { authenticated: true, subject: s.subject, expiresAt: new Date(s.expiresAt).toISOString() } : { authenticated: false };

/** /api/v1/session: sign in with the admin token, see the session, sign out. */
export async function sessionRoutes(app: FastifyInstance, deps: { sessions: Sessions; adminToken: string }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const responses = { 200: SessionView };

  api.get('/api/v1/session', { schema: { response: responses } }, async (request) => view(await deps.sessions.lookup(request)));

  api.post('/api/v1/session', { schema: { body: SignInBody, response: responses } }, async (request, reply) => {
    requireCsrfHeader(request);
    if (!secretsEqual(request.body.token, deps.adminToken)) throw new HttpError(401, 'token: this is not the admin token');
    const { id, expiresAt } = await deps.sessions.open('admin');
    void reply.header('Set-Cookie', deps.sessions.cookie(id)).header('Cache-Control', 'no-store');
    return view({ subject: 'admin', expiresAt });
  });

  api.delete('/api/v1/session', async (request, reply) => {
    requireCsrfHeader(request);
    await deps.sessions.close(request);
    return reply.header('Set-Cookie', deps.sessions.clearCookie()).code(204).send();
  });
}
