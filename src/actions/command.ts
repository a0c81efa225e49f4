// The `command` action kind: runs a program (argv, never a shell) with the alert in its
// environment (am-executor's AMX_* variables) and the payload on stdin, under a timeout and
// concurrency limits, optionally killed when its alerts resolve.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { Action, ActionContext, ActionDeps, ActionKind, ActionOutcome, SettingsIssue } from './action.js';
import { commandEnvironment } from './command-env.js';
import type { Release } from '../store/locks.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DEFAULT_TIMEOUT_S = 30;
const MAX_TIMEOUT_S = 24 * 3600;
/** Captured stdout+stderr kept per run (head and tail), so a chatty command cannot fill the store. */
export const OUTPUT_LIMIT_BYTES = 64 * 1024;
/** Between SIGTERM to the process group and SIGKILL: time for a command to clean up. */
const KILL_GRACE_MS = 2000;
/**
 * After the command exits, how long to wait for its pipes to close. A background grandchild
 * that inherited them would otherwise keep the run open for as long as it lives.
 */
const STDIO_DRAIN_MS = 300;

export const CommandSettingsSchema = Type.Object(
  {
    argv: Type.Array(Type.String(), {
      minItems: 1,
      description: 'Program and arguments, passed as they are: no shell, no expansion.',
    }),
    cwd: Type.Optional(Type.String({ minLength: 1, description: 'Absolute working directory.' })),
    timeout: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: MAX_TIMEOUT_S, default: DEFAULT_TIMEOUT_S, description: 'Seconds before the process group is killed.' }),
    ),
    max_concurrent: Type.Optional(
      Type.Integer({ minimum: 0, default: 1, description: 'Runs at once for this receiver; 0 means no limit. Runs over it are skipped.' }),
    ),
    max_per_fingerprint: Type.Optional(
      Type.Integer({ minimum: 0, default: 1, description: 'Runs at once for one alert (as am-executor max); 0 means no limit.' }),
    ),
    env_allowlist: Type.Optional(
      Type.Array(Type.String({ pattern: ENV_NAME.source }), { description: "Server variables passed on, beyond the server's allowlist." }),
    ),
    kill_on_resolve: Type.Optional(
      Type.Boolean({ default: false, description: 'Kill a run still going when all its alerts have resolved.' }),
    ),
    ignore_resolved: Type.Optional(Type.Boolean({ description: 'Handled by the receiver: do not run for resolved notifications.' })),
  },
  { additionalProperties: false },
);

export type CommandSettings = Static<typeof CommandSettingsSchema>;

const INTERRUPTED =
  'the replica running this command stopped (crash, kill or lost database) before its end was recorded; ' +
  'not run again, since it may have done its work: rerun the execution if it must run';

/** Why a run was stopped before it ended on its own. */
type StopCause = 'timeout' | 'resolved' | 'shutdown';

/** A command that is running, as the concurrency limits and kill-on-resolve see it. */
interface Run {
  owner: CommandAction;
  /** Fingerprints the run acts for, with its trigger: limits count runs of the same direction. */
  keys: ReadonlySet<string>;
  /** Alerts of a firing run that have not resolved yet; when none remain, kill-on-resolve fires. */
  unresolved: Set<string>;
  killOnResolve: boolean;
  /** Set once a stop was requested. */
  stopCause: StopCause | null;
  stop(cause: StopCause): void;
}

/**
 * Runs per receiver, for the whole process rather than per Action object: kill-on-resolve and
 * shutdown must reach every process this replica started, however many Action objects the
 * caller builds for one receiver (e.g. one per job). The limits are slots in the store's locks.
 */
const runsByReceiver = new Map<string, Set<Run>>();

function register(receiverId: string, run: Run): () => void {
  let runs = runsByReceiver.get(receiverId);
  if (!runs) runsByReceiver.set(receiverId, (runs = new Set()));
  runs.add(run);
  return () => {
    runs.delete(run);
    if (runs.size === 0 && runsByReceiver.get(receiverId) === runs) runsByReceiver.delete(receiverId);
  };
}

function fingerprintKey(context: ActionContext, fingerprint: string): string {
  return `${context.trigger}:${fingerprint}`;
}

/** The first of `count` numbered slots that is free, taken; null when all are held. */
async function firstFreeSlot(context: ActionContext, name: string, count: number): Promise<Release | null> {
  for (let i = 0; i < count; i += 1) {
    const release = await context.tryHold([`${name}:${i}`]);
    if (release) return release;
  }
  return null;
}

/**
 * The slots a run needs: one of max_concurrent for the receiver, one of max_per_fingerprint
 * for each alert. They are the store's locks, so the limits hold across replicas. Over a limit
 * the run is skipped, not queued: waiting would hold a job worker for as long as the other run
 * lasts, and Alertmanager repeats a firing notification anyway (am-executor's `max` skips the
 * same way).
 */
