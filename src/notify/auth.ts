import type { Dispatcher } from 'undici';
import type { AuthSettings } from './contact-point.js';
import type { Transport } from './transport.js';

/** The Authorization header of the static schemes; undefined for none and OAuth2. */
export function staticAuthorization(auth: AuthSettings): string | undefined {
  switch (auth.type) {
    case 'basic':
      return `Basic ${Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64')}`;
    case 'bearer':
      return `Bearer ${auth.token ?? ''}`;
    case 'header':
      return `${auth.scheme || 'Bearer'} ${auth.credentials ?? ''}`;
    default:
      return undefined;
  }
}

export class OAuthError extends Error {
  constructor(message: string) {
    super(`OAuth2 token request failed: ${message}`);
    this.name = 'OAuthError';
  }
}

interface CachedToken {
  key: string;
  value: string;
  expiresAt: number;
}

/**
 * OAuth2 client credentials (RFC 6749 §4.4), as Alertmanager's http_config.oauth2 does it:
 * the client authenticates with Basic auth at the token URL; tokens are cached until shortly
 * before they expire, and dropped when the receiver answers 401.
 */
export class OAuthTokens {
  private readonly tokens = new Map<string, CachedToken>();

  constructor(private readonly transport: Transport) {}

  async authorization(id: string, auth: AuthSettings, dispatcher: Dispatcher, timeoutMs: number, now: number): Promise<string> {
    const key = JSON.stringify([auth.tokenUrl, auth.clientId, auth.clientSecret, auth.scopes, auth.endpointParams]);
    const cached = this.tokens.get(id);
    if (cached && cached.key === key && cached.expiresAt > now) return cached.value;
    const token = await this.fetchToken(auth, dispatcher, timeoutMs);
    // Refresh a minute early (or at half the lifetime of short tokens) so no request carries a stale one.
    const lifetime = token.expiresIn * 1000;
    this.tokens.set(id, { key, value: `${token.type} ${token.accessToken}`, expiresAt: now + lifetime - Math.min(60_000, lifetime / 2) });
    return `${token.type} ${token.accessToken}`;
  }

  invalidate(id: string): void {
    this.tokens.delete(id);
  }

  private async fetchToken(auth: AuthSettings, dispatcher: Dispatcher, timeoutMs: number) {
    const form = new URLSearchParams({ grant_type: 'client_credentials', ...(auth.endpointParams ?? {}) });
    if (auth.scopes && auth.scopes.length > 0) form.set('scope', auth.scopes.join(' '));
    const basic = Buffer.from(`${encodeURIComponent(auth.clientId ?? '')}:${encodeURIComponent(auth.clientSecret ?? '')}`).toString('base64');
    const response = await this.transport.send(dispatcher, {
      url: auth.tokenUrl ?? '',
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${basic}` },
      body: form.toString(),
      timeoutMs,
    });
    if (response.status === undefined) throw new OAuthError(response.error ?? 'no answer');
    if (response.status < 200 || response.status >= 300) throw new OAuthError(`HTTP ${response.status}: ${response.body.slice(0, 200)}`);
    let parsed: { access_token?: unknown; token_type?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(response.body) as typeof parsed;
    } catch {
      throw new OAuthError('the answer is not JSON');
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '') throw new OAuthError('no access_token in the answer');
    const type = typeof parsed.token_type === 'string' && parsed.token_type.toLowerCase() !== 'bearer' ? parsed.token_type : 'Bearer';
    const expiresIn = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 3600;
    return { accessToken: parsed.access_token, type, expiresIn };
  }
}
