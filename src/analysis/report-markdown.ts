import { formatValue } from './chart.js';
import type { AnalysisView, ReportView } from './report-view.js';

/**
 * A report as Markdown, for pasting into a ticket or a chat. Values from alerts and from the
 * LLM are inline code or escaped text, so a label cannot turn into a link or a heading.
 */
export function reportMarkdown(view: ReportView, reportUrl: string): string {
  const a = view.alert;
  const out: string[] = [
    `## ${text(view.alertName)} — ${a.status} (report ${view.state})`,
    '',
    a.annotations.summary ? `${text(a.annotations.summary)}\n` : '',
    `- **Started:** ${iso(a.startsAt)}${a.endsAt ? ` · **Ended:** ${iso(a.endsAt)}` : ''}`,
    ...(view.analysis?.target ?? []).map((t) => `- **${text(t.key)}:** ${code(t.value)}`),
    ...(view.analysis?.value ? [`- **Value:** ${code(view.analysis.value)}`] : []),
    `- **Report:** ${reportUrl}`,
    ...linkLines(view),
  ];
  if (view.state === 'processing') out.push('', '_Analysis in progress._');
  if (view.state === 'failed') out.push('', `**Analysis failed:** ${text(view.error ?? 'unknown error')}`);
  if (view.note) out.push('', `_${text(view.note)}_`);
  if (view.analysis) out.push(...analysisMarkdown(view.analysis));
  return `${out.filter((line, i, all) => !(line === '' && all[i - 1] === '')).join('\n').trim()}\n`;
}

function analysisMarkdown(a: AnalysisView): string[] {
  const out: string[] = [];
  const failed = a.sources.filter((s) => s.state === 'failed' || s.state === 'skipped');
  if (failed.length) out.push('', `**Partial:** ${failed.map((s) => `${s.name}: ${text(s.detail ?? s.state)}`).join('; ')}`);
  if (a.llm?.state === 'ok') {
    const r = a.llm.result;
    if (r.summary) out.push('', '### Summary', '', text(r.summary));
    if (r.root_causes?.length) out.push('', '### Likely root causes', '', ...r.root_causes.map((c) => `- **${c.certainty}:** ${text(c.cause)}${c.evidence.length ? ` (evidence: ${c.evidence.map(text).join('; ')})` : ''}`));
    if (r.next_steps?.length) out.push('', '### Next steps', '', ...r.next_steps.map((s, i) => `${i + 1}. ${text(s)}`));
    if (r.problem_type) out.push('', `**Application or infrastructure:** ${r.problem_type}${r.problem_type_reason ? ` — ${text(r.problem_type_reason)}` : ''}`);
  } else if (a.knowledge) {
    out.push('', '### Summary', '', text(a.knowledge.summary));
  }
  if (a.findings.length) out.push('', '### Findings', '', ...a.findings.map((f) => `- ${text(f.text)}`));
  if (a.prometheus?.state === 'ok') {
    const p = a.prometheus;
    out.push('', `**Metric:** ${code(p.query)} current ${p.current === null ? 'no data' : formatValue(p.current)}${p.threshold === null ? '' : `, threshold ${p.comparison} ${p.threshold}`}`);
  } else if (a.prometheus?.state === 'failed') {
    out.push('', `**Metric:** unavailable (${text(a.prometheus.error)})`);
  }
  if (a.knowledge) {
    if (a.knowledge.causes.length) out.push('', '### Likely causes', '', ...a.knowledge.causes.map((c) => `- ${text(c)}`));
    if (a.knowledge.commands.length) out.push('', '### Commands', '', fence(a.knowledge.commands.map((c) => `# ${c.title}\n${c.run}`).join('\n\n'), 'sh'));
  }
  if (a.correlated.length) out.push('', '### Firing on the same target', '', ...a.correlated.slice(0, 10).map((r) => `- ${code(r.alertname)} (shares ${r.shared.join(', ')}) since ${iso(r.startsAt)}`));
  return out;
}

function linkLines(view: ReportView): string[] {
  const l = view.links;
  return (
    [
      ['Runbook', l.runbook],
      ['Dashboard', l.dashboard],
      ['Silence', l.silence],
      ['Source', l.source],
    ] as const
  )
    .filter(([, href]) => href !== null)
    .map(([label, href]) => `- **${label}:** <${String(href).replace(/[<>]/g, encodeURIComponent)}>`);
}

/** Markdown-significant characters escaped, newlines folded: one value, one line. */
function text(value: string): string {
  return value.replace(/\s*\n\s*/g, ' ').replace(/([\\`*_{}[\]()#+!|<>~])/g, '\\$1');
}

/** Inline code that survives backticks in the value. */
function code(value: string): string {
  const v = value.replace(/\n/g, ' ');
  const longest = Math.max(0, ...(v.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  return longest ? `${fence} ${v} ${fence}` : `${fence}${v}${fence}`;
}

function fence(body: string, lang: string): string {
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((m) => m.length));
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${body}\n${f}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