async function takeSlots(context: ActionContext, maxConcurrent: number, maxPerFingerprint: number): Promise<Release | string> {
  const taken: Release[] = [];
  const giveBack = async () => {
    for (const release of taken.splice(0)) await release();
  };
  const prefix = `command:${context.receiver.id}`;
  if (maxConcurrent > 0) {
    const release = await firstFreeSlot(context, `${prefix}:run`, maxConcurrent);
    if (!release) return `${maxConcurrent} command(s) already running for this receiver (max_concurrent ${maxConcurrent})`;
    taken.push(release);
  }
  const fingerprints = maxPerFingerprint > 0 ? new Set(context.alerts.map((a) => a.fingerprint)) : new Set<string>();
  for (const fingerprint of fingerprints) {
    const release = await firstFreeSlot(context, `${prefix}:${fingerprintKey(context, fingerprint)}`, maxPerFingerprint);
    if (!release) {
      await giveBack();
      return `${maxPerFingerprint} command(s) already running for alert ${fingerprint} (max_per_fingerprint ${maxPerFingerprint})`;
    }
    taken.push(release);
  }
  return giveBack;
}

/** Keeps the first and last halves of the limit of interleaved stdout+stderr. */
class OutputCapture {
  private head = Buffer.alloc(0);
  private tail = Buffer.alloc(0);
  private total = 0;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    this.total += chunk.length;
    const half = Math.floor(this.limit / 2);
    const room = half - this.head.length;
    if (room > 0) this.head = Buffer.concat([this.head, chunk.subarray(0, room)]);
    const rest = room > 0 ? chunk.subarray(room) : chunk;
    if (rest.length > 0) this.tail = Buffer.concat([this.tail, rest]).subarray(-half);
  }

  text(): string {
    const kept = this.head.length + this.tail.length;
    if (kept >= this.total) return Buffer.concat([this.head, this.tail]).toString('utf8');
    const dropped = this.total - kept;
    return `${this.head.toString('utf8')}\n… [${dropped} bytes of output dropped] …\n${this.tail.toString('utf8')}`;
  }
}

/** Signals the command's whole process group: its children go with it. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone, which is what we wanted.
  }
}

/** SIGTERM to the group, SIGKILL after a grace period for whatever ignored it. */
function killGroup(child: ChildProcess): void {
  signalGroup(child, 'SIGTERM');
  setTimeout(() => signalGroup(child, 'SIGKILL'), KILL_GRACE_MS).unref();
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** Resolves when the command has exited and its pipes closed (or stopped mattering). */
function waitForExit(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => {
      const done = () => resolve({ code, signal });
      const drain = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        done();
      }, STDIO_DRAIN_MS);
      child.once('close', () => {
        clearTimeout(drain);
        done();
      });
    });
  });
}

