// The command line: versions and help, refused options, the checks serve makes before it
// binds a port or writes a file, and failures reported in one line per problem.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function alertwire(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ALERTWIRE_') && k !== 'DATABASE_URL' && k !== 'NODE_TEST_CONTEXT'));
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...clean, ALERTWIRE_CONFIG: '', ...env }, timeout: 60_000 });
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'alertwire-cli-'));
}

/** A configuration file that loads (its schema holds) but that serve could not start with. */
function brokenFile(dir: string): string {
  const file = join(dir, 'alertwire.yaml');
  writeFileSync(
    file,
    ['contact_points:', '  - name: ops', '    url: http://127.0.0.1:9/hook', '    title: "{{ .Nope"', 'analysis:', '  knowledge_base:', `    files: [${join(dir, 'missing.yaml')}]`, ''].join('\n'),
  );
  return file;
}

describe('alertwire (the command line)', () => {
  it('prints its version for --version, -v and version, and starts nothing', () => {
    const dir = scratch();
    for (const args of [['--version'], ['-v'], ['version']]) {
      const r = alertwire(args, { ALERTWIRE_DATA_DIR: join(dir, 'data') });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `alertwire ${VERSION}\n`);
    }
    assert.equal(existsSync(join(dir, 'data')), false, 'no data directory, no credentials');
  });

  it('has help per command', () => {
    const r = alertwire(['serve', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: alertwire serve .*--port <port>/);
    assert.match(alertwire(['--help']).stdout, /check-config/);
  });

  it('refuses an unknown option with a usage line, before doing anything', () => {
    const dir = scratch();
    const r = alertwire(['serve', '--port', '9999', '--prot', '1', '--data-dir', join(dir, 'data')]);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, 'alertwire serve: unknown option --prot\nUsage: alertwire serve [--config <file>] [--port <port>] [--host <address>] [--data-dir <dir>]\n');
    assert.equal(existsSync(join(dir, 'data')), false);
    assert.match(alertwire(['migrate', '--port', '1']).stderr, /alertwire migrate: unknown option --port/);
    assert.match(alertwire(['nonsense']).stderr, /unknown command "nonsense"/);
  });

  it('names the flag that holds a bad value', () => {
    const r = alertwire(['check-config', '--port', 'eighty']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^--port: server.port: expected an integer, got "eighty"$/m);
  });

  it('check-config finds what serve would die on: a template that does not parse, a missing knowledge file', () => {
    const dir = scratch();
    const r = alertwire(['check-config', '--config', brokenFile(dir)]);
    assert.equal(r.status, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines[0], 'invalid configuration:');
    assert.match(lines[1] ?? '', /alertwire\.yaml: contact_points\[0\]\.title: template: title:1:\d+: unclosed action$/);
    assert.match(lines[2] ?? '', /alertwire\.yaml: analysis\.knowledge_base: knowledge base .*missing\.yaml: ENOENT/);
    assert.equal(lines.length, 3);
  });

  it('check-config checks provisioned receivers as provisioning would', () => {
    const dir = scratch();
    const file = join(dir, 'alertwire.yaml');
    writeFileSync(file, 'receivers:\n  - id: scale-web\n    name: web\n    kind: http\n    action: { url: "http://127.0.0.1:9/x" }\n');
    const r = alertwire(['check-config', '--config', file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /alertwire\.yaml: receivers\[0\]: a provisioned receiver needs an id and a token$/m);
  });

  it('names the allowed values of an enum', () => {
    const dir = scratch();
    const file = join(dir, 'alertwire.yaml');
    writeFileSync(file, 'server:\n  log_level: loud\n');
    const r = alertwire(['check-config', '--config', file]);
    assert.match(r.stderr, /server\.log_level: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "loud"/);
  });

  it('serve stops before it binds or writes, one line per problem, no stack trace', () => {
    const dir = scratch();
    const r = alertwire(['serve', '--config', brokenFile(dir), '--data-dir', join(dir, 'data'), '--port', '0']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^cannot start:\n.*contact_points\[0\]\.title: .*\n.*analysis\.knowledge_base: .*\n$/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(existsSync(join(dir, 'data')), false, 'no credentials, no secret key, no database');
  });

  it('serve and migrate name an unreachable database in one line', () => {
    const url = 'postgres://postgres:hunter2@127.0.0.1:1/test';
    for (const [args, verb] of [
      [['serve', '--port', '0'], 'cannot start'],
      [['migrate'], 'cannot migrate'],
    ] as const) {
      const r = alertwire([...args], { DATABASE_URL: url, ALERTWIRE_DATA_DIR: join(scratch(), 'data') });
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`^${verb}:?\\n?.*cannot reach PostgreSQL at postgres://postgres:\\[redacted\\]@127\\.0\\.0\\.1:1/test: .*ECONNREFUSED`));
      assert.doesNotMatch(r.stderr, /hunter2|\n\s+at /);
    }
  });
});
