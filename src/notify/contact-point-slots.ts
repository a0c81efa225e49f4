/**
 * How many deliveries each contact point has under way, capped, with claimed deliveries waiting
 * for a slot of their own contact point: one hanging endpoint can hold its cap, never every
 * slot of the worker.
 */
export class ContactPointSlots<T> {
  private readonly sending = new Map<string, number>();
  private readonly waiting = new Map<string, T[]>();
  /** Items waiting, over all contact points. */
  private waitingCount = 0;

  constructor(private readonly cap: number) {}

  /** True: start `item` now. False: it waits behind the contact point's cap. */
  take(contactPointId: string, item: T): boolean {
    const sending = this.sending.get(contactPointId) ?? 0;
    if (sending < this.cap) {
      this.sending.set(contactPointId, sending + 1);
      return true;
    }
    const queue = this.waiting.get(contactPointId);
    if (queue) queue.push(item);
    else this.waiting.set(contactPointId, [item]);
    this.waitingCount++;
    return false;
  }

  /** One of the contact point's sends ended: the waiting item to start in its place, and whether the contact point was full. */
  release(contactPointId: string): { next: T | undefined; wasFull: boolean } {
    const wasFull = this.isFull(contactPointId);
    const queue = this.waiting.get(contactPointId);
    const next = queue?.shift();
    if (queue?.length === 0) this.waiting.delete(contactPointId);
    if (next !== undefined) this.waitingCount--;
    else {
      const left = (this.sending.get(contactPointId) ?? 1) - 1;
      if (left > 0) this.sending.set(contactPointId, left);
      else this.sending.delete(contactPointId);
    }
    return { next, wasFull };
  }

  /** Takes every waiting item out (at shutdown: they are handed back unsent); returns how many there were. */
  dropWaiting(): number {
    let count = 0;
    for (const queue of this.waiting.values()) count += queue.length;
    this.waiting.clear();
    this.waitingCount = 0;
    return count;
  }

  /** How many items wait for a slot, over all contact points. */
  get waitingTotal(): number {
    return this.waitingCount;
  }

  /** Contact points that may take no more deliveries now: claims leave them out. */
  full(): string[] {
    return [...this.sending.keys()].filter((id) => this.isFull(id));
  }

  private isFull(contactPointId: string): boolean {
    return (this.sending.get(contactPointId) ?? 0) + (this.waiting.get(contactPointId)?.length ?? 0) >= this.cap;
  }
}
