import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../../src/config/load.js';

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

  it('names the environment variable that holds a bad value', () => {
    const error = configError(() => loadConfig(undefined, { ALERTWIRE_PORT: 'eighty' }));
    assert.equal(error.issues[0]?.source, 'env ALERTWIRE_PORT');
    assert.match(error.message, /server\.port: expected an integer/);
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

  it('exits 1 and prints file:line:column: field for an invalid one', () => {
    const file = yamlFile('webhook:\n  limited_status: 418\n');
    const r = run(['check-config', '--config', file]);
    assert.equal(r.status, 1);
    assert.ok(r.stderr.includes(`${file}:2:19: webhook.limited_status:`), r.stderr);
  });
});
