import { escapeHtml, isoTime, page } from './html.js';

/** One row of the report list, as the page needs it. */
export interface ReportListItem {
  fingerprint: string;
  alertName: string;
  namespace: string;
  instance: string | null;
  severity: string | null;
  summary: string | null;
  status: string;
  state: string;
  startsAt: number;
  analysedAt: number;
}

export interface ReportListFilters {
  state?: string;
  status?: string;
  alertname?: string;
  namespace?: string;
  instance?: string;
  limit: number;
  offset: number;
}

function select(name: string, value: string | undefined, options: readonly string[]): string {
  const opts = ['', ...options].map((o) => `<option value="${escapeHtml(o)}"${o === (value ?? '') ? ' selected' : ''}>${escapeHtml(o || 'any')}</option>`);
  return `<label>${escapeHtml(name)}<select name="${escapeHtml(name)}">${opts.join('')}</select></label>`;
}

function input(name: string, value: string | undefined): string {
  return `<label>${escapeHtml(name)}<input name="${escapeHtml(name)}" value="${escapeHtml(value ?? '')}"></label>`;
}

function filterForm(f: ReportListFilters): string {
  return `<form class="filters" method="get" action="/reports">${select('state', f.state, ['complete', 'partial', 'failed'])}${select('status', f.status, ['firing', 'resolved'])}${input('alertname', f.alertname)}${input('namespace', f.namespace)}${input('instance', f.instance)}<button type="submit">Filter</button></form>`;
}

function itemRow(r: ReportListItem): string {
  const href = `/report/${encodeURIComponent(r.fingerprint)}`;
  return `<tr><td><a href="${escapeHtml(href)}">${escapeHtml(r.alertName)}</a>${r.summary ? `<br><span class="muted small">${escapeHtml(r.summary)}</span>` : ''}</td>
<td><span class="badge ${escapeHtml(r.status)}">${escapeHtml(r.status)}</span> <span class="badge ${escapeHtml(r.state)}">${escapeHtml(r.state)}</span></td>
<td>${escapeHtml(r.namespace)}${r.instance ? `<br><span class="muted small">${escapeHtml(r.instance)}</span>` : ''}</td><td>${escapeHtml(r.severity ?? '')}</td><td>${escapeHtml(isoTime(r.startsAt))}</td></tr>`;
}

/** Links to the next and previous pages carry the filters along. */
function pager(f: ReportListFilters, count: number): string {
  const link = (offset: number, label: string) => {
    const params = new URLSearchParams();
    for (const key of ['state', 'status', 'alertname', 'namespace', 'instance'] as const) if (f[key]) params.set(key, f[key] as string);
    params.set('limit', String(f.limit));
    params.set('offset', String(offset));
    return `<a href="/reports?${escapeHtml(params.toString())}">${label}</a>`;
  };
  const prev = f.offset > 0 ? link(Math.max(0, f.offset - f.limit), '← newer') : '';
  const next = count === f.limit ? link(f.offset + f.limit, 'older →') : '';
  return prev || next ? `<p>${prev} ${next}</p>` : '';
}

export function renderReportList(items: readonly ReportListItem[], filters: ReportListFilters, nonce: string): string {
  const table = items.length
    ? `<div class="scroll"><table><tr><th>Alert</th><th>State</th><th>Where</th><th>Severity</th><th>Started</th></tr>${items.map(itemRow).join('')}</table></div>`
    : '<p class="muted">No report matches.</p>';
  return page({ title: 'Reports — alertwire', nonce, body: `<h1>Reports</h1><section>${filterForm(filters)}</section><section>${table}${pager(filters, items.length)}</section>` });
}
