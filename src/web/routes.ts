import { randomBytes } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { loadReportView, reportListItem } from '../analysis/report-view.js';
import { ReportListQuerySchema, storeQuery } from '../api/reports.js';
import type { Store } from '../store/database.js';
import { listReportRows } from '../store/reports.js';
import { contentSecurityPolicy } from './html.js';
import { renderIntakePendingPage, renderNotFoundPage, renderReportPage } from './report-page.js';
import { reportOnceApplied } from '../analysis/report-view.js';
import { renderReportList } from './reports-list.js';

/** Headers of every page: a fresh nonce for its style block, nothing else allowed to load. */
function htmlReply(reply: FastifyReply): string {
  const nonce = randomBytes(16).toString('base64');
  void reply
    .header('Content-Security-Policy', contentSecurityPolicy(nonce))
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer')
    .header('Cache-Control', 'no-store')
    .type('text/html; charset=utf-8');
  return nonce;
}

/** GET /report/:fingerprint — the page a report URL points to; GET /reports — the list. */
export async function reportPageRoutes(app: FastifyInstance, deps: { store: Store }): Promise<void> {
  app.get<{ Params: { fingerprint: string } }>('/report/:fingerprint', async (request, reply) => {
    const nonce = htmlReply(reply);
    const fp = request.params.fingerprint;
    const view = (await loadReportView(deps.store, fp)) ?? (await reportOnceApplied(deps.store, fp));
    if (view === 'pending') return reply.code(202).send(renderIntakePendingPage(fp, nonce));
    if (!view) return reply.code(404).send(renderNotFoundPage(fp, nonce));
    return reply.send(renderReportPage(view, nonce));
  });

  app.withTypeProvider<TypeBoxTypeProvider>().get('/reports', { schema: { querystring: ReportListQuerySchema, hide: true } }, async (request, reply) => {
    const nonce = htmlReply(reply);
    const rows = await listReportRows(deps.store, storeQuery(request.query));
    const items = rows.map(reportListItem);
    return reply.send(renderReportList(items, { ...request.query }, nonce));
  });
}
