import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Credentials {
  webhookToken: string;
  adminToken: string;
  /** True when this start created them: the one time they are shown. */
  generated: boolean;
}

export const CREDENTIALS_FILE = 'credentials.json';

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Configured tokens win; otherwise the ones generated on a previous start; otherwise new ones,
 * written to the data directory readable by the owner only.
 */
export function ensureCredentials(dataDir: string, configured: { webhook_token: string; admin_token: string }): Credentials {
  const file = join(dataDir, CREDENTIALS_FILE);
  let stored: Partial<Record<'webhook_token' | 'admin_token', string>> = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as typeof stored;
  const webhookToken = configured.webhook_token || stored.webhook_token;
  const adminToken = configured.admin_token || stored.admin_token;
  if (webhookToken && adminToken) return { webhookToken, adminToken, generated: false };
  const next = { webhook_token: webhookToken ?? newToken(), admin_token: adminToken ?? newToken() };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { webhookToken: next.webhook_token, adminToken: next.admin_token, generated: true };
}

/** The one-time message shown when tokens were generated, with a receiver to paste. */
export function credentialsBanner(credentials: Credentials, externalUrl: string, dataDir: string): string {
  return [
    '',
    'alertwire generated credentials (shown once; kept in ' + join(dataDir, CREDENTIALS_FILE) + ', mode 0600):',
    `  webhook token: ${credentials.webhookToken}`,
    `  admin token:   ${credentials.adminToken}`,
    '',
    'Add this receiver to alertmanager.yml:',
    '',
    'receivers:',
    "  - name: 'alertwire'",
    '    webhook_configs:',
    `      - url: '${externalUrl}/webhook'`,
    '        send_resolved: true',
    '        http_config:',
    '          authorization:',
    '            type: Bearer',
    `            credentials: '${credentials.webhookToken}'`,
    '',
  ].join('\n');
}
