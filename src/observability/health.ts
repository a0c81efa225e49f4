import type { FastifyInstance } from 'fastify';
import { pingStore, type Store } from '../store/database.js';
import { countUnfinishedJobs } from '../store/jobs.js';
import { countPendingDeliveries } from '../store/delivery-queue.js';
import type { Metrics } from './metrics.js';

export interface Readiness {
  /** Store migrated and workers running, and not draining. */
  ready(): boolean;
}

/** The LLM's state as /health reports it: not configured, answering, or not answering. */
export interface AiService {
  status(): Promise<'disabled' | 'connected' | 'unreachable'>;
}

const NO_AI: AiService = { status: async () => 'disabled' };

/** /health (OnCallM's shape), /ready for load balancers, /metrics for Prometheus. */
export async function healthRoutes(app: FastifyInstance, deps: { store: Store; metrics: Metrics; readiness: Readiness; aiService?: AiService }) {
  const ai = deps.aiService ?? NO_AI;
  app.get('/health', async (_request, reply) => {
    try {
      await pingStore(deps.store);
      const [jobs, deliveries, aiService] = await Promise.all([countUnfinishedJobs(deps.store), countPendingDeliveries(deps.store), ai.status()]);
      const queueSize = jobs + deliveries;
      return {
        status: 'healthy',
        webhook_endpoint: deps.readiness.ready() ? 'available' : 'unavailable',
        ai_service: aiService,
        queue_size: queueSize,
        database: 'ok',
      };
    } catch (error) {
      return reply.code(503).send({
        status: 'unhealthy',
        webhook_endpoint: 'unavailable',
        ai_service: await ai.status(),
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
