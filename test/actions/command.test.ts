import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ActionContext, ActionDeps, AlertSnapshot } from '../../src/actions/action.js';
import { OUTPUT_LIMIT_BYTES, commandKind } from '../../src/actions/command.js';
import type { CommandSettings } from '../../src/actions/command.js';
import { LocalLocks } from '../../src/store/locks.js';

const locks = new LocalLocks();

const NODE = process.execPath;
const deps: ActionDeps = {
  kubernetes: { kubeconfig: '', context: '', inCluster: false },
  commandEnvAllowlist: ['AW_TEST_ALLOWED'],
  templates: [],
};

const disk: AlertSnapshot = {
  fingerprint: 'aaaa000000000001',
  status: 'firing',
  labels: { alertname: 'DiskFull', instance: 'db-1:9100', severity: 'page' },
  annotations: { summary: 'disk is full', 'runbook.url': 'https://runbooks/disk' },
  startsAt: Date.UTC(2024, 4, 1, 12, 0, 0, 750),
  endsAt: null,
  generatorURL: 'http://prom:9090/graph?g0.expr=disk',
  extras: {},
};
const load: AlertSnapshot = {
  fingerprint: 'bbbb000000000002',
  status: 'resolved',
  labels: { alertname: 'DiskFull', instance: 'db-2:9100', severity: 'page' },
  annotations: { summary: 'disk was full' },
  startsAt: Date.UTC(2024, 4, 1, 11, 0, 0),
  endsAt: Date.UTC(2024, 4, 1, 12, 30, 0),
  generatorURL: 'http://prom:9090/graph?g0.expr=disk2',
  extras: {},
};

