/**
 * Runs the real alertwire CLI (`src/main.ts serve` through tsx) as a child process, the way a
 * user starts it, so end-to-end tests can kill it (SIGKILL included) and start it again on the
 * same data directory or database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding src/main.ts), found from this file's place. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ChildServerOptions {
  /** Data directory; default: a new temp directory, removed by `cleanup()`. */
  dataDir?: string;
  /** Port to bind on 127.0.0.1; default: a free one (retried if another process takes it first). */
  port?: number;
  /** Default: a random token. */
  webhookToken?: string;
  /** Default: a random token. */
  adminToken?: string;
  /** postgres://… to run on PostgreSQL; default: SQLite in the data directory. */
  databaseUrl?: string;
  /** YAML written to a temp file and passed through ALERTWIRE_CONFIG (e.g. a short job lease). */
  configYaml?: string;
  /** Rate limits stay off unless this is true. */
  rateLimits?: boolean;
  /** Extra environment, applied last. */
  env?: Record<string, string>;
  /** How long to wait for GET /ready to answer 200 (default 60 s). */
  readyTimeoutMs?: number;
  /** `npm start`, as the README and container runtimes start it, instead of node on src/main.ts. */
  npmStart?: boolean;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dataDir: string;
  readonly webhookToken: string;
  readonly adminToken: string;
  readonly databaseUrl: string;
  /** Resolves when the process has exited, however it ended. */
  readonly exited: Promise<ChildExit>;
  /** Null while the process runs. */
  exitStatus(): ChildExit | null;
  /** The tail of what the process wrote to stdout and stderr, for failure messages. */
  output(): string;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<ChildExit>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<ChildExit>;
  /** Stops the process if it runs, and removes the temp directories this helper created. */
  cleanup(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export function makeTempDir(prefix = 'alertwire-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function randomToken(): string {
  return randomBytes(18).toString('base64url');
}

/** Keeps the last `limit` characters written to it. */
class OutputTail {
  private chunks: string[] = [];
  private size = 0;
  constructor(private readonly limit = 64 * 1024) {}
  push(chunk: string): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) this.size -= this.chunks.shift()?.length ?? 0;
  }
  text(): string {
    return this.chunks.join('').slice(-this.limit);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Safety net for a test that fails before its cleanup: when the test process exits, children
 * still running are killed and the temp directories this helper made are removed.
 */
const liveChildren = new Set<ChildProcess>();
const ownedLeftovers = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
    for (const dir of ownedLeftovers) rmSync(dir, { recursive: true, force: true });
  });
}

class PortTaken extends Error {}

/** Starts `alertwire serve` and resolves once GET /ready answers 200. */
export async function startChildServer(options: ChildServerOptions = {}): Promise<ChildServer> {
  const attempts = options.port === undefined ? 5 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, options.port ?? (await freePort()));
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt >= attempts) throw error;
    }
  }
}

