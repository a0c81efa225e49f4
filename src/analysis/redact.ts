import { RE2JS } from 're2js';

/**
 * Removes what must not leave the process in an LLM prompt or be kept from pod logs: secrets,
 * e-mail addresses and IP addresses by default, plus the user's own patterns. RE2 (linear time)
 * because the patterns come from configuration and the text from alerts and logs.
 */
interface Rule {
  pattern: RE2JS;
  replacement: string;
}

const DEFAULT_RULES: readonly (readonly [string, string])[] = [
  ['-----BEGIN [A-Z ]*PRIVATE KEY-----(?s:.*?)-----END [A-Z ]*PRIVATE KEY-----', '[redacted private key]'],
  ['(?i)\\b(bearer|basic)\\s+[A-Za-z0-9._~+/=-]{8,}', '$1 [redacted]'],
  ['\\beyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]+', '[redacted jwt]'],
  ['\\b(?:AKIA|ASIA)[A-Z0-9]{16}\\b', '[redacted aws key]'],
  ['\\b(?:sk|pk|rk|ghp|gho|ghs|xox[abpr])[-_][A-Za-z0-9_-]{16,}', '[redacted token]'],
  ['(?i)([a-z][a-z0-9+.-]*://)[^/\\s:@]+:[^/\\s@]+@', '$1[redacted]@'],
  [
    '(?i)\\b((?:[a-z0-9_-]*_)?(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|auth)s?)(["\']?\\s*[:=]\\s*)("[^"]*"|\'[^\']*\'|[^\\s,;&"\']+)',
    '$1$2[redacted]',
  ],
  ['[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}', '[email]'],
  ['\\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\b', '[ip]'],
  ['(?i)\\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\\b', '[ip]'],
  ['(?i)\\b(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4}\\b', '[ip]'],
];

export class Redactor {
  private readonly rules: Rule[];

  /** Throws on a pattern RE2 cannot compile, naming it, so a typo fails at start. */
  constructor(options: { defaults: boolean; patterns: readonly string[] }) {
    const custom = options.patterns.map((p) => [p, '[redacted]'] as const);
    const all = [...(options.defaults ? DEFAULT_RULES : []), ...custom];
    this.rules = all.map(([source, replacement]) => ({ pattern: compile(source), replacement }));
  }

  redact(text: string): string {
    let out = text;
    for (const rule of this.rules) out = rule.pattern.matcher(out).replaceAll(rule.replacement);
    return out;
  }
}

function compile(source: string): RE2JS {
  try {
    return RE2JS.compile(source);
  } catch (error) {
    throw new Error(`redaction pattern ${JSON.stringify(source)} is not valid RE2: ${error instanceof Error ? error.message : String(error)}`);
  }
}
