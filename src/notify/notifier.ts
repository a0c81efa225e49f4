import type { FastifyInstance } from 'fastify';
import { contactPointRoutes } from '../api/contact-points.js';
import { deliveryRoutes } from '../api/deliveries.js';
import type { ProvisionedContactPointConfig } from '../config/contact-points.js';
import type { JobKind } from '../jobs/runner.js';
import type { Log } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../store/database.js';
import { purgeDeliveries, queueDepths, recordFinishedDelivery } from '../store/deliveries.js';
import type { JobPlanner } from '../store/ingest.js';
import type { SecretBox } from '../store/secrets.js';
import { handOverCheckpoints, walCheckpointTarget } from '../store/wal-checkpoints.js';
import { CircuitBreakers } from '../outbound/circuit-breakers.js';
import { StoredCircuitLedger } from '../store/circuits.js';
import { AttemptThread } from './attempt-thread.js';
import { OAuthTokens } from './auth.js';
import { contactPointCircuit } from './decision.js';
import { DeliveryWorker } from './delivery-worker.js';
import { flushJobKind } from './flush-job.js';
import { ContactPointManager } from './manage.js';
import { NotifyMetrics } from './metrics.js';
import { fromConfig } from './provisioning.js';
import { ContactPointRegistry, type LoadedContactPoint } from './registry.js';
import { planRouting, routeJobKind } from './route-job.js';
import { sendTest, type TestKind, type TestResult } from './test-message.js';
import { Transport } from './transport.js';
import type { NamedText } from '../template/index.js';
import type { UrlPolicy } from './url-policy.js';

export interface NotifierDeps {
  store: Store;
  secrets: SecretBox;
  metrics: Metrics;
  log: Log;
  provisioned: readonly ProvisionedContactPointConfig[];
  policy: UrlPolicy;
  externalUrl: () => string;
  /** The user's template files (alertwire.yaml `templates:`), which every contact point's templates see. */
  templates: readonly NamedText[];
  now: () => number;
  /** Wakes the job runner after new jobs were committed outside the ingest path. */
  wake: () => void;
  /** How long finished deliveries and their attempts are kept (ms). */
  retentionMs?: number;
  /** The delivery worker's settings: deliveries in flight at once (in all, per contact point), lease and poll interval. */
  delivery: { maxInFlight: number; maxInFlightPerContactPoint: number; leaseMs: number; pollMs: number };
}

export interface Notifier {
  /** Goes next to planAnalysis: one route job per stored notification. */
  planRouting: JobPlanner;
  jobKinds: JobKind[];
  /** Sends due deliveries; goes into the worker pool next to the job runners. */
  worker: DeliveryWorker;
  /** Registers /api/v1/contact-points and /api/v1/deliveries (inside an admin scope). */
  routes(scope: FastifyInstance): Promise<void>;
  /** Provisions the contact points of alertwire.yaml; call after migrations. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Contact points: routing, grouping, delivery with retries, the API, provisioning, metrics. */
export function createNotifier(deps: NotifierDeps): Notifier {
  const { store, now } = deps;
  const registry = new ContactPointRegistry(store, deps.secrets);
  const transport = new Transport(deps.policy);
  const oauth = new OAuthTokens(transport);
  const breakers = new CircuitBreakers(new StoredCircuitLedger(store));
  const sender = { transport, oauth, externalUrl: deps.externalUrl, templates: deps.templates, now };
  // Deliveries are sent from a thread of their own; test messages, rarer, from here.
  // On SQLite the thread also checkpoints the write-ahead log, which the attempt log fills fastest.
  const wal = walCheckpointTarget(store);
  const attempts = new AttemptThread({
    policy: deps.policy,
    templates: deps.templates,
    externalUrl: deps.externalUrl,
    log: deps.log,
    ...(wal ? { checkpoints: { target: wal, handOver: () => handOverCheckpoints(store) } } : {}),
  });
  const forget = (id: string) => {
    transport.forget(id);
    oauth.invalidate(id);
    attempts.forget(id);
    // A changed or deleted contact point starts with a closed circuit, as a fixed URL should.
    void breakers.reset(contactPointCircuit(id));
  };
  const manager = new ContactPointManager({ store, secrets: deps.secrets, registry, now, wake: deps.wake, forget });
  const metrics = new NotifyMetrics(deps.metrics.registry, async () => {
    const names = await registry.snapshot();
    const depths = await queueDepths(store);
    return new Map([...names.values()].map((cp) => [cp.settings.name, depths.get(cp.id) ?? 0]));
  });

  // Provisioning runs once the schema exists (the first job or API call after start); a
  // failure is retried at the next call rather than remembered.
  let provisioning: Promise<void> | null = null;
  const ready = (): Promise<void> => {
    provisioning ??= manager
      .provision(deps.provisioned.map(fromConfig))
      .then(warmTransport)
      .catch((error: unknown) => {
        provisioning = null;
        deps.log.error({ err: error }, 'provisioning contact points failed');
        throw error;
      });
    return provisioning;
  };
  // With contact points to deliver to, the attempt thread starts (and loads the HTTP client)
  // at start: started by the first delivery, it delayed that delivery by 100–250 ms.
  const warmTransport = async () => {
    if ((await registry.enabled()).length > 0) attempts.start();
  };

  const test = async (cp: LoadedContactPoint, kind: TestKind, log: boolean): Promise<TestResult> => {
    const { result, delivery, attempt } = await sendTest(cp, kind, sender);
    if (log) await recordFinishedDelivery(store, delivery, { ...attempt, delivery_id: delivery.id, contact_point_id: cp.id });
    return result;
  };

  const retentionMs = deps.retentionMs ?? 7 * 86_400_000;
  const purge = setInterval(() => {
    purgeDeliveries(store, now() - retentionMs).catch((error: unknown) => deps.log.warn({ err: error }, 'purging old deliveries failed'));
  }, 10 * 60 * 1000);
  purge.unref();

  return {
    planRouting,
    jobKinds: [
      routeJobKind({ store, registry, now, wake: deps.wake, ready }),
      flushJobKind({ store, registry, now, wake: deps.wake }),
    ],
    worker: new DeliveryWorker({ attempts, now, store, registry, breakers, metrics, ready }, { ...deps.delivery, log: deps.log }),
    async routes(scope) {
      scope.addHook('onRequest', async () => ready());
      await contactPointRoutes(scope, { store, manager, circuit: (id) => breakers.state(contactPointCircuit(id), now()), test, now, externalUrl: deps.externalUrl, templates: deps.templates });
      await deliveryRoutes(scope, { store, manager });
    },
    ready,
    async close() {
      clearInterval(purge);
      await Promise.all([transport.close(), attempts.close()]);
    },
  };
}