function startProcess(settings: CommandSettings, env: Record<string, string>, output: OutputCapture): ChildProcess {
  const [program, ...args] = settings.argv;
  // detached: the command leads its own process group, so a timeout can kill its children too.
  const child = spawn(program ?? '', args, { cwd: settings.cwd, env, detached: true, shell: false, stdio: 'pipe' });
  child.stdout?.on('data', (chunk: Buffer) => output.add(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.add(chunk));
  // A command that never reads stdin may exit before we finish writing: EPIPE is not a failure.
  child.stdin?.on('error', () => undefined);
  return child;
}

/** The request body as JSON; an empty POST gives an empty stdin, as the request had no body. */
function stdinOf(context: ActionContext): string {
  return context.payload === null || context.payload === undefined ? '' : JSON.stringify(context.payload);
}

function outcomeOf(exit: Exit, cause: StopCause | null, timeoutS: number, base: ActionOutcome): ActionOutcome {
  const exitCode = exit.code;
  if (exit.error) return { ...base, decision: 'failed', reason: `cannot start: ${exit.error.message}`, exitCode: null };
  if (cause === 'timeout') return { ...base, decision: 'failed', reason: `killed after ${timeoutS} s (timeout)`, exitCode };
  if (cause === 'resolved') return { ...base, decision: 'skipped', reason: 'killed: its alerts resolved while it ran', exitCode };
  if (cause === 'shutdown') {
    return { ...base, decision: 'failed', reason: 'interrupted by server shutdown', exitCode, transient: true };
  }
  if (exit.code === 0) return { ...base, decision: 'applied', reason: 'exited with code 0', exitCode: 0 };
  if (exit.code === null) return { ...base, decision: 'failed', reason: `terminated by ${exit.signal ?? 'a signal'}`, exitCode: null };
  return { ...base, decision: 'failed', reason: `exited with code ${exit.code}`, exitCode };
}

class CommandAction implements Action {
  private readonly timeoutS: number;

  constructor(
    private readonly settings: CommandSettings,
    private readonly deps: ActionDeps,
  ) {
    this.timeoutS = settings.timeout ?? DEFAULT_TIMEOUT_S;
  }

  async run(context: ActionContext): Promise<ActionOutcome> {
    const target = this.settings.argv[0] ?? '';
    if (context.signal.aborted) return { decision: 'failed', reason: 'interrupted by server shutdown', target, transient: true };
    // A journal entry means this execution started the command once already, on a replica
    // that stopped before it recorded the end: running it again could do its work twice.
    if ((await context.journal?.read()) != null) return { decision: 'failed', reason: INTERRUPTED, target };
    const slots = await takeSlots(context, this.settings.max_concurrent ?? 1, this.settings.max_per_fingerprint ?? 1);
    if (typeof slots === 'string') return { decision: 'skipped', reason: slots, target };
    try {
      await context.journal?.write({ startedAt: context.now() });
      const outcome = await this.execute(context, target, slots);
      // A command this server stopped itself (shutdown) did not finish its work: it may run again.
      if (outcome.transient) await context.journal?.write(null);
      return outcome;
    } finally {
      await slots();
    }
  }

  /** Starts the process, registers it for the limits and kill-on-resolve, waits for its end. */
  private async execute(context: ActionContext, target: string, slots: Release): Promise<ActionOutcome> {
    const output = new OutputCapture(OUTPUT_LIMIT_BYTES);
    const env = commandEnvironment(context, [...this.deps.commandEnvAllowlist, ...(this.settings.env_allowlist ?? [])]);
    const child = startProcess(this.settings, env, output);
    const run = this.track(context, child, slots);
    const unregister = register(context.receiver.id, run);
    const exited = waitForExit(child);
    child.stdin?.end(stdinOf(context));
    const timer = setTimeout(() => run.stop('timeout'), this.timeoutS * 1000);
    const onAbort = () => run.stop('shutdown');
    context.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const exit = await exited;
      return outcomeOf(exit, run.stopCause, this.timeoutS, { decision: 'failed', reason: '', target, output: output.text() });
    } finally {
      clearTimeout(timer);
      context.signal.removeEventListener('abort', onAbort);
      unregister();
    }
  }

  private track(context: ActionContext, child: ChildProcess, slots: Release): Run {
    const fingerprints = context.alerts.map((alert) => alert.fingerprint);
    const run: Run = {
      owner: this,
      keys: new Set(fingerprints.map((fp) => fingerprintKey(context, fp))),
      // Only a firing run is killed on resolve: a run for the resolved direction is the
      // receiver's answer to that very resolution.
      unresolved: new Set(context.trigger === 'firing' ? fingerprints : []),
      killOnResolve: (this.settings.kill_on_resolve ?? false) && context.trigger === 'firing',
      stopCause: null,
      stop(cause) {
        if (run.stopCause !== null) return;
        run.stopCause = cause;
        killGroup(child);
        // A run on its way out no longer counts against the limits.
        void slots().catch(() => undefined);
      },
    };
    return run;
  }

  /** Kills firing runs of the receiver once every alert they act for has resolved. */
  onResolved(receiverId: string, fingerprints: readonly string[]): void {
    for (const run of runsByReceiver.get(receiverId) ?? []) {
      if (!run.killOnResolve || run.unresolved.size === 0) continue;
      for (const fp of fingerprints) run.unresolved.delete(fp);
      if (run.unresolved.size === 0) run.stop('resolved');
    }
  }

  /** Stops what this action still runs: a server going away must not leave process groups behind. */
  async close(): Promise<void> {
    for (const runs of runsByReceiver.values()) {
      for (const run of runs) if (run.owner === this) run.stop('shutdown');
    }
  }
}

function checkNumbers(settings: CommandSettings): SettingsIssue[] {
  const issues: SettingsIssue[] = [];
  const timeout = settings.timeout ?? DEFAULT_TIMEOUT_S;
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT_S) {
    issues.push({ field: 'action.timeout', message: `must be more than 0 and at most ${MAX_TIMEOUT_S} seconds` });
  }
  for (const field of ['max_concurrent', 'max_per_fingerprint'] as const) {
    const value = settings[field] ?? 1;
    if (!Number.isInteger(value) || value < 0) issues.push({ field: `action.${field}`, message: 'must be a whole number ≥ 0 (0: no limit)' });
  }
  return issues;
}

/** Semantic checks; they repeat the schema's so settings from any source (config file, API) get them. */
function checkSettings(settings: CommandSettings): SettingsIssue[] {
  const issues: SettingsIssue[] = [];
  const argv = Array.isArray(settings.argv) ? settings.argv : [];
  if (argv.length === 0) issues.push({ field: 'action.argv', message: 'must name a program to run' });
  argv.forEach((arg, i) => {
    if (typeof arg !== 'string' || (i === 0 && arg === '')) issues.push({ field: `action.argv[${i}]`, message: 'must be a non-empty string' });
    else if (arg.includes('\0')) issues.push({ field: `action.argv[${i}]`, message: 'must not contain NUL' });
  });
  if (settings.cwd !== undefined && !isAbsolute(settings.cwd)) {
    issues.push({ field: 'action.cwd', message: 'must be an absolute path' });
  }
  (settings.env_allowlist ?? []).forEach((name, i) => {
    if (!ENV_NAME.test(name)) issues.push({ field: `action.env_allowlist[${i}]`, message: `"${name}" is not a variable name` });
  });
  return [...issues, ...checkNumbers(settings)];
}

export const commandKind: ActionKind<CommandSettings> = {
  kind: 'command',
  settings: CommandSettingsSchema,
  secretPaths: [],
  check: checkSettings,
  create: (settings, deps) => new CommandAction(settings, deps),
};
