import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { credentialsBanner, ensureCredentials } from '../../src/config/credentials.js';

describe('first-start credentials', () => {
  it('generates 256-bit tokens once, stores them with mode 0600 and reuses them afterwards', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'alertwire-cred-')), 'data');
    const first = ensureCredentials(dir, { webhook_token: '', admin_token: '' });
    assert.equal(first.generated, true);
    assert.equal(Buffer.from(first.webhookToken, 'base64url').length, 32);
    assert.notEqual(first.webhookToken, first.adminToken);
    const file = join(dir, 'credentials.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const second = ensureCredentials(dir, { webhook_token: '', admin_token: '' });
    assert.equal(second.generated, false);
    assert.equal(second.webhookToken, first.webhookToken);
    assert.equal(second.adminToken, first.adminToken);
  });

  it('writes nothing when both tokens are configured', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alertwire-cred-'));
    const c = ensureCredentials(dir, { webhook_token: 'w', admin_token: 'a' });
    assert.deepEqual(c, { webhookToken: 'w', adminToken: 'a', generated: false });
    assert.equal(existsSync(join(dir, 'credentials.json')), false);
  });

  it('prints an alertmanager.yml receiver that carries the webhook token', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alertwire-cred-'));
    const c = ensureCredentials(dir, { webhook_token: '', admin_token: '' });
    const banner = credentialsBanner(c, 'http://alertwire.example:8001', dir);
    assert.ok(banner.includes(c.adminToken));
    const snippet = banner.slice(banner.indexOf('receivers:'));
    const parsed = parse(snippet) as {
      receivers: { name: string; webhook_configs: { url: string; http_config: { authorization: { type: string; credentials: string } } }[] }[];
    };
    const hook = parsed.receivers[0]?.webhook_configs[0];
    assert.equal(hook?.url, 'http://alertwire.example:8001/webhook');
    assert.equal(hook?.http_config.authorization.credentials, c.webhookToken);
    assert.equal(JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')).webhook_token, c.webhookToken);
  });
});
