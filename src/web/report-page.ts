import type { HistoryFacts } from '../analysis/history.js';
import type { ReportView } from '../analysis/report-view.js';
import { escapeHtml, humanDuration, isoTime, page } from './html.js';

function rows(entries: Record<string, string>): string {
  const keys = Object.keys(entries).sort();
  if (keys.length === 0) return '<p class="muted">none</p>';
  return `<table>${keys.map((k) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(entries[k])}</td></tr>`).join('')}</table>`;
}

function links(view: ReportView): string {
  const items = (
    [
      ['Source (generator)', view.links.source],
      ['Runbook', view.links.runbook],
      ['Dashboard', view.links.dashboard],
      ['Panel', view.links.panel],
      ['Silence', view.links.silence],
    ] as const
  ).filter(([, href]) => href !== null);
  if (items.length === 0) return '';
  const list = items.map(([label, href]) => `<li><a href="${escapeHtml(href)}" rel="noopener noreferrer">${escapeHtml(label)}</a></li>`);
  return `<section><h2>Links</h2><ul>${list.join('')}</ul></section>`;
}

function factsSection(facts: HistoryFacts | null, view: ReportView): string {
  if (view.state === 'processing') return '<section><h2>Analysis</h2><p>Analysis in progress; this page refreshes itself.</p></section>';
  if (view.state === 'failed') return `<section><h2>Analysis</h2><p>Analysis failed: ${escapeHtml(view.error ?? 'unknown error')}</p></section>`;
  if (!facts) return '';
  const related = facts.related.length
    ? `<ul>${facts.related
        .map(
          (r) =>
            `<li><a href="${escapeHtml(encodeURIComponent(r.fingerprint))}">${escapeHtml(r.alertname)}</a> — shares ${escapeHtml(r.shared.join(', ') || 'nothing')}, firing since ${escapeHtml(isoTime(r.startsAt))}</li>`,
        )
        .join('')}</ul>`
    : '<p class="muted">No other alert fires on the same instance, namespace or job.</p>';
  const table: Record<string, string> = {
    'Firing for': humanDuration(facts.firingForMs),
    'First seen': isoTime(facts.firstSeen),
    Occurrences: String(facts.occurrences),
    'Notifications received': String(facts.notificationsReceived),
    'Mean time between firings': facts.meanTimeBetweenFiringsMs === null ? '—' : humanDuration(facts.meanTimeBetweenFiringsMs),
    'State changes in the last hour': String(facts.stateChangesInWindow),
    Flapping: facts.flapping ? 'yes — it keeps firing and resolving' : 'no',
  };
  return `<section><h2>History</h2>${rows(table)}</section><section><h2>Firing now on the same target</h2>${related}</section>`;
}

function timeline(view: ReportView): string {
  if (view.occurrences.length === 0) return '';
  const items = view.occurrences.map(
    (o) =>
      `<tr><td>${escapeHtml(isoTime(o.startsAt))}</td><td>${escapeHtml(isoTime(o.endsAt))}</td><td><span class="badge ${escapeHtml(o.status)}">${escapeHtml(o.status)}</span></td><td>${o.receivedCount}</td></tr>`,
  );
  return `<section><h2>Timeline</h2><table><tr><th>Started</th><th>Ended</th><th>Status</th><th>Notifications</th></tr>${items.join('')}</table></section>`;
}

export function renderReportPage(view: ReportView, nonce: string): string {
  const a = view.alert;
  const body = `
<p class="muted">alertwire report · <code>${escapeHtml(view.fingerprint)}</code></p>
<h1>${escapeHtml(view.alertName)} <span class="badge ${escapeHtml(a.status)}">${escapeHtml(a.status)}</span>
 <span class="badge ${escapeHtml(view.state)}">${escapeHtml(view.state)}</span></h1>
<p>${escapeHtml(a.annotations.summary ?? '')}</p>
<section><h2>Alert</h2>${rows({
    Namespace: view.namespace,
    'Started at': isoTime(a.startsAt),
    'Ended at': isoTime(a.endsAt),
    'Last notification': isoTime(a.lastSeen),
    'Received from': a.source,
  })}</section>
<section><h2>Labels</h2>${rows(a.labels)}</section>
<section><h2>Annotations</h2>${rows(a.annotations)}</section>
${links(view)}
${factsSection(view.facts, view)}
${timeline(view)}`;
  return page({ title: `${view.alertName} — alertwire report`, nonce, body, refreshSeconds: view.state === 'processing' ? 5 : undefined });
}

export function renderNotFoundPage(fingerprint: string, nonce: string): string {
  return page({
    title: 'Report not found — alertwire',
    nonce,
    body: `<h1>Report not found</h1><p>No alert with fingerprint <code>${escapeHtml(fingerprint)}</code> has been received.</p>`,
  });
}
