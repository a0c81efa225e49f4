/**
 * The scale kind's decisions, free of I/O so every rule can be tested on its own: how far one
 * step moves, when a bound stops it, whether a cooldown is still running, and whether a
 * HorizontalPodAutoscaler already owns the target.
 */

export type Direction = 'up' | 'down';
export type OutOfBounds = 'clamp' | 'reject';
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'ReplicaSet';

export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

export interface StepPlan {
  direction: Direction;
  step: number;
  min: number;
  max: number;
  outOfBounds: OutOfBounds;
}

/** What one step does to a workload that currently runs `from` replicas. */
export type StepDecision =
  | { kind: 'change'; from: number; to: number; clamped: boolean }
  | { kind: 'hold'; from: number; reason: string }
  | { kind: 'reject'; from: number; wouldBe: number; reason: string };

export function opposite(direction: Direction): Direction {
  return direction === 'up' ? 'down' : 'up';
}

/**
 * One step in `plan.direction`. A step never moves against its direction: a workload already at
 * (or beyond) the bound it moves towards is held, even when clamping would pull it back inside
 * the range — an "up" alert must never shrink a workload someone scaled past `max` by hand.
 */
export function decideStep(current: number, plan: StepPlan): StepDecision {
  const held = holdAtBound(current, plan);
  if (held) return held;
  const wouldBe = plan.direction === 'up' ? current + plan.step : current - plan.step;
  const to = Math.min(plan.max, Math.max(plan.min, wouldBe));
  if (to === wouldBe) return { kind: 'change', from: current, to, clamped: false };
  if (plan.outOfBounds === 'reject') {
    return { kind: 'reject', from: current, wouldBe, reason: `${wouldBe} replicas would be outside [${plan.min}, ${plan.max}] (out_of_bounds: reject)` };
  }
  return { kind: 'change', from: current, to, clamped: true };
}

function holdAtBound(current: number, plan: StepPlan): StepDecision | null {
  if (plan.direction === 'up' && current >= plan.max) {
    return { kind: 'hold', from: current, reason: `already at the maximum (${current} replicas, max ${plan.max})` };
  }
  if (plan.direction === 'down' && current <= plan.min) {
    return { kind: 'hold', from: current, reason: `already at the minimum (${current} replicas, min ${plan.min})` };
  }
  return null;
}

/**
 * When the cooldown after the last applied change ends, or null when it is over (or nothing was
 * ever applied). Times in epoch milliseconds, the cooldown in seconds as configured.
 */
export function cooldownUntil(lastApplied: number | null, cooldownSeconds: number, now: number): number | null {
  if (lastApplied === null || cooldownSeconds <= 0) return null;
  const until = lastApplied + cooldownSeconds * 1000;
  return now < until ? until : null;
}

/** The parts of an autoscaling/v2 HorizontalPodAutoscaler that say what it scales. */
export interface HpaTarget {
  name: string;
  targetKind: string;
  targetName: string;
}

/**
 * The HPA that owns `workload`, if any. An HPA rewrites `replicas` on its own schedule, so a
 * webhook scaling the same target would fight it (and lose within one sync period).
 */
export function findHpaOwner(hpas: readonly HpaTarget[], workload: WorkloadRef): HpaTarget | null {
  return hpas.find((hpa) => hpa.targetKind === workload.kind && hpa.targetName === workload.name) ?? null;
}

/**
 * The name cooldowns and execution records use for a workload: `deployment/prod/web`, with
 * `@context` when a kubeconfig context is chosen, so the same name in two clusters cools down
 * separately.
 */
export function targetName(workload: WorkloadRef, kubeContext: string | null): string {
  const base = `${workload.kind.toLowerCase()}/${workload.namespace}/${workload.name}`;
  return kubeContext ? `${base}@${kubeContext}` : base;
}
