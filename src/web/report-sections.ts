import { chartGeometry, formatValue, seriesLabel, type ChartGeometry } from '../analysis/chart.js';
import type { AnalysisView } from '../analysis/report-view.js';
import type { RelatedAlert } from '../analysis/relations.js';
import { escapeHtml, isoTime, rows } from './html.js';

/**
 * The analysis parts of a report page, one function per section. Every value goes through
 * escapeHtml, LLM text included: it is data from outside, like the alert's labels.
 */
export function llmSection(a: AnalysisView, compact: boolean): string {
  const llm = a.llm;
  if (!llm || llm.state === 'disabled') return compact ? '' : summaryFromKnowledge(a);
  if (llm.state !== 'ok') return compact ? '' : `${summaryFromKnowledge(a)}<section class="notice"><p>No LLM analysis: ${escapeHtml(llm.reason)}</p></section>`;
  const r = llm.result;
  const causes = r.root_causes?.length
    ? `<h3>Likely root causes</h3><ul>${r.root_causes
        .map(
          (c) =>
            `<li><span class="badge ${c.certainty === 'certain' ? 'certain' : 'possible'}">${escapeHtml(c.certainty)}</span> ${escapeHtml(c.cause)}${c.evidence.length ? `<ul class="evidence">${c.evidence.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>` : ''}</li>`,
        )
        .join('')}</ul>`
    : '';
  const steps = r.next_steps?.length ? `<h3>Next steps</h3><ol>${r.next_steps.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ol>` : '';
  const kind = r.problem_type ? `<p><strong>Application or infrastructure?</strong> ${escapeHtml(r.problem_type)}${r.problem_type_reason ? ` — ${escapeHtml(r.problem_type_reason)}` : ''}</p>` : '';
  const summary = r.summary ? `<p>${escapeHtml(r.summary)}</p>` : '';
  return `<section class="llm"><h2>Summary <span class="muted small">LLM (${escapeHtml(llm.model)})</span></h2>${summary}${causes}${steps}${kind}</section>`;
}

function summaryFromKnowledge(a: AnalysisView): string {
  if (!a.knowledge) return '';
  return `<section><h2>Summary</h2><p>${escapeHtml(a.knowledge.summary)}</p></section>`;
}

export function findingsSection(a: AnalysisView): string {
  if (a.findings.length === 0) return '';
  const items = a.findings.map((f) => `<li class="finding ${escapeHtml(f.kind)}"><span class="kind">${escapeHtml(f.kind)}</span> ${escapeHtml(f.text)}</li>`);
  const changes = a.changes && a.changes.length
    ? `<h3>Changed since the last firing</h3><div class="scroll"><table><tr><th>What</th><th>Before</th><th>Now</th></tr>${a.changes
        .map((c) => `<tr><td>${escapeHtml(c.field === 'value' ? 'value' : `${c.field} ${c.key}`)}</td><td>${escapeHtml(c.before ?? '—')}</td><td>${escapeHtml(c.after ?? '—')}</td></tr>`)
        .join('')}</table></div>`
    : '';
  return `<section><h2>Findings</h2><ul class="findings">${items.join('')}</ul>${changes}</section>`;
}

const PALETTE = ['#1f4fbf', '#c2410c', '#15803d', '#7e22ce', '#0e7490'];