async function startOnce(options: ChildServerOptions, port: number): Promise<ChildServer> {
  installExitHook();
  const ownedDirs: string[] = [];
  const removeOwnedDirs = () => {
    for (const dir of ownedDirs) {
      rmSync(dir, { recursive: true, force: true });
      ownedLeftovers.delete(dir);
    }
  };
  let dataDir = options.dataDir;
  if (!dataDir) {
    dataDir = makeTempDir('alertwire-e2e-data-');
    ownedDirs.push(dataDir);
    ownedLeftovers.add(dataDir);
  }
  let configFile: string | undefined;
  if (options.configYaml !== undefined) {
    const dir = makeTempDir('alertwire-e2e-config-');
    ownedDirs.push(dir);
    ownedLeftovers.add(dir);
    configFile = join(dir, 'alertwire.yaml');
    writeFileSync(configFile, options.configYaml);
  }
  const webhookToken = options.webhookToken ?? randomToken();
  const adminToken = options.adminToken ?? randomToken();
  const databaseUrl = options.databaseUrl ?? '';

  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing from the parent's alertwire settings may leak into the child.
  for (const name of Object.keys(env)) if (name.startsWith('ALERTWIRE_') || name === 'DATABASE_URL' || name === 'REDIS_URL') delete env[name];
  Object.assign(env, {
    ALERTWIRE_HOST: '127.0.0.1',
    ALERTWIRE_PORT: String(port),
    ALERTWIRE_DATA_DIR: dataDir,
    ALERTWIRE_WEBHOOK_TOKEN: webhookToken,
    ALERTWIRE_ADMIN_TOKEN: adminToken,
    ALERTWIRE_EXTERNAL_URL: `http://127.0.0.1:${port}`,
    ...(options.rateLimits ? {} : { ALERTWIRE_RATE_LIMIT_PER_IP: '0', ALERTWIRE_RATE_LIMIT_GLOBAL: '0' }),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(configFile ? { ALERTWIRE_CONFIG: configFile } : {}),
    ...options.env,
  });
  // The child must not inherit the test runner's own flags (--test, coverage and the like).
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;

  const [command, args] = options.npmStart ? ['npm', ['start', '--silent']] : [process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve']];
  const child: ChildProcess = spawn(command, args, {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  const tail = new OutputTail();
  child.stdout?.setEncoding('utf8').on('data', (d: string) => tail.push(d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => tail.push(d));
  let status: ChildExit | null = null;
  const exited = new Promise<ChildExit>((resolveExit) => {
    child.once('exit', (code, signal) => {
      liveChildren.delete(child);
      status = { code, signal };
      resolveExit(status);
    });
    child.once('error', (error) => {
      liveChildren.delete(child);
      tail.push(`\n[child-server] spawn failed: ${error.message}\n`);
      status = { code: -1, signal: null };
      resolveExit(status);
    });
  });
  if (child.pid === undefined) {
    await exited;
    throw new Error(`could not start alertwire:\n${tail.text()}`);
  }

  const url = `http://127.0.0.1:${port}`;
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (status === null) child.kill(signal);
    return exited;
  };
  const stop = async (graceMs = 10_000) => {
    if (status !== null) return status;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  const server: ChildServer = {
    url,
    port,
    pid: child.pid,
    dataDir,
    webhookToken,
    adminToken,
    databaseUrl,
    exited,
    exitStatus: () => status,
    output: () => tail.text(),
    kill,
    stop,
    async cleanup() {
      await stop();
      removeOwnedDirs();
    },
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (status !== null) {
      const output = tail.text();
      removeOwnedDirs();
      if (/EADDRINUSE/.test(output)) throw new PortTaken(`port ${port} taken`);
      throw new Error(`alertwire exited before it was ready (${describeExit(status)}):\n${output}`);
    }
    // Under npm the listener is a grandchild of the child, so only its answer is checked.
    if ((await isReady(url)) && (options.npmStart || listensOn(child.pid, port))) return server;
    if (Date.now() > deadline) {
      await server.cleanup();
      throw new Error(`alertwire was not ready within ${options.readyTimeoutMs ?? 60_000} ms:\n${tail.text()}`);
    }
    await sleep(100);
  }
}

/**
 * Whether process `pid` holds the listening socket on 127.0.0.1:`port`, so a /ready answered by
 * another process that took the port first is not mistaken for ours. Read from /proc on Linux;
 * elsewhere assumed true.
 */
function listensOn(pid: number, port: number): boolean {
  let table: string;
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return true;
  }
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    if (fields[1] === local && fields[3] === '0A' && fields[9]) inodes.add(fields[9]);
  }
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) return true;
      } catch {
        // the descriptor closed meanwhile
      }
    }
  } catch {
    return false;
  }
  return false;
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

export function describeExit(exit: ChildExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

/**
 * Reads GET /metrics text: the sum of the samples of `name` whose labels include `labels`, or
 * undefined when there is none.
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = parseLabels(match[2] ?? '');
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) total = (total ?? 0) + Number(match[3]);
  }
  return total;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels[m[1] as string] = (m[2] as string).replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
  }
  return labels;
}

/** GET /metrics of a running server. */
export async function fetchMetrics(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  return response.text();
}
