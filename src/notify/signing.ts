import { createHmac } from 'node:crypto';
import type { SigningSettings } from './contact-point.js';

export const DEFAULT_HMAC_HEADER = 'X-Grafana-Alerting-Signature';
const WHSEC = 'whsec_';

/** Grafana's signature: lowercase hex HMAC-SHA256 of `[timestamp + ":"] + body`. */
export function grafanaSignature(secret: string, body: string, timestamp?: string): string {
  const mac = createHmac('sha256', secret);
  if (timestamp !== undefined) mac.update(`${timestamp}:`);
  return mac.update(body).digest('hex');
}

/** The key of a Standard Webhooks secret: the base64 after `whsec_`. */
export function standardSecretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(WHSEC) ? secret.slice(WHSEC.length) : secret, 'base64');
}

/** Checks a Standard Webhooks secret; returns what is wrong, or null. */
export function standardSecretProblem(secret: string): string | null {
  if (!secret.startsWith(WHSEC)) return 'must start with "whsec_" followed by base64';
  const b64 = secret.slice(WHSEC.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return 'the part after "whsec_" must be base64';
  const bytes = standardSecretKey(secret).length;
  if (bytes < 16 || bytes > 64) return `must hold 16 to 64 bytes, has ${bytes}`;
  return null;
}

/** One `v1,<base64>` per secret, space-separated: receivers accept any one, which allows rotation. */
export function standardSignature(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  const content = `${id}.${timestamp}.${body}`;
  return secrets.map((s) => `v1,${createHmac('sha256', standardSecretKey(s)).update(content).digest('base64')}`).join(' ');
}

/** The headers that sign one attempt; timestamps are per attempt, the webhook-id is not. */
export function signatureHeaders(signing: SigningSettings, id: string, body: string, nowMs: number): Record<string, string> {
  const seconds = Math.floor(nowMs / 1000);
  switch (signing.type) {
    case 'hmac': {
      const header = signing.header || DEFAULT_HMAC_HEADER;
      if (!signing.timestampHeader) return { [header]: grafanaSignature(signing.secret ?? '', body) };
      const ts = String(seconds);
      return { [signing.timestampHeader]: ts, [header]: grafanaSignature(signing.secret ?? '', body, ts) };
    }
    case 'standard':
      return {
        'webhook-timestamp': String(seconds),
        'webhook-signature': standardSignature(signing.secrets ?? [], id, seconds, body),
      };
    case 'none':
      return {};
  }
}