export function chartSection(a: AnalysisView): string {
  const p = a.prometheus;
  if (!p) return '';
  if (p.state === 'failed') return `<section><h2>Metric</h2><p class="muted">No chart: ${escapeHtml(p.error)}</p><p><code>${escapeHtml(p.expr)}</code></p></section>`;
  const geometry = chartGeometry({ series: p.series, start: p.start, end: p.end, threshold: p.threshold, markAt: p.crossedAt ?? a.startsAt });
  const current = p.current === null ? 'no data' : formatValue(p.current);
  const threshold = p.threshold === null ? '' : ` · threshold <code>${escapeHtml(`${p.comparison} ${p.threshold}`)}</code>`;
  const note = p.unmatched ? '<p class="muted">No series carries the alert\'s labels; the first series are shown.</p>' : '';
  const legend = p.series.map((s, i) => `<li><span class="swatch" data-i="${i}">■</span> <code>${escapeHtml(seriesLabel(s.labels))}</code></li>`).join('');
  return `<section><h2>Metric</h2><p>Current value <strong>${escapeHtml(current)}</strong>${threshold}${p.crossedAt ? ` · crossed at ${escapeHtml(isoTime(p.crossedAt))}` : ''}</p>
${geometry ? svg(geometry) : '<p class="muted">The query returned no data for this window.</p>'}${note}
<ul class="legend">${legend}</ul><p class="muted small">Query <code>${escapeHtml(p.query)}</code> on ${escapeHtml(p.baseUrl)}, ${escapeHtml(isoTime(p.start))} – ${escapeHtml(isoTime(p.end))}, step ${p.stepSeconds}s</p></section>`;
}

/** Inline SVG with presentation attributes only: the CSP allows no inline style attributes. */
function svg(g: ChartGeometry): string {
  const { plot } = g;
  const lines = g.lines.map((l, i) => `<path d="${escapeHtml(l.d)}" fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="1.6"><title>${escapeHtml(l.label)}</title></path>`).join('');
  const yTicks = g.yTicks.map((t) => `<text x="${plot.left - 6}" y="${t.y + 4}" text-anchor="end" font-size="11" fill="#566074">${escapeHtml(t.label)}</text><line x1="${plot.left}" x2="${plot.right}" y1="${t.y}" y2="${t.y}" stroke="#eef0f3"/>`).join('');
  const xTicks = g.xTicks.map((t, i) => `<text x="${t.x}" y="${g.height - 6}" text-anchor="${i === 0 ? 'start' : i === g.xTicks.length - 1 ? 'end' : 'middle'}" font-size="11" fill="#566074">${escapeHtml(t.label)}</text>`).join('');
  const threshold = g.threshold ? `<line x1="${plot.left}" x2="${plot.right}" y1="${g.threshold.y}" y2="${g.threshold.y}" stroke="#a4161a" stroke-dasharray="5 4"/><text x="${plot.right}" y="${g.threshold.y - 4}" text-anchor="end" font-size="11" fill="#a4161a">${escapeHtml(g.threshold.label)}</text>` : '';
  const marker = g.marker ? `<line x1="${g.marker.x}" x2="${g.marker.x}" y1="${plot.top}" y2="${plot.bottom}" stroke="#8a5a00" stroke-dasharray="3 3"/><text x="${g.marker.x + 4}" y="${plot.top + 12}" font-size="11" fill="#8a5a00">${escapeHtml(g.marker.label)}</text>` : '';
  return `<svg class="chart" viewBox="0 0 ${g.width} ${g.height}" role="img" aria-label="metric chart">${yTicks}${xTicks}${threshold}${marker}${lines}</svg>`;
}

export function knowledgeSection(a: AnalysisView): string {
  const k = a.knowledge;
  if (!k) return '';
  const list = (title: string, items: string[]) => (items.length ? `<h3>${escapeHtml(title)}</h3><ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>` : '');
  const commands = k.commands.length
    ? `<h3>Commands</h3>${k.commands.map((c) => `<p class="small">${escapeHtml(c.title)}${c.complete ? '' : ' <span class="muted">(fill in the &lt;placeholders&gt;)</span>'}</p><pre><code>${escapeHtml(c.run)}</code></pre>`).join('')}`
    : '';
  const queries = k.queries.length ? `<h3>PromQL</h3>${k.queries.map((q) => `<p class="small">${escapeHtml(q.title)}</p><pre><code>${escapeHtml(q.promql)}</code></pre>`).join('')}` : '';
  return `<section><h2>Likely causes and what to check <span class="muted small">knowledge base · ${escapeHtml(k.source)} · ${escapeHtml(k.layer)}</span></h2>${list('Likely causes', k.causes)}${list('Check first', k.checks)}${commands}${queries}</section>`;
}

