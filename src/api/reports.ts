import { Type, type Static } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { reportMarkdown } from '../analysis/report-markdown.js';
import { loadReportView, reportListItem, reportOnceApplied, type AnalysisView, type ReportView } from '../analysis/report-view.js';
import type { Store } from '../store/database.js';
import { listReportRows, type ReportListRow } from '../store/reports.js';
import { HttpError } from '../intake/errors.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function analysisJson(a: AnalysisView | null) {
  if (!a) return null;
  return { ...a, startsAt: iso(a.startsAt), generatedAt: iso(a.generatedAt) };
}

/** The JSON form of a report: the same content as the page, times as RFC 3339. */
export function reportJson(view: ReportView, reportUrl: string) {
  return {
    fingerprint: view.fingerprint,
    alert_name: view.alertName,
    namespace: view.namespace,
    state: view.state,
    error: view.error,
    note: view.note,
    report_url: reportUrl,
    alert: {
      ...view.alert,
      startsAt: iso(view.alert.startsAt),
      endsAt: iso(view.alert.endsAt),
      firstSeen: iso(view.alert.firstSeen),
      lastSeen: iso(view.alert.lastSeen),
    },
    links: view.links,
    facts: view.facts,
    generatedAt: iso(view.generatedAt),
    analysis: analysisJson(view.analysis),
    occurrences: view.occurrences.map((o) => ({ ...o, startsAt: iso(o.startsAt), endsAt: iso(o.endsAt) })),
    earlier: view.earlier.map((e) => ({ ...e, startsAt: iso(e.startsAt), analysis: analysisJson(e.analysis) })),
  };
}

export const ReportListQuerySchema = Type.Object(
  {
    state: Type.Optional(Type.Union(['', 'complete', 'partial', 'failed'].map((s) => Type.Literal(s)))),
    status: Type.Optional(Type.Union([Type.Literal(''), Type.Literal('firing'), Type.Literal('resolved')])),
    alertname: Type.Optional(Type.String({ maxLength: 200 })),
    namespace: Type.Optional(Type.String({ maxLength: 200 })),
    instance: Type.Optional(Type.String({ maxLength: 300 })),
    since: Type.Optional(Type.Union([Type.Literal(''), Type.String({ format: 'date-time' })], { description: 'Only reports analysed at or after this time' })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 100000, default: 0 }),
  },
  { additionalProperties: false },
);
export type ReportListQuery = Static<typeof ReportListQuerySchema>;

/** The filters as the store takes them; empty strings (an untouched form field) mean no filter. */
export function storeQuery(q: ReportListQuery) {
  const since = q.since ? Date.parse(q.since) : undefined;
  return {
    state: q.state || undefined,
    status: q.status || undefined,
    alertname: q.alertname || undefined,
    namespace: q.namespace || undefined,
    instance: q.instance || undefined,
    since: since !== undefined && !Number.isNaN(since) ? since : undefined,
    limit: q.limit,
    offset: q.offset,
  };
}

export function listItemJson(row: ReportListRow, reportUrl: string) {
  const { alertName, startsAt, analysedAt, ...item } = reportListItem(row);
  return { ...item, alert_name: alertName, startsAt: iso(startsAt), analysedAt: iso(analysedAt), report_url: reportUrl };
}

/**
 * GET /api/v1/reports/:fingerprint (JSON, or `?format=md` Markdown) and GET /api/v1/reports,
 * newest first with filters. Public like the report pages they mirror.
 */
export async function reportApiRoutes(app: FastifyInstance, deps: { store: Store; reportUrl: (fp: string) => string }): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.get(
    '/api/v1/reports/:fingerprint',
    { schema: { params: Type.Object({ fingerprint: Type.String() }), querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('md')])) }) } },
    async (request, reply) => {
      const fp = request.params.fingerprint;
      const view = (await loadReportView(deps.store, fp)) ?? (await reportOnceApplied(deps.store, fp));
      if (view === 'pending') {
        return reply.code(202).send({ fingerprint: fp, state: 'processing', report_url: deps.reportUrl(fp), detail: 'not stored yet: acknowledged notifications are still being stored' });
      }
      if (!view) throw new HttpError(404, `no alert with fingerprint "${fp}"`);
      const url = deps.reportUrl(view.fingerprint);
      if (request.query.format === 'md') return reply.type('text/markdown; charset=utf-8').send(reportMarkdown(view, url));
      return reportJson(view, url);
    },
  );
  typed.get('/api/v1/reports', { schema: { querystring: ReportListQuerySchema } }, async (request) => {
    const rows = await listReportRows(deps.store, storeQuery(request.query));
    return { reports: rows.map((r) => listItemJson(r, deps.reportUrl(r.fingerprint))), limit: request.query.limit, offset: request.query.offset };
  });
}
