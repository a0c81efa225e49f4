import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireToken } from '../intake/auth.js';
import { requireCsrfHeader, type Sessions } from './session.js';

/**
 * Every route registered inside `register` requires the admin: the admin token as a Bearer
 * credential (scripts), or a console session cookie. A cookie alone never authorises a
 * change: unsafe methods also need the CSRF header (see session.ts).
 * Fastify's encapsulation keeps the hook to those routes only.
 */
export async function adminScope(
  app: FastifyInstance,
  options: { adminToken: string; sessions?: Sessions; register: (scope: FastifyInstance) => Promise<void> },
): Promise<void> {
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (request.headers.authorization || !options.sessions) {
      requireToken(request.headers.authorization, options.adminToken);
      return;
    }
    const session = await options.sessions.lookup(request);
    if (!session) requireToken(undefined, options.adminToken);
    requireCsrfHeader(request);
  });
  await options.register(app);
}