function relatedList(items: readonly RelatedAlert[]): string {
  return `<ul>${items
    .map((r) => `<li><a href="${escapeHtml(encodeURIComponent(r.fingerprint))}">${escapeHtml(r.alertname)}</a> — shares ${escapeHtml(r.shared.join(', ') || 'no target label')}, firing since ${escapeHtml(isoTime(r.startsAt))}</li>`)
    .join('')}</ul>`;
}

export function relatedSection(a: AnalysisView): string {
  const correlated = a.correlated.length ? relatedList(a.correlated) : '<p class="muted">No other alert fires on the same target.</p>';
  const w = a.widespread;
  const widespread = w && w.others.length
    ? `<h3>The same alert on other targets (${w.targets} in all)</h3>${relatedList(w.others)}`
    : '';
  return `<section><h2>Firing now on the same target</h2>${correlated}${widespread}</section>`;
}

export function analysisSections(a: AnalysisView): string {
  return `${groupSection(a)}${kubernetesSection(a)}`;
}

function groupSection(a: AnalysisView): string {
  const g = a.group;
  if (!g || g.alertCount <= 1) return '';
  const names = g.alertnames.map((n) => `${n.alertname} ×${n.count}`).join(', ');
  return `<section><h2>The group</h2>${rows({ 'Alerts analysed together': String(g.alertCount), Alertnames: names, 'Group key': g.groupKey || '—' }, false)}</section>`;
}

function kubernetesSection(a: AnalysisView): string {
  const k = a.kubernetes;
  if (!k) return '';
  if (k.state === 'failed') return `<section><h2>Kubernetes</h2><p class="muted">Not available: ${escapeHtml(k.error)}</p></section>`;
  const containers = k.containers
    .map((c) => `<tr><td>${escapeHtml(c.name)}</td><td>${c.ready ? 'yes' : 'no'}</td><td>${c.restarts}</td><td>${escapeHtml(c.state)}</td><td>${escapeHtml(c.lastTermination ?? '—')}</td></tr>`)
    .join('');
  const events = k.events.length
    ? `<h3>Events</h3><div class="scroll"><table><tr><th>Last</th><th>Type</th><th>Reason</th><th>Message</th></tr>${k.events.map((e) => `<tr><td>${escapeHtml(e.last ?? '—')}</td><td>${escapeHtml(e.type)}</td><td>${escapeHtml(e.reason)} ×${e.count}</td><td>${escapeHtml(e.message)}</td></tr>`).join('')}</table></div>`
    : '<p class="muted">No recent events.</p>';
  const logs = k.logs ? `<h3>Last ${k.logs.lines.length} log lines of ${escapeHtml(k.logs.container)}${k.logs.previous ? ' (previous run)' : ''}</h3><pre class="logs"><code>${escapeHtml(k.logs.lines.join('\n'))}</code></pre>` : '';
  const deployment = k.deployment ? `<p>Deployment ${escapeHtml(k.deployment.name)}: ${k.deployment.ready}/${k.deployment.desired} ready, ${k.deployment.updated} updated</p>` : '';
  const notes = k.notes.length ? `<p class="muted">${escapeHtml(k.notes.join('; '))}</p>` : '';
  return `<section><h2>Kubernetes</h2><p>Pod <code>${escapeHtml(`${k.namespace}/${k.pod}`)}</code> · ${escapeHtml(k.phase)}${k.node ? ` on ${escapeHtml(k.node)}` : ''}</p>${deployment}
<div class="scroll"><table><tr><th>Container</th><th>Ready</th><th>Restarts</th><th>State</th><th>Last termination</th></tr>${containers}</table></div>${events}${logs}${notes}</section>`;
}

export function sourcesSection(a: AnalysisView): string {
  if (a.sources.length === 0) return '';
  const items = a.sources.map((s) => `<tr><td>${escapeHtml(s.name)}</td><td><span class="badge src-${escapeHtml(s.state)}">${escapeHtml(s.state)}</span></td><td>${escapeHtml(s.detail ?? '')}</td></tr>`);
  return `<section><h2>Sources</h2><p class="muted small">Analysed ${escapeHtml(isoTime(a.generatedAt))}</p><div class="scroll"><table>${items.join('')}</table></div></section>`;
}
