import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PREFIX = 'enc:v1:';
export const SECRET_KEY_FILE = 'secret.key';

/**
 * Encrypts secrets at rest (passwords, tokens, HMAC and signing secrets, client keys) with
 * AES-256-GCM. Values are stored as `enc:v1:<iv>.<tag>.<ciphertext>` (base64url).
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /**
   * The key comes from ALERTWIRE_SECRET_KEY (32 bytes as base64 or hex), else from a key file
   * in the data directory, generated with mode 0600 on first use. Replicas sharing PostgreSQL
   * must share the key.
   */
  static load(dataDir: string, envKey: string | undefined): SecretBox {
    if (envKey) return new SecretBox(parseKey(envKey));
    const file = join(dataDir, SECRET_KEY_FILE);
    if (existsSync(file)) return new SecretBox(parseKey(readFileSync(file, 'utf8').trim()));
    const key = randomBytes(32);
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
    return new SecretBox(key);
  }

  static fromKey(key: Buffer): SecretBox {
    if (key.length !== 32) throw new Error('a secret key is 32 bytes');
    return new SecretBox(key);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${body.toString('base64url')}`;
  }

  open(sealed: string): string {
    if (!sealed.startsWith(PREFIX)) throw new Error('not an encrypted value');
    const [iv, tag, body] = sealed.slice(PREFIX.length).split('.');
    if (!iv || !tag || body === undefined) throw new Error('malformed encrypted value');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }
}

function parseKey(text: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error('ALERTWIRE_SECRET_KEY must be 32 bytes, as 64 hex digits or base64');
  return key;
}
