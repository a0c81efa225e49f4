import type { ContactPointSettings } from './contact-point.js';

/** What the API shows instead of a secret that is set; sending it back keeps the stored one. */
export const SECRET_PLACEHOLDER = '[set]';

const AUTH_SECRETS = ['password', 'token', 'credentials', 'clientSecret'] as const;

/**
 * Applies `fn` to every secret of a contact point (passwords, tokens, credentials, client
 * secrets, HMAC and signing secrets, the TLS client key), returning a copy. Empty values are
 * left alone: there is nothing to hide or seal.
 */
export function mapSecrets(settings: ContactPointSettings, fn: (value: string, path: string) => string): ContactPointSettings {
  const auth = { ...settings.auth };
  for (const field of AUTH_SECRETS) {
    const value = auth[field];
    if (value) auth[field] = fn(value, `auth.${field}`);
  }
  const signing = { ...settings.signing };
  if (signing.secret) signing.secret = fn(signing.secret, 'signing.secret');
  if (signing.secrets) signing.secrets = signing.secrets.map((s, i) => (s ? fn(s, `signing.secrets[${i}]`) : s));
  const tls = { ...settings.tls };
  if (tls.key) tls.key = fn(tls.key, 'tls.key');
  return { ...settings, auth, signing, tls };
}

export function redactSecrets(settings: ContactPointSettings): ContactPointSettings {
  return mapSecrets(settings, () => SECRET_PLACEHOLDER);
}

/** The value at a secret's path, as mapSecrets names it. */
function secretAt(settings: ContactPointSettings, path: string): string | undefined {
  const indexed = /^signing\.secrets\[(\d+)\]$/.exec(path);
  if (indexed) return settings.signing.secrets?.[Number(indexed[1])];
  const [group, field] = path.split('.') as [string, string];
  const holder = (group === 'auth' ? settings.auth : group === 'signing' ? settings.signing : settings.tls) as Record<string, unknown>;
  const value = holder[field];
  return typeof value === 'string' ? value : undefined;
}

export class MissingSecretError extends Error {
  constructor(readonly field: string) {
    super(`${field}: "${SECRET_PLACEHOLDER}" stands for a stored secret, but none is stored here; send the value`);
  }
}

/** Replaces each "[set]" of an update with the secret stored at the same place. */
export function keepStoredSecrets(update: ContactPointSettings, stored: ContactPointSettings | undefined): ContactPointSettings {
  return mapSecrets(update, (value, path) => {
    if (value !== SECRET_PLACEHOLDER) return value;
    const kept = stored ? secretAt(stored, path) : undefined;
    if (!kept) throw new MissingSecretError(path);
    return kept;
  });
}
