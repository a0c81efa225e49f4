import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, loadTemplateFiles } from '../../src/config/load.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'alertwire-cfg-')), 'alertwire.yaml');
  writeFileSync(file, text);
  return file;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('configuration', () => {
  it('has working defaults without a file', () => {
    const c = loadConfig(undefined, {});
    assert.equal(c.server.port, 8001);
    assert.equal(c.data_dir, './data');
    assert.equal(c.rate_limit.per_ip, 100);
    assert.equal(c.rate_limit.global, 1000);
    assert.equal(c.webhook.dedup_window, 60);
    assert.equal(c.webhook.limited_status, 429);
    assert.equal(c.server.body_limit, 1024 * 1024);
    assert.equal(c.database.sqlite_synchronous, 'FULL');
    assert.equal(c.database.sqlite_cache_mib, 4);
    assert.equal(c.database.sqlite_wal_autocheckpoint, 1000);
  });

  it('takes the WAL checkpoint size from ALERTWIRE_SQLITE_WAL_AUTOCHECKPOINT and refuses a tiny one', () => {
    assert.equal(loadConfig(undefined, { ALERTWIRE_SQLITE_WAL_AUTOCHECKPOINT: '2000' }).database.sqlite_wal_autocheckpoint, 2000);
    const error = configError(() => loadConfig(yamlFile('database:\n  sqlite_wal_autocheckpoint: 10\n'), {}));
    assert.match(error.message, /:2:\d+: database\.sqlite_wal_autocheckpoint: /);
  });

  it('takes the SQLite page cache size from ALERTWIRE_SQLITE_CACHE_MIB and refuses zero', () => {
    assert.equal(loadConfig(undefined, { ALERTWIRE_SQLITE_CACHE_MIB: '64' }).database.sqlite_cache_mib, 64);
    const error = configError(() => loadConfig(yamlFile('database:\n  sqlite_cache_mib: 0\n'), {}));
    assert.match(error.message, /:2:\d+: database\.sqlite_cache_mib: /);
  });

  it('reads the file and lets environment variables override it', () => {
    const file = yamlFile('server:\n  port: 9000\n  external_url: https://a.example\nrate_limit:\n  per_ip: 5\n');
    const c = loadConfig(file, {
      ALERTWIRE_PORT: '9100',
      ALERTWIRE_RATE_LIMIT_GLOBAL: '0',
      ALERTWIRE_DATA_DIR: '/var/lib/alertwire',
      DATABASE_URL: 'postgres://u@db/alertwire',
      ALERTWIRE_WEBHOOK_TOKEN: 'w',
      ALERTWIRE_ADMIN_TOKEN: 'a',
      ALERTWIRE_HOST: '127.0.0.1',
      ALERTWIRE_EXTERNAL_URL: 'https://b.example',
      ALERTWIRE_RATE_LIMIT_PER_IP: '7',
    });
    assert.equal(c.server.port, 9100);
    assert.equal(c.server.host, '127.0.0.1');
    assert.equal(c.server.external_url, 'https://b.example');
    assert.equal(c.rate_limit.per_ip, 7);
    assert.equal(c.rate_limit.global, 0);
    assert.equal(c.data_dir, '/var/lib/alertwire');
    assert.equal(c.database.url, 'postgres://u@db/alertwire');
    assert.equal(c.auth.webhook_token, 'w');
    assert.equal(c.auth.admin_token, 'a');
  });

  it('shares rate limits through Redis when REDIS_URL is set and no store is named', () => {
    assert.equal(loadConfig(undefined, {}).rate_limit.store, 'memory');
    assert.equal(loadConfig(undefined, { REDIS_URL: 'redis://127.0.0.1:6379' }).rate_limit.store, 'redis');
    const chosen = loadConfig(yamlFile('rate_limit:\n  store: postgres\n'), { REDIS_URL: 'redis://127.0.0.1:6379' });
    assert.equal(chosen.rate_limit.store, 'postgres', 'a store named in the file is kept');
    assert.equal(loadConfig(undefined, { REDIS_URL: 'redis://r', ALERTWIRE_RATE_LIMIT_STORE: 'memory' }).rate_limit.store, 'memory');
  });

  it('refuses a Redis store without a Redis URL, saying what to set', () => {
    const error = configError(() => loadConfig(yamlFile('rate_limit:\n  store: redis\n'), {}));
    assert.equal(error.issues[0]?.field, 'rate_limit.store');
    assert.equal(error.issues[0]?.line, 2);
    assert.match(error.message, /set REDIS_URL/);
  });

  it('lets --port, --host and --data-dir override the environment and the file', () => {
    const file = yamlFile('server:\n  port: 7000\n  host: 10.0.0.1\ndata_dir: /var/lib/file\n');
    const c = loadConfig(file, { ALERTWIRE_PORT: '7001' }, { port: '9999', host: '127.0.0.1', dataDir: '/tmp/flag' });
    assert.deepEqual([c.server.port, c.server.host, c.data_dir], [9999, '127.0.0.1', '/tmp/flag']);
    assert.equal(loadConfig(file, { ALERTWIRE_PORT: '7001' }).server.port, 7001);
  });

  it('names file, line, column and field of a wrong value', () => {
    const file = yamlFile('server:\n  port: 8001\nrate_limit:\n  per_ip: lots\n');
    const error = configError(() => loadConfig(file, {}));
    assert.equal(error.issues[0]?.field, 'rate_limit.per_ip');
    assert.equal(error.issues[0]?.line, 4);
    assert.equal(error.issues[0]?.column, 11);
    assert.match(error.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:11: rate_limit\\.per_ip: `));
  });

  it('rejects unknown fields, so a typo does not pass silently', () => {
    const error = configError(() => loadConfig(yamlFile('server:\n  prot: 8001\n'), {}));
    assert.equal(error.issues[0]?.field, 'server.prot');
    assert.equal(error.issues[0]?.line, 2);
  });

  it('reports YAML syntax errors with their line', () => {
    const error = configError(() => loadConfig(yamlFile('server:\n  port: [8001\n'), {}));
    assert.ok((error.issues[0]?.line ?? 0) >= 2);
  });

  it('reads the outbound allow and deny lists, empty by default', () => {
    assert.deepEqual(loadConfig(undefined, {}).outbound, { allow: [], deny: [] });
    const c = loadConfig(yamlFile('outbound:\n  allow: [169.254.10.0/24]\n  deny:\n    - 10.0.0.0/8\n    - fd00::/8\n    - 192.168.1.1\n'), {});
    assert.deepEqual(c.outbound, { allow: ['169.254.10.0/24'], deny: ['10.0.0.0/8', 'fd00::/8', '192.168.1.1'] });
  });

  it('lets ALERTWIRE_OUTBOUND_ALLOW / _DENY replace the file’s lists', () => {
    const file = yamlFile('outbound:\n  allow: [169.254.10.0/24]\n  deny: [10.0.0.0/8]\n');
    const c = loadConfig(file, { ALERTWIRE_OUTBOUND_DENY: '127.0.0.0/8, ::1', ALERTWIRE_OUTBOUND_ALLOW: '' });
    assert.deepEqual(c.outbound, { allow: ['169.254.10.0/24'], deny: ['127.0.0.0/8', '::1'] });
  });

  it('names file, line, column, entry and the bad CIDR of an outbound list', () => {
    const file = yamlFile('outbound:\n  deny:\n    - 10.0.0.0/8\n    - 10.0.0.0/33\n  allow: [example.com]\n');
    const error = configError(() => loadConfig(file, {}));
    const deny = error.issues.find((i) => i.field === 'outbound.deny[1]');
    assert.equal(deny?.line, 4);
    assert.equal(deny?.column, 7);
    assert.match(deny?.message ?? '', /bad prefix length in "10\.0\.0\.0\/33"/);
    const allow = error.issues.find((i) => i.field === 'outbound.allow[0]');
    assert.equal(allow?.line, 5);
    assert.match(allow?.message ?? '', /"example\.com" is not an address or CIDR/);
    assert.equal(error.issues.length, 2);
  });

  it('names the environment variable that holds a bad CIDR', () => {
    const error = configError(() => loadConfig(yamlFile('outbound:\n  deny: [10.0.0.0/8]\n'), { ALERTWIRE_OUTBOUND_DENY: '127.0.0.0/8,nonsense' }));
    assert.equal(error.issues[0]?.source, 'env ALERTWIRE_OUTBOUND_DENY');
    assert.equal(error.issues[0]?.line, undefined);
    assert.match(error.message, /^env ALERTWIRE_OUTBOUND_DENY: outbound\.deny\[1\]: "nonsense" is not an address or CIDR$/);
  });

  it('names the environment variable that holds a bad value', () => {
    const error = configError(() => loadConfig(undefined, { ALERTWIRE_PORT: 'eighty' }));
    assert.equal(error.issues[0]?.source, 'env ALERTWIRE_PORT');
    assert.match(error.message, /server\.port: expected an integer/);
  });
});

describe('templates: (template files, as in alertmanager.yml)', () => {
  /** A config file beside a templates/ folder holding `files`. */
  function withTemplates(files: Record<string, string>, yaml: string): string {
    const file = yamlFile(yaml);
    mkdirSync(join(dirname(file), 'templates'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dirname(file), 'templates', name), text);
    return file;
  }

  it('is empty by default', () => {
    assert.deepEqual(loadConfig(undefined, {}).templates, []);
  });

  it('reads the files of relative globs from the file\'s directory, in name order, named by base name', () => {
    const file = withTemplates(
      { 'b.tmpl': '{{ define "b" }}B{{ end }}', 'a.tmpl': '{{ define "a" }}A{{ end }}', 'notes.txt': 'not a template {{' },
      'templates:\n  - templates/*.tmpl\n',
    );
    const config = loadConfig(file, {});
    assert.deepEqual(config.templates, [join(dirname(file), 'templates/*.tmpl')]);
    assert.deepEqual(
      loadTemplateFiles(config.templates).map((f) => f.name),
      ['a.tmpl', 'b.tmpl'],
    );
  });

  it('accepts a glob that matches nothing, as Alertmanager does', () => {
    const file = yamlFile('templates:\n  - nowhere/*.tmpl\n');
    assert.deepEqual(loadTemplateFiles(loadConfig(file, {}).templates), []);
  });

  it('names the file, line and column of a template that does not parse', () => {
    const file = withTemplates({ 'bad.tmpl': 'ok\n{{ define "x" }}{{ .Nope }' }, 'templates:\n  - templates/*.tmpl\n');
    const e = configError(() => loadConfig(file, {}));
    const bad = join(dirname(file), 'templates', 'bad.tmpl');
    assert.equal(e.issues.length, 1);
    assert.equal(e.issues[0]?.source, bad);
    assert.equal(e.issues[0]?.field, 'templates[0]');
    assert.equal(e.issues[0]?.line, 2);
    assert.match(e.message, /bad\.tmpl:2:\d+: templates\[0\]: template: bad\.tmpl:2:\d+: unexpected "}" in operand/);
  });
});

describe('alertwire check-config', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ALERTWIRE_CONFIG: '' } });

  it('exits 0 for a valid file', () => {
    const r = run(['check-config', '--config', yamlFile('server:\n  port: 8001\n')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /configuration is valid/);
  });

  it('prints file:line:column: field for a bad outbound CIDR', () => {
    const file = yamlFile('outbound:\n  allow:\n    - 169.254.0.0/16\n    - 169.254.0.0/\n');
    const r = run(['check-config', '--config', file]);
    assert.equal(r.status, 1);
    assert.ok(r.stderr.includes(`${file}:4:7: outbound.allow[1]: bad prefix length in "169.254.0.0/" (0–32)`), r.stderr);
  });

  it('checks the template files, as serve does', () => {
    const file = yamlFile('templates:\n  - broken.tmpl\n');
    writeFileSync(join(dirname(file), 'broken.tmpl'), '{{ if }}');
    const r = run(['check-config', '--config', file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /broken\.tmpl:1:\d+: templates\[0\]: template: broken\.tmpl:1:\d+: missing value for if/);
  });

  it('exits 1 and prints file:line:column: field for an invalid one', () => {
    const file = yamlFile('webhook:\n  limited_status: 418\n');
    const r = run(['check-config', '--config', file]);
    assert.equal(r.status, 1);
    assert.ok(r.stderr.includes(`${file}:2:19: webhook.limited_status:`), r.stderr);
  });
});
