/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A two-column table of key and value, sorted by key unless the caller's order matters. */
export function rows(entries: Record<string, string>, sort = true): string {
  const keys = sort ? Object.keys(entries).sort() : Object.keys(entries);
  if (keys.length === 0) return '<p class="muted">none</p>';
  return `<div class="scroll"><table>${keys.map((k) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(entries[k])}</td></tr>`).join('')}</table></div>`;
}

export function isoTime(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const parts: string[] = [];
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m && !d) parts.push(`${m}m`);
  return parts.join(' ');
}

/** A page with a per-response nonce for its one style block; nothing else may load. */
export function page(options: { title: string; nonce: string; body: string; refreshSeconds?: number }): string {
  const refresh = options.refreshSeconds ? `<meta http-equiv="refresh" content="${options.refreshSeconds}">` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">${refresh}
<title>${escapeHtml(options.title)}</title>
<style nonce="${options.nonce}">${STYLE}</style></head>
<body><main>${options.body}</main></body></html>`;
}

export function contentSecurityPolicy(nonce: string): string {
  return `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;
}

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:960px;margin:0 auto;padding:16px}
h1{font-size:1.4rem;margin:.2em 0}h2{font-size:1.1rem;margin:1.4em 0 .4em}
section{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:12px 16px;margin:12px 0}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:4px 8px;border-bottom:1px solid #eef0f3;vertical-align:top;word-break:break-word}
th{width:30%;color:#566074;font-weight:600}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;font-size:.85rem;font-weight:600}
.firing{background:#fde2e1;color:#a4161a}.resolved{background:#dcf5e3;color:#1b6b35}
.processing{background:#fff4d6;color:#8a5a00}.complete{background:#e3ecff;color:#1f4fbf}.failed,.partial{background:#fde2e1;color:#a4161a}
.muted{color:#6b7385}code{background:#f0f2f5;padding:1px 4px;border-radius:4px}
ul,ol{padding-left:1.2em}a{color:#1f4fbf}h3{font-size:1rem;margin:1em 0 .3em}
.small{font-size:.85rem}.scroll{overflow-x:auto}
pre{background:#f0f2f5;padding:8px;border-radius:6px;overflow-x:auto;white-space:pre;margin:.2em 0 .6em}pre code{background:none;padding:0}
pre.logs{max-height:420px;overflow:auto;font-size:.8rem}
.chart{width:100%;height:auto;background:#fff}.legend{list-style:none;padding:0;font-size:.85rem}
.swatch[data-i="0"]{color:#1f4fbf}.swatch[data-i="1"]{color:#c2410c}.swatch[data-i="2"]{color:#15803d}.swatch[data-i="3"]{color:#7e22ce}.swatch[data-i="4"]{color:#0e7490}
.notice{border-left:4px solid #8a5a00}.notice.failed,.notice.partial{border-left-color:#a4161a}
.certain{background:#fde2e1;color:#a4161a}.possible{background:#fff4d6;color:#8a5a00}
.findings .kind{display:inline-block;min-width:7.5em;font-size:.8rem;color:#566074;text-transform:uppercase}
.src-ok{background:#dcf5e3;color:#1b6b35}.src-failed,.src-skipped{background:#fde2e1;color:#a4161a}.src-disabled,.src-not-applicable{background:#eef0f3;color:#566074}
details{border-top:1px solid #eef0f3;padding:6px 0}summary{cursor:pointer}
form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end}form.filters label{display:flex;flex-direction:column;font-size:.85rem}
input,select,button{font:inherit;padding:4px 6px}
@media (max-width:600px){main{padding:8px}section{padding:10px}th{width:40%}.findings .kind{display:block}}
`;
