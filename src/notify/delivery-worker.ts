import { randomUUID } from 'node:crypto';
import type { Worker } from '../jobs/pool.js';
import { ClaimBackoff } from '../jobs/claim-backoff.js';
import { WakeSignal } from '../jobs/wake-signal.js';
import type { Log } from '../observability/log.js';
import { updateContactPointRow } from '../store/contact-points.js';
import type { Store } from '../store/database.js';
import { claimDueDeliveries, recordAttempts, releaseDeliveries, renewDeliveryLeases } from '../store/delivery-queue.js';
import type { DeliveryRow } from '../store/deliveries.js';
import { ContactPointSlots } from './contact-point-slots.js';
import { decide, type Decision, type DeliverDeps } from './decision.js';
import type { ContactPointRegistry } from './registry.js';

/** The name runners are woken by when deliveries were committed. */
export const DELIVER = 'deliver';

export interface DeliveryWorkerOptions {
  /** Deliveries being attempted at once (each one waits on its endpoint). */
  maxInFlight: number;
  /** Of those, at most this many to one contact point. */
  maxInFlightPerContactPoint: number;
  leaseMs: number;
  pollMs: number;
  log: Log;
}

export interface DeliveryWorkerDeps extends DeliverDeps {
  store: Store;
  registry: ContactPointRegistry;
  /** Resolves once the contact points of the configuration are provisioned. */
  ready: () => Promise<void>;
}

/** At most this many deliveries per claim: a claim is one write transaction. */
const CLAIM_LIMIT = 200;
/** On an unexpected error (not an endpoint's answer), when to try the delivery again. */
const ERROR_RETRY_MS = 5000;

type ContactPoints = Awaited<ReturnType<ContactPointRegistry['snapshot']>>;

/** A claimed delivery, with the claim holding it and the contact points as they were at the claim. */
interface Claimed {
  row: DeliveryRow;
  owner: string;
  contactPoints: ContactPoints;
}

/**
 * Sends due deliveries as a stream rather than in batches: it claims whenever it has room for
 * more, each delivery goes out on its own, and what they came to is written in one
 * transaction per turn of the event loop. A slow endpoint holds only its own deliveries, and a
 * busy queue costs few commits.
 */
export class DeliveryWorker implements Worker {
  running = false;
  private stopping = false;
  private readonly instance = randomUUID().slice(0, 8);
  private claims = 0;
  /** Claim owner → its deliveries not yet written back. */
  private readonly held = new Map<string, Set<string>>();
  /** Claimed and not yet decided: being sent, or waiting for a slot of its contact point. */
  private inFlight = 0;
  private readonly slots: ContactPointSlots<Claimed>;
  private decided: Decision[] = [];
  private writing: Promise<void> = Promise.resolve();
  private writeQueued = false;
  private loopDone: Promise<void> = Promise.resolve();
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly signal = new WakeSignal();
  private roomWaiters: (() => void)[] = [];

  private readonly backoff: ClaimBackoff;

  constructor(private readonly deps: DeliveryWorkerDeps, private readonly options: DeliveryWorkerOptions) {
    this.slots = new ContactPointSlots(options.maxInFlightPerContactPoint);
    this.backoff = new ClaimBackoff(options.log, 'claiming deliveries', options.pollMs);
  }

  takes(kind: string): boolean {
    return kind === DELIVER;
  }

  async start(): Promise<void> {
    this.stopping = false;
    this.running = true;
    // A third of the lease: two renewals may fail before another worker can take a delivery.
    this.heartbeat = setInterval(() => void this.renew(), Math.max(100, this.options.leaseMs / 3));
    this.heartbeat.unref();
    this.loopDone = this.loop();
  }

  wake(): void {
    this.signal.wake();
  }

