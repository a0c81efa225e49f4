import type { ApiErrorBody } from './forms/field-errors.js';

/** An answer of the API other than 2xx, with its `{"detail"}` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.detail);
    this.name = 'ApiError';
  }
}

/** Fired when the API answers 401: the session ended, the app shows the sign-in page. */
export const SIGNED_OUT_EVENT = 'alertwire:signed-out';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Calls the admin API with the session cookie. Changes carry the CSRF header the server
 * requires of cookie-authenticated requests (a cross-site form cannot send it).
 */
export async function api<T>(path: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (UNSAFE.has(method)) headers['x-alertwire-csrf'] = '1';
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/v1/session') window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
    const body = json && typeof json === 'object' && 'detail' in json ? (json as ApiErrorBody) : { detail: `${res.status} ${res.statusText}` };
    throw new ApiError(res.status, body);
  }
  return json as T;
}

/** The message of anything thrown by `api`. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