let receiverSeq = 0;
function context(over: Partial<ActionContext> = {}): ActionContext {
  receiverSeq += 1;
  return {
    receiver: { id: `rcv-${receiverSeq}`, name: 'restart-db' },
    trigger: 'firing',
    alerts: [disk, load],
    meta: {
      receiver: 'am-receiver',
      status: 'firing',
      groupKey: '{}:{alertname="DiskFull"}',
      groupLabels: { alertname: 'DiskFull' },
      commonLabels: { alertname: 'DiskFull', severity: 'page' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      truncatedAlerts: 0,
    },
    payload: { receiver: 'am-receiver', status: 'firing', alerts: [{ labels: { alertname: 'DiskFull' } }] },
    externalUrl: 'http://alertwire.test',
    now: () => Date.now(),
    signal: new AbortController().signal,
    lastApplied: async () => null,
    tryHold: (keys) => locks.tryHold(keys),
    ...over,
  };
}

function settings(over: Partial<CommandSettings> & Pick<CommandSettings, 'argv'>): CommandSettings {
  return { timeout: 10, max_concurrent: 0, max_per_fingerprint: 0, ...over };
}

let dir = '';
/** Writes a script into the test's temp dir and returns its path. */
function script(name: string, body: string, mode = 0o755): string {
  const path = join(dir, name);
  writeFileSync(path, body, { mode });
  return path;
}

/** A process is gone when /proc has no entry for it or it is a zombie waiting for its reaper. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

before(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'aw-command-')));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('command environment', () => {
  test('sets am-executor variables exactly and only allowlisted server variables', async () => {
    process.env.AW_TEST_ALLOWED = 'server-ok';
    process.env.AW_TEST_EXTRA = 'extra-ok';
    process.env.AW_TEST_SECRET = 'must-not-leak';
    const dump = script('env.js', 'process.stdout.write(JSON.stringify(process.env));');
    const action = commandKind.create(settings({ argv: [NODE, dump], env_allowlist: ['AW_TEST_EXTRA'] }), deps);
    const outcome = await action.run(context());
    assert.equal(outcome.decision, 'applied', outcome.reason);
    const env = JSON.parse(outcome.output ?? '') as Record<string, string>;
    const amx = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('AMX_')));
    assert.deepEqual(amx, {
      AMX_RECEIVER: 'am-receiver',
      AMX_STATUS: 'firing',
      AMX_EXTERNAL_URL: 'http://alertmanager:9093',
      AMX_ALERT_LEN: '2',
      AMX_LABEL_alertname: 'DiskFull',
      AMX_LABEL_severity: 'page',
      AMX_GLABEL_alertname: 'DiskFull',
      AMX_ALERT_1_STATUS: 'firing',
      AMX_ALERT_1_START: String(Math.floor(Date.UTC(2024, 4, 1, 12, 0, 0) / 1000)),
      AMX_ALERT_1_END: '0',
      AMX_ALERT_1_URL: 'http://prom:9090/graph?g0.expr=disk',
      AMX_ALERT_1_FINGERPRINT: 'aaaa000000000001',
      AMX_ALERT_1_LABEL_alertname: 'DiskFull',
      AMX_ALERT_1_LABEL_instance: 'db-1:9100',
      AMX_ALERT_1_LABEL_severity: 'page',
      AMX_ALERT_1_ANNOTATION_summary: 'disk is full',
      AMX_ALERT_1_ANNOTATION_runbook_url: 'https://runbooks/disk',
      AMX_ALERT_2_STATUS: 'resolved',
      AMX_ALERT_2_START: String(Date.UTC(2024, 4, 1, 11, 0, 0) / 1000),
      AMX_ALERT_2_END: String(Date.UTC(2024, 4, 1, 12, 30, 0) / 1000),
      AMX_ALERT_2_URL: 'http://prom:9090/graph?g0.expr=disk2',
      AMX_ALERT_2_FINGERPRINT: 'bbbb000000000002',
      AMX_ALERT_2_LABEL_alertname: 'DiskFull',
      AMX_ALERT_2_LABEL_instance: 'db-2:9100',
      AMX_ALERT_2_LABEL_severity: 'page',
      AMX_ALERT_2_ANNOTATION_summary: 'disk was full',
    });
    assert.equal(env.AW_TEST_ALLOWED, 'server-ok');
    assert.equal(env.AW_TEST_EXTRA, 'extra-ok');
    assert.equal(env.AW_TEST_SECRET, undefined);
    assert.equal(env.HOME, undefined, 'HOME is not in the allowlist');
  });

  test('without notification metadata, falls back to the receiver, trigger and shared labels', async () => {
    const dump = script('env2.js', 'process.stdout.write(JSON.stringify(process.env));');
    const action = commandKind.create(settings({ argv: [NODE, dump] }), deps);
    const outcome = await action.run(context({ meta: null, trigger: 'resolved', alerts: [disk, load] }));
    const env = JSON.parse(outcome.output ?? '') as Record<string, string>;
    assert.equal(env.AMX_RECEIVER, 'restart-db');
    assert.equal(env.AMX_STATUS, 'resolved');
    assert.equal(env.AMX_EXTERNAL_URL, 'http://alertwire.test');
    assert.equal(env.AMX_LABEL_severity, 'page');
    assert.equal(env.AMX_LABEL_instance, undefined, 'instance differs between the alerts');
    assert.equal(env.AMX_GLABEL_alertname, undefined);
  });
});

describe('command execution', () => {
  test('gets the payload as JSON on stdin', async () => {
    const cat = script('stdin.js', 'process.stdin.pipe(process.stdout);');
    const ctx = context();
    const outcome = await commandKind.create(settings({ argv: [NODE, cat] }), deps).run(ctx);
    assert.equal(outcome.decision, 'applied');
    assert.deepEqual(JSON.parse(outcome.output ?? ''), ctx.payload);
  });

  test('passes argv without a shell: ; and $(…) arrive literally', async () => {
    const marker = join(dir, 'pwned');
    const argv = ['/bin/echo', `x; touch ${marker}`, '$(touch ' + marker + ')', '`id`', '*'];
    const outcome = await commandKind.create(settings({ argv }), deps).run(context());
    assert.equal(outcome.output, `x; touch ${marker} $(touch ${marker}) \`id\` *\n`);
    assert.equal(existsSync(marker), false);
  });

  test('runs in the working directory', async () => {
    const pwd = script('pwd.js', 'process.stdout.write(process.cwd());');
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const outcome = await commandKind.create(settings({ argv: [NODE, pwd], cwd }), deps).run(context());
    assert.equal(outcome.output, cwd);
  });

  test('a non-zero exit is a final failure with the exit code and output', async () => {
    const argv = ['/bin/sh', '-c', 'echo partial; echo broken >&2; exit 3'];
    const outcome = await commandKind.create(settings({ argv }), deps).run(context());
    assert.equal(outcome.decision, 'failed');
    assert.equal(outcome.exitCode, 3);
    assert.equal(outcome.transient, undefined);
    assert.match(outcome.reason, /code 3/);
    assert.match(outcome.output ?? '', /partial/);
    assert.match(outcome.output ?? '', /broken/);
    assert.equal(outcome.target, '/bin/sh');
  });

  test('a program that cannot start is a final failure', async () => {
    const outcome = await commandKind.create(settings({ argv: [join(dir, 'missing')] }), deps).run(context());
    assert.equal(outcome.decision, 'failed');
    assert.match(outcome.reason, /cannot start.*ENOENT/);
    assert.equal(outcome.transient, undefined);
  });

  test('truncates captured output, keeping its head and tail', async () => {
    const noisy = script('noisy.js', "process.stdout.write('A'.repeat(100000)); process.stderr.write('B'.repeat(100000) + 'END');");
    const outcome = await commandKind.create(settings({ argv: [NODE, noisy] }), deps).run(context());
    const output = outcome.output ?? '';
    assert.ok(output.length < OUTPUT_LIMIT_BYTES + 100, `output is ${output.length} chars`);
    assert.ok(output.startsWith('AAAA'));
    assert.ok(output.endsWith('BEND'));
    assert.match(output, /\[\d+ bytes of output dropped\]/);
  });

  test('a timeout kills the whole process group, grandchildren included', async () => {
    const tree = script('tree.sh', `#!/bin/sh\nsleep 300 &\necho $! > "${dir}/grandchild.pid"\necho $$ > "${dir}/child.pid"\necho started\nwait\n`);
    const startedAt = Date.now();
    const outcome = await commandKind.create(settings({ argv: [tree], timeout: 0.5 }), deps).run(context());
    assert.ok(Date.now() - startedAt < 4000, 'returned soon after the timeout');
    assert.equal(outcome.decision, 'failed');
    assert.equal(outcome.reason, 'killed after 0.5 s (timeout)');
    assert.match(outcome.output ?? '', /started/);
    const child = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    const grandchild = Number(readFileSync(join(dir, 'grandchild.pid'), 'utf8'));
    await waitFor(() => !alive(child) && !alive(grandchild), 3000);
  });

  test('a shutdown interrupts the run as a transient failure', async () => {
    const controller = new AbortController();
    const running = commandKind.create(settings({ argv: ['/bin/sleep', '30'] }), deps).run(context({ signal: controller.signal }));
    await sleep(100);
    controller.abort();
    const outcome = await running;
    assert.equal(outcome.decision, 'failed');
    assert.equal(outcome.transient, true);
  });
});

/** An execution's journal kept in memory, as the act job keeps it in the store. */
function memoryJournal(initial: unknown = null): { journal: NonNullable<ActionContext['journal']>; value: () => unknown } {
  let value = initial;
  return {
    journal: {
      read: async () => value,
      write: async (next) => {
        value = next;
      },
    },
    value: () => value,
  };
}

describe('command across crashes', () => {
  test('journals its start, so a takeover after a crash does not run the command a second time', async () => {
    const marker = join(dir, 'ran-once');
    const argv = ['/bin/sh', '-c', `echo run >> "${marker}"`];
    const first = memoryJournal();
    assert.equal((await commandKind.create(settings({ argv }), deps).run(context({ journal: first.journal }))).decision, 'applied');
    assert.ok(first.value(), 'the start is journaled');
    // The job of a replica that died mid-run is claimed again with the journal it left.
    const rerun = await commandKind.create(settings({ argv }), deps).run(context({ journal: first.journal }));
    assert.equal(rerun.decision, 'failed');
    assert.equal(rerun.transient, undefined, 'final: retrying would not change the answer');
    assert.match(rerun.reason, /not run again/);
    assert.equal(readFileSync(marker, 'utf8'), 'run\n');
  });

  test('a command this server stopped at shutdown may run again: its journal is cleared', async () => {
    const controller = new AbortController();
    const j = memoryJournal();
    const running = commandKind.create(settings({ argv: ['/bin/sleep', '30'] }), deps).run(context({ signal: controller.signal, journal: j.journal }));
    await sleep(100);
    controller.abort();
    assert.equal((await running).transient, true);
    assert.equal(j.value(), null);
  });
});

/** A command that announces it started, then waits until the test releases it. */
function gate(name: string): { argv: string[]; started: string; release: () => void } {
  const started = join(dir, `${name}.started`);
  const released = join(dir, `${name}.released`);
  const path = script(`${name}.sh`, `#!/bin/sh\ntouch "${started}"\nwhile [ ! -e "${released}" ]; do sleep 0.05; done\necho done\n`);
  return { argv: [path], started, release: () => writeFileSync(released, '') };
}

describe('command concurrency', () => {
  test('max_concurrent skips a second run for the receiver until the first ends', async () => {
    const g = gate('receiver-limit');
    const action = commandKind.create(settings({ argv: g.argv, max_concurrent: 1 }), deps);
    const ctx = context({ alerts: [disk] });
    const first = action.run(ctx);
    await waitFor(() => existsSync(g.started));
    const second = await action.run({ ...ctx, alerts: [load] });
    assert.equal(second.decision, 'skipped');
    assert.match(second.reason, /max_concurrent 1/);
    const other = await commandKind.create(settings({ argv: ['/bin/true'], max_concurrent: 1 }), deps).run(context());
    assert.equal(other.decision, 'applied', 'another receiver has its own limit');
    g.release();
    assert.equal((await first).decision, 'applied');
    assert.equal((await action.run({ ...ctx, alerts: [load] })).decision, 'applied');
  });

  test('max_per_fingerprint skips a run for an alert already being acted on', async () => {
    const g = gate('fingerprint-limit');
    const action = commandKind.create(settings({ argv: g.argv, max_per_fingerprint: 1 }), deps);
    const ctx = context({ alerts: [disk] });
    const first = action.run(ctx);
    await waitFor(() => existsSync(g.started));
    const same = await action.run({ ...ctx, alerts: [load, disk] });
    assert.equal(same.decision, 'skipped');
    assert.match(same.reason, /aaaa000000000001.*max_per_fingerprint 1/);
    const reverse = commandKind.create(settings({ argv: ['/bin/true'], max_per_fingerprint: 1 }), deps);
    assert.equal((await reverse.run({ ...ctx, trigger: 'resolved' })).decision, 'applied', 'the resolved direction counts apart');
    const otherAlert = action.run({ ...ctx, alerts: [load] });
    g.release();
    assert.equal((await first).decision, 'applied');
    assert.equal((await otherAlert).decision, 'applied');
  });
});

describe('command kill on resolve', () => {
  test('kills a run once all of its alerts resolved, even through another Action object', async () => {
    const g = gate('resolve-kill');
    const s = settings({ argv: g.argv, kill_on_resolve: true });
    const ctx = context();
    let done = false;
    const running = commandKind
      .create(s, deps)
      .run(ctx)
      .finally(() => (done = true));
    await waitFor(() => existsSync(g.started));
    const other = commandKind.create(s, deps);
    other.onResolved?.(ctx.receiver.id, [disk.fingerprint]);
    other.onResolved?.('another-receiver', [load.fingerprint]);
    await sleep(300);
    assert.equal(done, false, 'one alert still fires');
    other.onResolved?.(ctx.receiver.id, [load.fingerprint]);
    const outcome = await running;
    assert.equal(outcome.decision, 'skipped');
    assert.match(outcome.reason, /resolved/);
    g.release();
  });

  test('without kill_on_resolve the run goes on', async () => {
    const g = gate('resolve-keep');
    const action = commandKind.create(settings({ argv: g.argv }), deps);
    const ctx = context({ alerts: [disk] });
    const running = action.run(ctx);
    await waitFor(() => existsSync(g.started));
    action.onResolved?.(ctx.receiver.id, [disk.fingerprint]);
    await sleep(200);
    g.release();
    const outcome = await running;
    assert.equal(outcome.decision, 'applied');
    assert.match(outcome.output ?? '', /done/);
  });
});

describe('command settings check', () => {
  test('names the invalid fields', () => {
    const issues = commandKind.check({ argv: [], timeout: 0, cwd: 'relative/dir', max_concurrent: -1, env_allowlist: ['OK', 'NOT-OK'] });
    assert.deepEqual(
      issues.map((i) => i.field).sort(),
      ['action.argv', 'action.cwd', 'action.env_allowlist[1]', 'action.max_concurrent', 'action.timeout'],
    );
    assert.deepEqual(commandKind.check({ argv: [''] }).map((i) => i.field), ['action.argv[0]']);
  });

  test('accepts valid settings', () => {
    assert.deepEqual(commandKind.check({ argv: ['/usr/bin/restart', ''], cwd: '/tmp', timeout: 5, env_allowlist: ['PATH'] }), []);
  });
});
