import type { FastifyInstance } from 'fastify';
import { loadReportView, type ReportView } from '../analysis/report-view.js';
import type { Store } from '../store/database.js';
import { HttpError } from '../intake/errors.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The JSON form of a report: the same content as the page, times as RFC 3339. */
export function reportJson(view: ReportView, reportUrl: string) {
  return {
    fingerprint: view.fingerprint,
    alert_name: view.alertName,
    namespace: view.namespace,
    state: view.state,
    error: view.error,
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
    occurrences: view.occurrences.map((o) => ({ ...o, startsAt: iso(o.startsAt), endsAt: iso(o.endsAt) })),
    earlier: view.earlier.map((e) => ({ ...e, startsAt: iso(e.startsAt) })),
  };
}

export async function reportApiRoutes(app: FastifyInstance, deps: { store: Store; reportUrl: (fp: string) => string }): Promise<void> {
  app.get<{ Params: { fingerprint: string } }>('/api/v1/reports/:fingerprint', async (request) => {
    const view = await loadReportView(deps.store, request.params.fingerprint);
    if (!view) throw new HttpError(404, `no alert with fingerprint "${request.params.fingerprint}"`);
    return reportJson(view, deps.reportUrl(view.fingerprint));
  });
}
