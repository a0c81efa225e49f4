import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireToken } from '../intake/auth.js';

/**
 * Every route registered inside `register` requires the admin token as a Bearer credential.
 * Fastify's encapsulation keeps the hook to those routes only.
 */
export async function adminScope(
  app: FastifyInstance,
  options: { adminToken: string; register: (scope: FastifyInstance) => Promise<void> },
): Promise<void> {
  app.addHook('onRequest', async (request: FastifyRequest) => {
    requireToken(request.headers.authorization, options.adminToken);
  });
  await options.register(app);
}
