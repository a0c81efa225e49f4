import type { FastifyInstance } from 'fastify';
import { pingStore, type Store } from '../store/database.js';
import { countUnfinishedJobs } from '../store/jobs.js';
import type { Metrics } from './metrics.js';

export interface Readiness {
  /** Store migrated and workers running, and not draining. */
  ready(): boolean;
}

/** /health (OnCallM's shape), /ready for load balancers, /metrics for Prometheus. */
export async function healthRoutes(app: FastifyInstance, deps: { store: Store; metrics: Metrics; readiness: Readiness }) {
  app.get('/health', async (_request, reply) => {
    try {
      await pingStore(deps.store);
      const queueSize = await countUnfinishedJobs(deps.store);
      return {
        status: 'healthy',
        webhook_endpoint: deps.readiness.ready() ? 'available' : 'unavailable',
        ai_service: 'disabled',
        queue_size: queueSize,
        database: 'ok',
      };
    } catch (error) {
      return reply.code(503).send({
        status: 'unhealthy',
        webhook_endpoint: 'unavailable',
        ai_service: 'disabled',
        queue_size: null,
        database: `unreachable: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  });

  app.get('/ready', async (_request, reply) => {
    if (!deps.readiness.ready()) return reply.code(503).send({ status: 'not ready' });
    return { status: 'ready' };
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
