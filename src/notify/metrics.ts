import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The notifier's metrics, registered on the app's registry. Contact points are labelled by name. */
export class NotifyMetrics {
  readonly deliveries: Counter<'contact_point' | 'outcome'>;
  readonly duration: Histogram<'contact_point'>;

  constructor(registry: Registry, queue: () => Promise<Map<string, number>>) {
    this.deliveries = new Counter({
      name: 'alertwire_deliveries_total',
      help: 'Delivery attempts to contact points, by outcome (success, retry, failed, gone)',
      labelNames: ['contact_point', 'outcome'] as const,
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'alertwire_delivery_duration_seconds',
      help: 'Time from sending a delivery attempt to its answer (or failure)',
      labelNames: ['contact_point'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    new Gauge({
      name: 'alertwire_delivery_queue',
      help: 'Deliveries waiting (queued, retrying or paused), by contact point',
      labelNames: ['contact_point'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [name, n] of await queue()) this.set({ contact_point: name }, n);
      },
    });
  }
}
