import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { loadReportView } from '../analysis/report-view.js';
import type { Store } from '../store/database.js';
import { contentSecurityPolicy } from './html.js';
import { renderNotFoundPage, renderReportPage } from './report-page.js';

/** GET /report/:fingerprint — the page a report URL points to. */
export async function reportPageRoutes(app: FastifyInstance, deps: { store: Store }): Promise<void> {
  app.get<{ Params: { fingerprint: string } }>('/report/:fingerprint', async (request, reply) => {
    const nonce = randomBytes(16).toString('base64');
    void reply
      .header('Content-Security-Policy', contentSecurityPolicy(nonce))
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'no-referrer')
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8');
    const view = await loadReportView(deps.store, request.params.fingerprint);
    if (!view) return reply.code(404).send(renderNotFoundPage(request.params.fingerprint, nonce));
    return reply.send(renderReportPage(view, nonce));
  });
}
