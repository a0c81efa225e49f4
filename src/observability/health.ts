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

/** How long /health and /ready wait for the database before they call it unreachable. */
const DATABASE_PROBE_MS = 2000;

/** Resolves when the store answers a query within the probe time; rejects otherwise. */
async function probeStore(store: Store): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${DATABASE_PROBE_MS} ms`)), DATABASE_PROBE_MS);
  });
  try {
    await Promise.race([pingStore(store), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** /health (OnCallM's shape), /ready for load balancers, /metrics for Prometheus. */
export async function healthRoutes(app: FastifyInstance, deps: { store: Store; metrics: Metrics; readiness: Readiness; aiService?: AiService }) {
  const ai = deps.aiService ?? NO_AI;
  app.get('/health', async (_request, reply) => {
    try {
      await probeStore(deps.store);
      const [jobs, deliveries, aiService] = await Promise.all([countUnfinishedJobs(deps.store, Date.now()), countPendingDeliveries(deps.store), ai.status()]);
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
        database: 'unreachable',
        database_error: error instanceof Error ? error.message : String(error),
      });
    }
  });

  app.get('/ready', async (_request, reply) => {
    if (!deps.readiness.ready()) return reply.code(503).send({ status: 'not ready' });
    // A replica that cannot reach its database takes no traffic: the balancer sends it elsewhere.
    try {
      await probeStore(deps.store);
    } catch (error) {
      return reply.code(503).send({ status: 'not ready', database: 'unreachable', database_error: error instanceof Error ? error.message : String(error) });
    }
    return { status: 'ready' };
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
