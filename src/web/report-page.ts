import type { HistoryFacts } from '../analysis/history.js';
import type { AnalysisView, ReportView } from '../analysis/report-view.js';
import { analysisSections, chartSection, findingsSection, knowledgeSection, llmSection, relatedSection, sourcesSection } from './report-sections.js';
import { escapeHtml, humanDuration, isoTime, page, rows } from './html.js';

function links(view: ReportView): string {
  const items = (
    [
      ['Runbook', view.links.runbook],
      ['Dashboard', view.links.dashboard],
      ['Panel', view.links.panel],
      ['Silence in Alertmanager', view.links.silence],
      ['Source (generator)', view.links.source],
    ] as const
  ).filter(([, href]) => href !== null);
  if (items.length === 0) return '';
  const list = items.map(([label, href]) => `<li><a href="${escapeHtml(href)}" rel="noopener noreferrer">${escapeHtml(label)}</a></li>`);
  return `<section><h2>Links</h2><ul class="links">${list.join('')}</ul></section>`;
}

function historySection(facts: HistoryFacts | null): string {
  if (!facts) return '';
  const table: Record<string, string> = {
    'Firing for': humanDuration(facts.firingForMs),
    'First seen': isoTime(facts.firstSeen),
    Occurrences: String(facts.occurrences),
    'Notifications received': String(facts.notificationsReceived),
    'Mean time between firings': facts.meanTimeBetweenFiringsMs === null ? '—' : humanDuration(facts.meanTimeBetweenFiringsMs),
    'State changes in the last hour': String(facts.stateChangesInWindow),
    Flapping: facts.flapping ? 'yes — it keeps firing and resolving' : 'no',
  };
  return `<section><h2>History</h2>${rows(table, false)}</section>`;
}

function stateSection(view: ReportView): string {
  if (view.state === 'processing') return '<section class="notice processing"><h2>Analysis</h2><p>Analysis in progress; this page refreshes itself.</p></section>';
  if (view.state === 'failed') return `<section class="notice failed"><h2>Analysis</h2><p>Analysis failed: ${escapeHtml(view.error ?? 'unknown error')}</p></section>`;
  if (view.note) return `<section class="notice"><p>${escapeHtml(view.note)}</p></section>`;
  if (view.state === 'partial' && view.analysis) {
    const failed = view.analysis.sources.filter((s) => s.state === 'failed' || s.state === 'skipped');
    const items = failed.map((s) => `<li><strong>${escapeHtml(s.name)}</strong>: ${escapeHtml(s.detail ?? s.state)}</li>`);
    return `<section class="notice partial"><h2>Partial report</h2><p>The built-in analysis stands; these sources did not contribute:</p><ul>${items.join('')}</ul></section>`;
  }
  return '';
}

function alertSection(view: ReportView): string {
  const a = view.alert;
  const where = view.analysis?.target ?? [];
  const table: Record<string, string> = {
    ...Object.fromEntries(where.map((t) => [t.key, t.value])),
    'Started at': isoTime(a.startsAt),
    'Ended at': isoTime(a.endsAt),
    ...(view.analysis?.value ? { 'Reported value': view.analysis.value } : {}),
    'Last notification': isoTime(a.lastSeen),
    'Received from': a.source,
  };
  if (where.length === 0) table.Namespace = view.namespace;
  return `<section><h2>What fired, where</h2>${rows(table, false)}</section>`;
}

function timeline(view: ReportView): string {
  if (view.occurrences.length === 0) return '';
  const items = view.occurrences.map(
    (o) =>
      `<tr><td>${escapeHtml(isoTime(o.startsAt))}</td><td>${escapeHtml(isoTime(o.endsAt))}</td><td><span class="badge ${escapeHtml(o.status)}">${escapeHtml(o.status)}</span></td><td>${o.receivedCount}</td></tr>`,
  );
  return `<section><h2>Timeline</h2><div class="scroll"><table><tr><th>Started</th><th>Ended</th><th>Status</th><th>Notifications</th></tr>${items.join('')}</table></div></section>`;
}

/** Each earlier episode, folded, with the analysis it had then. */
function earlierSection(view: ReportView): string {
  if (view.earlier.length === 0) return '';
  const items = view.earlier.map(
    (e) =>
      `<details><summary>${escapeHtml(isoTime(e.startsAt))} <span class="badge ${escapeHtml(e.state)}">${escapeHtml(e.state)}</span></summary>${earlierBody(e.analysis, e.facts)}</details>`,
  );
  return `<section><h2>Earlier occurrences</h2>${items.join('')}</section>`;
}

function earlierBody(analysis: AnalysisView, facts: HistoryFacts | null): string {
  if (analysis.error) return `<p>Analysis failed: ${escapeHtml(analysis.error)}</p>`;
  return `${llmSection(analysis, true)}${findingsSection(analysis)}${chartSection(analysis)}${historySection(facts)}`;
}

export function renderReportPage(view: ReportView, nonce: string): string {
  const a = view.alert;
  const analysis = view.analysis;
  const body = `
<p class="muted"><a href="/reports">alertwire reports</a> · <code>${escapeHtml(view.fingerprint)}</code></p>
<h1>${escapeHtml(view.alertName)} <span class="badge ${escapeHtml(a.status)}">${escapeHtml(a.status)}</span>
 <span class="badge ${escapeHtml(view.state)}">${escapeHtml(view.state)}</span></h1>
<p>${escapeHtml(a.annotations.summary ?? '')}</p>
${stateSection(view)}
${analysis ? llmSection(analysis, false) : ''}
${alertSection(view)}
${analysis ? findingsSection(analysis) : ''}
${analysis ? chartSection(analysis) : ''}
${analysis ? knowledgeSection(analysis) : ''}
${analysis ? relatedSection(analysis) : ''}
${analysis ? analysisSections(analysis) : ''}
${links(view)}
${historySection(view.facts)}
<section><h2>Labels</h2>${rows(a.labels)}</section>
<section><h2>Annotations</h2>${rows(a.annotations)}</section>
${timeline(view)}
${earlierSection(view)}
${analysis ? sourcesSection(analysis) : ''}`;
  return page({ title: `${view.alertName} — alertwire report`, nonce, body, refreshSeconds: view.state === 'processing' ? 5 : undefined });
}

/** An alert not stored yet while notifications wait to be applied: it may be one of them. */
export function renderIntakePendingPage(fingerprint: string, nonce: string): string {
  return page({
    title: 'Report processing — alertwire',
    nonce,
    refreshSeconds: 5,
    body: `<h1>Report processing</h1><p>No alert with fingerprint <code>${escapeHtml(fingerprint)}</code> is stored yet, but acknowledged notifications are still being stored. This page refreshes until it is there; if it never comes, the fingerprint is unknown.</p>`,
  });
}

export function renderNotFoundPage(fingerprint: string, nonce: string): string {
  return page({
    title: 'Report not found — alertwire',
    nonce,
    body: `<h1>Report not found</h1><p>No alert with fingerprint <code>${escapeHtml(fingerprint)}</code> has been received.</p>`,
  });
}