  /** Stops claiming, lets attempts under way finish until the deadline, hands back the rest. */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    this.wake();
    for (const w of this.roomWaiters.splice(0)) w();
    await this.loopDone;
    // Deliveries still waiting for their contact point's slot are handed back below, unsent.
    this.inFlight -= this.slots.dropWaiting();
    const deadline = Date.now() + deadlineMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await this.writeDecided();
    await releaseDeliveries(this.deps.store, this.held, this.deps.now()).catch((error: unknown) =>
      this.options.log.warn({ err: error }, 'handing back deliveries failed; their leases will expire'),
    );
    this.held.clear();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.running = false;
  }

  private async loop(): Promise<void> {
    await this.deps.ready().catch(() => undefined);
    while (!this.stopping) {
      // Deliveries waiting for their own contact point's slot take none of the worker's: a claim
      // may hold more of one contact point than it can send at once, and the others go on.
      const sending = this.inFlight - this.slots.waitingTotal;
      const room = this.options.maxInFlight - sending;
      // Near the limit, wait for a quarter of it to free up: claims of one or two cost as much as claims of fifty.
      if (room <= 0 || (sending > 0 && room < this.options.maxInFlight / 4)) {
        await new Promise<void>((r) => this.roomWaiters.push(r));
        continue;
      }
      const claimed = await this.claim(Math.min(room, CLAIM_LIMIT));
      if (claimed === 0) await this.signal.wait(this.backoff.idleWait());
    }
  }

  /** Claims up to `limit` due deliveries and starts their attempts; returns how many. */
  private async claim(limit: number): Promise<number> {
    const owner = `${this.instance}:${++this.claims}`;
    try {
      const skip = this.slots.full();
      const rows = await claimDueDeliveries(this.deps.store, { owner, limit, leaseMs: this.options.leaseMs, now: this.deps.now(), skip });
      this.backoff.succeeded();
      if (rows.length === 0) return 0;
      const contactPoints = await this.deps.registry.snapshot();
      this.held.set(owner, new Set(rows.map((r) => r.id)));
      this.inFlight += rows.length;
      for (const row of rows) {
        const claimed = { row, owner, contactPoints };
        if (this.slots.take(row.contact_point_id, claimed)) void this.attempt(claimed);
      }
      return rows.length;
    } catch (error) {
      this.backoff.failed(error);
      return 0;
    }
  }

  private async attempt({ row, owner, contactPoints }: Claimed): Promise<void> {
    let decision: Decision;
    try {
      decision = await decide(row, owner, contactPoints.get(row.contact_point_id), this.deps);
    } catch (error) {
      this.options.log.error({ err: error, delivery: row.id }, 'delivery attempt failed unexpectedly; retrying later');
      decision = { update: { id: row.id, owner, updated_at: this.deps.now(), next_attempt_at: this.deps.now() + ERROR_RETRY_MS } };
    }
    this.decided.push(decision);
    this.inFlight--;
    const { next, wasFull } = this.slots.release(row.contact_point_id);
    if (next) void this.attempt(next);
    // Claims left this contact point out while it was full; it may take deliveries again.
    else if (wasFull) this.wake();
    for (const w of this.roomWaiters.splice(0)) w();
    if (!this.writeQueued) {
      this.writeQueued = true;
      // Everything decided in this turn of the event loop is written in one transaction.
      setImmediate(() => void this.writeDecided());
    }
  }

  /** Writes what was decided so far; writes run one after another. */
  private writeDecided(): Promise<void> {
    this.writing = this.writing.then(async () => {
      this.writeQueued = false;
      const batch = this.decided.splice(0);
      if (batch.length === 0) return;
      try {
        await recordAttempts(
          this.deps.store,
          batch.flatMap((d) => (d.attempt ? [d.attempt] : [])),
          batch.map((d) => d.update),
        );
        for (const d of batch) if (d.gone) await this.disable(d.gone);
      } catch (error) {
        // Unwritten, the deliveries stay leased until the lease runs out, then go out again.
        this.options.log.error({ err: error, deliveries: batch.length }, 'recording delivery attempts failed');
      }
      for (const d of batch) this.release(d.update);
    });
    return this.writing;
  }

  private release(update: { id: string; owner: string }): void {
    const ids = this.held.get(update.owner);
    ids?.delete(update.id);
    if (ids?.size === 0) this.held.delete(update.owner);
  }

  private async disable(gone: NonNullable<Decision['gone']>): Promise<void> {
    await updateContactPointRow(this.deps.store, gone.contactPointId, { enabled: 0, disabled_reason: gone.reason, updated_at: this.deps.now() });
  }

  private async renew(): Promise<void> {
    try {
      await renewDeliveryLeases(this.deps.store, this.held, this.options.leaseMs, this.deps.now());
    } catch (error) {
      this.options.log.warn({ err: error }, 'renewing delivery leases failed');
    }
  }
}
