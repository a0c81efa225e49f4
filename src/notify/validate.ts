import { createSecureContext } from 'node:tls';
import { checkConditions } from '../model/matchers.js';
import { validateTemplate } from '../template/index.js';
import type { ContactPointSettings } from './contact-point.js';
import { standardSecretProblem } from './signing.js';

/** What is wrong with a contact point, naming the field (and for templates, line and column). */
export interface SettingsIssue {
  field: string;
  message: string;
  line?: number;
  column?: number;
}

export class SettingsError extends Error {
  constructor(readonly issue: SettingsIssue) {
    super(describeIssue(issue));
    this.name = 'SettingsError';
  }
}

export function describeIssue(issue: SettingsIssue): string {
  const where = issue.line ? ` (line ${issue.line}, column ${issue.column ?? 1})` : '';
  return `${issue.field}${where}: ${issue.message}`;
}

/**
 * Headers a contact point may not set, after Grafana's deny-list: the transport, the proxy
 * chain and the authentication own them. `webhook-*` belong to the signature.
 */
const RESTRICTED_HEADERS = new Set([
  'host',
  'authorization',
  'user-agent',
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'cookie',
  'date',
  'origin',
  'referer',
  'via',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
]);
const RESTRICTED_PREFIXES = ['proxy-', 'sec-', 'webhook-'];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

type Check = (s: ContactPointSettings) => SettingsIssue | null;

function templateIssue(field: string, text: string): SettingsIssue | null {
  const problem = validateTemplate(text, field);
  return problem ? { field, message: problem.message, line: problem.line, column: problem.column } : null;
}

const checkUrl: Check = (s) => {
  if (s.url.includes('{{')) return templateIssue('url', s.url);
  let url: URL;
  try {
    url = new URL(s.url);
  } catch {
    return { field: 'url', message: `"${s.url.slice(0, 200)}" is not a URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { field: 'url', message: 'must be an http:// or https:// URL' };
  return null;
};

const REQUIRED_AUTH: Record<string, readonly (keyof ContactPointSettings['auth'])[]> = {
  basic: ['username', 'password'],
  bearer: ['token'],
  header: ['credentials'],
  oauth2: ['tokenUrl', 'clientId', 'clientSecret'],
};

const checkAuth: Check = ({ auth }) => {
  for (const field of REQUIRED_AUTH[auth.type] ?? []) {
    if (!auth[field]) return { field: `auth.${field}`, message: `is required for ${auth.type} auth` };
  }
  if (auth.type === 'header' && auth.scheme !== undefined && !HEADER_NAME.test(auth.scheme)) {
    return { field: 'auth.scheme', message: 'must be one word, such as Bearer' };
  }
  if (auth.type === 'oauth2' && !/^https?:\/\//.test(auth.tokenUrl ?? '')) return { field: 'auth.tokenUrl', message: 'must be an http(s) URL' };
  return null;
};

function headerProblem(name: string): string | null {
  const lower = name.toLowerCase();
  if (!HEADER_NAME.test(name)) return 'is not a valid header name';
  if (RESTRICTED_HEADERS.has(lower) || RESTRICTED_PREFIXES.some((p) => lower.startsWith(p))) {
    return lower === 'authorization' ? 'is restricted; set it through auth (type "header" takes any scheme)' : 'is restricted and cannot be set';
  }
  return null;
}

const checkHeaders: Check = ({ headers }) => {
  for (const [name, value] of Object.entries(headers)) {
    const problem = headerProblem(name);
    if (problem) return { field: `headers[${JSON.stringify(name)}]`, message: problem };
    if (/[\r\n\0]/.test(value)) return { field: `headers[${JSON.stringify(name)}]`, message: 'must not contain line breaks' };
  }
  return null;
};

const checkTls: Check = ({ tls }) => {
  if (tls.cert && !tls.key) return { field: 'tls.key', message: 'is required with tls.cert' };
  if (tls.key && !tls.cert) return { field: 'tls.cert', message: 'is required with tls.key' };
  for (const field of ['ca', 'cert', 'key'] as const) {
    const pem = tls[field];
    if (pem && !pem.includes('-----BEGIN')) return { field: `tls.${field}`, message: 'must be PEM ("-----BEGIN …")' };
  }
  try {
    createSecureContext({ ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}) });
  } catch (error) {
    return { field: tls.cert ? 'tls.cert' : 'tls.ca', message: `unusable: ${(error as Error).message}` };
  }
  return null;
};

const checkSigning: Check = ({ signing }) => {
  if (signing.type === 'hmac') {
    if (!signing.secret) return { field: 'signing.secret', message: 'is required for hmac signing' };
    for (const field of ['header', 'timestampHeader'] as const) {
      const name = signing[field];
      if (name !== undefined && name !== '' && headerProblem(name)) return { field: `signing.${field}`, message: headerProblem(name) as string };
    }
  }
  if (signing.type === 'standard') {
    if (!signing.secrets || signing.secrets.length === 0) return { field: 'signing.secrets', message: 'needs at least one whsec_ secret' };
    for (const [i, secret] of signing.secrets.entries()) {
      const problem = standardSecretProblem(secret);
      if (problem) return { field: `signing.secrets[${i}]`, message: problem };
    }
  }
  return null;
};

const checkTemplates: Check = (s) => {
  if (s.payload.profile === 'custom') {
    if (!s.payload.template) return { field: 'payload.template', message: 'is required for the custom profile' };
    const issue = templateIssue('payload.template', s.payload.template);
    if (issue) return issue;
  }
  return templateIssue('title', s.title) ?? templateIssue('message', s.message);
};

const checkConditionList: Check = (s) => {
  const [issue] = checkConditions(s.conditions, 'conditions');
  return issue ?? null;
};

const checkRetry: Check = (s) => {
  if (s.retry.schedule.length === 0) return { field: 'retry.schedule', message: 'needs at least one delay' };
  if (s.grouping && s.grouping.groupBy.some((l) => l === '')) return { field: 'grouping.groupBy', message: 'label names must not be empty' };
  return null;
};

const CHECKS: readonly Check[] = [checkUrl, checkAuth, checkHeaders, checkTls, checkSigning, checkTemplates, checkConditionList, checkRetry];

/** The first thing wrong with a contact point's settings (secrets in plain text), or null. */
export function checkSettings(settings: ContactPointSettings): SettingsIssue | null {
  for (const check of CHECKS) {
    const issue = check(settings);
    if (issue) return issue;
  }
  return null;
}
