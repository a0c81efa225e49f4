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
  /** `permanent`: no retry can fix it (the token URL is refused by the outbound policy). */
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(`OAuth2 token request failed: ${message}`);
    this.name = 'OAuthError';
  }
}

interface CachedToken {
  key: string;
  value: string;
  expiresAt: number;
}

/** An Authorization header value, and whether it was fetched for this request or came from the cache. */
export interface OAuthAuthorization {
  value: string;
  cached: boolean;
}

/**
 * OAuth2 client credentials (RFC 6749 §4.4), as Alertmanager's http_config.oauth2 does it:
 * the client authenticates with Basic auth at the token URL; tokens are cached until shortly
 * before they expire, and dropped when the receiver answers 401.
 */
export class OAuthTokens {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, { key: string; promise: Promise<CachedToken> }>();

  constructor(private readonly transport: Transport) {}

  async authorization(id: string, auth: AuthSettings, dispatcher: Dispatcher, timeoutMs: number, now: number): Promise<OAuthAuthorization> {
    const key = JSON.stringify([auth.tokenUrl, auth.clientId, auth.clientSecret, auth.scopes, auth.endpointParams]);
    const cached = this.tokens.get(id);
    if (cached && cached.key === key && cached.expiresAt > now) return { value: cached.value, cached: true };
    const token = await this.refresh(id, key, auth, dispatcher, timeoutMs, now);
    return { value: token.value, cached: false };
  }

  /**
   * Drops the cached token of a contact point; with `refused`, only if it is still that one,
   * so a 401 to an old token does not throw away the new token another delivery just fetched.
   */
  invalidate(id: string, refused?: string): void {
    if (refused !== undefined && this.tokens.get(id)?.value !== refused) return;
    this.tokens.delete(id);
    if (refused === undefined) this.inFlight.delete(id);
  }

  /** One token request per contact point at a time: the deliveries of a batch share its answer. */
  private refresh(id: string, key: string, auth: AuthSettings, dispatcher: Dispatcher, timeoutMs: number, now: number): Promise<CachedToken> {
    const pending = this.inFlight.get(id);
    if (pending && pending.key === key) return pending.promise;
    const promise = this.fetchToken(auth, dispatcher, timeoutMs)
      .then((token) => {
        // Refresh a minute early (or at half the lifetime of short tokens) so no request carries a stale one.
        const lifetime = token.expiresIn * 1000;
        const entry = { key, value: `${token.type} ${token.accessToken}`, expiresAt: now + lifetime - Math.min(60_000, lifetime / 2) };
        // Not cached when the contact point changed or went away while the request ran.
        if (this.inFlight.get(id)?.promise === promise) this.tokens.set(id, entry);
        return entry;
      })
      .finally(() => {
        if (this.inFlight.get(id)?.promise === promise) this.inFlight.delete(id);
      });
    this.inFlight.set(id, { key, promise });
    return promise;
  }

  private async fetchToken(auth: AuthSettings, dispatcher: Dispatcher, timeoutMs: number) {
    const form = new URLSearchParams({ grant_type: 'client_credentials', ...(auth.endpointParams ?? {}) });
    if (auth.scopes && auth.scopes.length > 0) form.set('scope', auth.scopes.join(' '));
    // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined for Basic auth.
    const basic = Buffer.from(`${encodeURIComponent(auth.clientId ?? '')}:${encodeURIComponent(auth.clientSecret ?? '')}`).toString('base64');
    const response = await this.transport.send(dispatcher, {
      url: auth.tokenUrl ?? '',
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${basic}` },
      body: form.toString(),
      timeoutMs,
    });
    if (response.status === undefined) throw new OAuthError(response.error ?? 'no answer', response.permanentError);
    if (response.status < 200 || response.status >= 300) throw new OAuthError(`HTTP ${response.status}${describeErrorBody(response.body)}`);
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

/**
 * A token endpoint's refusal in words: RFC 6749 §5.2's `error` and `error_description` when
 * the body has them ("invalid_client: Client authentication failed"), else the body's start.
 */
function describeErrorBody(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; error_description?: unknown } | null;
    if (typeof parsed?.error === 'string') {
      const description = typeof parsed.error_description === 'string' ? `: ${parsed.error_description.slice(0, 200)}` : '';
      return ` ${parsed.error.slice(0, 100)}${description}`;
    }
  } catch {
    // Not JSON: show the text itself.
  }
  const text = body.trim().slice(0, 200);
  return text ? `: ${text}` : '';
}
