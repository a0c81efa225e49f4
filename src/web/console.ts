import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Where `vite build` writes the console: `dist/console` at the repository root. The same
 * expression holds from src/web (tsx) and dist/web (compiled). ALERTWIRE_CONSOLE_DIR overrides.
 */
export function defaultConsoleDir(): string {
  return process.env.ALERTWIRE_CONSOLE_DIR || resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'console');
}

/** Client-side routes of the console: a reload on any of them answers index.html. */
export const CONSOLE_ROUTES = ['/', '/sign-in', '/alerts', '/alerts/*', '/receivers', '/receivers/*', '/contact-points', '/contact-points/*', '/deliveries', '/deliveries/*', '/settings'];

/**
 * Scripts and styles only from this origin, no inline script, API calls only to this origin,
 * never framed. React sets styles through the CSSOM, which style-src does not restrict.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>alertwire</title></head>
<body><main><h1>alertwire is running</h1>
<p>The web console has not been built in this copy. Build it with <code>npm run build:console</code>
(or <code>npm ci</code>, which builds it), then reload this page.</p>
<p>The API answers meanwhile: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>, <a href="/health">/health</a>.</p>
</main></body></html>`;

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('Content-Security-Policy', CONSOLE_CSP)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'same-origin')
    .header('X-Frame-Options', 'DENY');
}

/** A weak validator from size and mtime: cheap, and changes with every build. */
function etagOf(size: number, mtimeMs: number): string {
  return `W/"${createHash('sha1').update(`${size}:${mtimeMs}`).digest('base64url').slice(0, 16)}"`;
}

/** Sends a file with its validator; 304 when the browser's copy is current. */
function sendFile(request: FastifyRequest, reply: FastifyReply, file: string, cacheControl: string): FastifyReply {
  const stat = statSync(file);
  const etag = etagOf(stat.size, stat.mtimeMs);
  void securityHeaders(reply).header('Cache-Control', cacheControl).header('ETag', etag);
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.type(TYPES[extname(file)] ?? 'application/octet-stream').header('Content-Length', stat.size).send(createReadStream(file));
}

/**
 * Serves the built console at `/`: hashed assets cached for a year (their names change with
 * their content), index.html revalidated on every load so a new build is picked up at once.
 * Without a build, `/` explains how to make one rather than failing.
 */
export async function consoleRoutes(app: FastifyInstance, options: { dir?: string } = {}): Promise<void> {
  const dir = resolve(options.dir ?? defaultConsoleDir());
  const index = join(dir, 'index.html');

  const serveIndex = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!existsSync(index)) return securityHeaders(reply).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').code(200).send(NOT_BUILT);
    return sendFile(request, reply, index, 'no-cache');
  };
  for (const route of CONSOLE_ROUTES) app.get(route, { schema: { hide: true } }, serveIndex);

  app.get<{ Params: { file: string } }>('/assets/:file', { schema: { hide: true } }, async (request, reply) => {
    const name = request.params.file;
    const file = join(dir, 'assets', name);
    if (!/^[\w.-]+$/.test(name) || !existsSync(file)) return reply.code(404).send({ detail: `no console asset "${name.slice(0, 80)}"` });
    return sendFile(request, reply, file, 'public, max-age=31536000, immutable');
  });

  app.get('/favicon.svg', { schema: { hide: true } }, async (request, reply) => {
    const file = join(dir, 'favicon.svg');
    if (!existsSync(file)) return reply.code(404).send({ detail: 'no favicon' });
    return sendFile(request, reply, file, 'public, max-age=86400');
  });
}
