import type { TSchema } from '@sinclair/typebox';
import type { NamedText } from '../template/index.js';
import type { AlertSnapshot } from '../model/alert.js';
import type { NotificationMeta } from '../store/ingest.js';
import type { Release } from '../store/locks.js';

/**
 * What an action did. `failed` with `transient` means "try again later" (the job is retried and
 * the hook answers 5xx so Alertmanager retries too); without `transient` it is final.
 */
export type Decision = 'applied' | 'skipped' | 'dry-run' | 'rejected' | 'failed';

/** An alert as the action sees it: the stored snapshot of what the notification carried. */
export type { AlertSnapshot } from '../model/alert.js';

export interface ActionContext {
  receiver: { id: string; name: string };
  /** firing: the receiver's action; resolved: its configured reverse action. */
  trigger: 'firing' | 'resolved';
  /** Alerts that met the receiver's conditions; empty for an empty POST. */
  alerts: AlertSnapshot[];
  meta: NotificationMeta | null;
  /** The parsed request body (null for an empty POST). */
  payload: unknown;
  externalUrl: string;
  now: () => number;
  /** Aborted when the server shuts down; long actions stop and are retried elsewhere. */
  signal: AbortSignal;
  /** When an action on `target` in `direction` last changed something (for cooldowns). */
  lastApplied(target: string, direction: string): Promise<number | null>;
  /**
   * Takes all the named slots at once, or none (null): shared by every replica on PostgreSQL,
   * so a limit such as the command kind's max_concurrent holds for the deployment, not per process.
   */
  tryHold(keys: readonly string[]): Promise<Release | null>;
  /**
   * A durable note for this execution. An action that changes something writes what it is about
   * to do first; if the process dies mid-change, the rerun reads it back (non-null) and can tell
   * whether the change already happened, so a crash never applies a step twice.
   */
  journal?: {
    read(): Promise<unknown>;
    write(value: unknown): Promise<void>;
  };
}

export interface ActionOutcome {
  decision: Decision;
  reason: string;
  /** What was acted on, e.g. `deployment/prod/web` or a URL or a command name. */
  target?: string;
  direction?: 'up' | 'down';
  from?: number;
  to?: number;
  cooldownUntil?: number;
  exitCode?: number | null;
  /** Captured output or response excerpt, already truncated. */
  output?: string;
  transient?: boolean;
}

export interface Action {
  run(context: ActionContext): Promise<ActionOutcome>;
  /** Called when an alert resolves: e.g. a command kind kills what still runs for it. */
  onResolved?(receiverId: string, fingerprints: readonly string[]): void;
  close?(): Promise<void>;
}

/** A problem with a receiver's settings, naming the field (`action.max`). */
export interface SettingsIssue {
  field: string;
  message: string;
}

/**
 * One kind of action: its settings schema (TypeBox, validated on save), the semantic checks a
 * schema cannot express (min ≤ max, templates that parse), and how to build the action.
 */
export interface ActionKind<S> {
  kind: string;
  settings: TSchema;
  /** Paths of secret fields inside the settings (encrypted at rest, shown as "[set]"). */
  secretPaths: readonly (readonly string[])[];
  check(settings: S): SettingsIssue[];
  create(settings: S, deps: ActionDeps): Action;
  /**
   * What the action changes, when two receivers may touch the same thing (a workload scaled up
   * by one and down by another): actions on one target run one at a time, across replicas.
   * Kinds without one (commands, HTTP calls) are not serialized; they bound themselves.
   */
  target?(settings: S): string;
}

export interface ActionDeps {
  /** Kubernetes access for the scale kind: kubeconfig path and context, or in-cluster. */
  kubernetes: { kubeconfig: string; context: string; inCluster: boolean };
  /** Environment variables of the server that commands may see. */
  commandEnvAllowlist: readonly string[];
  /** The user's template files (alertwire.yaml `templates:`), seen by the http kind's templates. */
  templates: readonly NamedText[];
}
