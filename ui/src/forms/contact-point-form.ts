import { conditionsFromRows, rowsFromConditions, validateConditions, type Condition, type ConditionRow } from './conditions.js';
import { lines, parseCount, parseSeconds, type FieldErrors } from './field-errors.js';
import { parseHeaderLines } from './receiver-form.js';

/** A contact point as the API shows it (secrets as "[set]"); only what the form reads. */
export interface ContactPointView {
  id: string;
  name: string;
  enabled: boolean;
  provisioned: boolean;
  url: string;
  method: 'POST' | 'PUT';
  auth: { type: string; username?: string; password?: string; token?: string; scheme?: string; credentials?: string; tokenUrl?: string; clientId?: string; clientSecret?: string; scopes?: string[] };
  headers: Record<string, string>;
  tls: { ca?: string; cert?: string; key?: string; serverName?: string; insecureSkipVerify?: boolean };
  signing: { type: string; secret?: string; header?: string; timestampHeader?: string; secrets?: string[] };
  payload: { profile: string; template?: string; vars?: Record<string, string> };
  title: string;
  message: string;
  maxAlerts: number;
  maxAlertsMode: 'truncate' | 'split';
  sendResolved: boolean;
  timeout: number;
  conditions: Condition[];
  grouping: { groupBy: string[]; groupWait: number; groupInterval: number; repeatInterval: number } | null;
}

export const DEFAULT_TITLE = '{{ template "default.title" . }}';
export const DEFAULT_MESSAGE = '{{ template "default.message" . }}';

/** The form's state, grouped as the seeds group it. Text boxes stay text until validated. */
export interface ContactPointDraft {
  name: string;
  enabled: boolean;
  connection: { url: string; method: 'POST' | 'PUT'; headers: string; timeout: string };
  verification: {
    type: 'none' | 'basic' | 'bearer' | 'header' | 'oauth2';
    username: string;
    password: string;
    token: string;
    scheme: string;
    credentials: string;
    tokenUrl: string;
    clientId: string;
    clientSecret: string;
    scopes: string;
  };
  tls: { ca: string; cert: string; key: string; serverName: string; insecureSkipVerify: boolean };
  signing: { type: 'none' | 'hmac' | 'standard'; secret: string; header: string; timestampHeader: string; secrets: string };
  content: {
    profile: 'grafana' | 'alertmanager' | 'kubesphere' | 'custom';
    title: string;
    message: string;
    template: string;
    vars: string;
    maxAlerts: string;
    maxAlertsMode: 'truncate' | 'split';
    sendResolved: boolean;
    groupBy: string;
  };
  conditions: ConditionRow[];
}

export function emptyContactPointDraft(): ContactPointDraft {
  return {
    name: '',
    enabled: true,
    connection: { url: '', method: 'POST', headers: '', timeout: '30' },
    verification: { type: 'none', username: '', password: '', token: '', scheme: 'Bearer', credentials: '', tokenUrl: '', clientId: '', clientSecret: '', scopes: '' },
    tls: { ca: '', cert: '', key: '', serverName: '', insecureSkipVerify: false },
    signing: { type: 'none', secret: '', header: '', timestampHeader: '', secrets: '' },
    content: { profile: 'grafana', title: DEFAULT_TITLE, message: DEFAULT_MESSAGE, template: '', vars: '', maxAlerts: '0', maxAlertsMode: 'truncate', sendResolved: true, groupBy: '' },
    conditions: [],
  };
}

const headerText = (map: Record<string, string> | undefined) => Object.entries(map ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n');

/** A saved contact point in the form; secrets stay "[set]", which the server reads as "keep". */
export function draftFromContactPoint(cp: ContactPointView): ContactPointDraft {
  const a = cp.auth;
  const verificationType = (['none', 'basic', 'bearer', 'header', 'oauth2'] as const).find((t) => t === a.type) ?? 'none';
  const signingType = (['none', 'hmac', 'standard'] as const).find((t) => t === cp.signing.type) ?? 'none';
  const profile = (['grafana', 'alertmanager', 'kubesphere', 'custom'] as const).find((p) => p === cp.payload.profile) ?? 'grafana';
  return {
    name: cp.name,
    enabled: cp.enabled,
    connection: { url: cp.url, method: cp.method, headers: headerText(cp.headers), timeout: String(cp.timeout) },
    verification: {
      type: verificationType,
      username: a.username ?? '',
      password: a.password ?? '',
      token: a.token ?? '',
      scheme: a.scheme ?? 'Bearer',
      credentials: a.credentials ?? '',
      tokenUrl: a.tokenUrl ?? '',
      clientId: a.clientId ?? '',
      clientSecret: a.clientSecret ?? '',
      scopes: (a.scopes ?? []).join(' '),
    },
    tls: { ca: cp.tls.ca ?? '', cert: cp.tls.cert ?? '', key: cp.tls.key ?? '', serverName: cp.tls.serverName ?? '', insecureSkipVerify: cp.tls.insecureSkipVerify ?? false },
    signing: { type: signingType, secret: cp.signing.secret ?? '', header: cp.signing.header ?? '', timestampHeader: cp.signing.timestampHeader ?? '', secrets: (cp.signing.secrets ?? []).join('\n') },
    content: {
      profile,
      title: cp.title,
      message: cp.message,
      template: cp.payload.template ?? '',
      vars: headerText(cp.payload.vars),
      maxAlerts: String(cp.maxAlerts),
      maxAlertsMode: cp.maxAlertsMode,
      sendResolved: cp.sendResolved,
      groupBy: (cp.grouping?.groupBy ?? []).join(', '),
    },
    conditions: rowsFromConditions(cp.conditions),
  };
}

function authInput(v: ContactPointDraft['verification'], errors: FieldErrors): Record<string, unknown> {
  const need = (field: keyof ContactPointDraft['verification'], message: string) => {
    if (String(v[field]).trim() === '') errors[`auth.${field}`] = message;
  };
  switch (v.type) {
    case 'none':
      return { type: 'none' };
    case 'basic':
      need('username', 'enter the user name');
      need('password', 'enter the password');
      return { type: 'basic', username: v.username, password: v.password };
    case 'bearer':
      need('token', 'enter the token');
      return { type: 'bearer', token: v.token };
    case 'header':
      need('credentials', 'enter the credentials sent after the scheme');
      return { type: 'header', scheme: v.scheme.trim() || 'Bearer', credentials: v.credentials };
    case 'oauth2':
      need('tokenUrl', 'enter the token URL');
      need('clientId', 'enter the client id');
      need('clientSecret', 'enter the client secret');
      return { type: 'oauth2', tokenUrl: v.tokenUrl.trim(), clientId: v.clientId, clientSecret: v.clientSecret, scopes: v.scopes.split(/[\s,]+/).filter(Boolean) };
  }
}

function signingInput(s: ContactPointDraft['signing'], errors: FieldErrors): Record<string, unknown> {
  if (s.type === 'hmac') {
    if (s.secret === '') errors['signing.secret'] = 'enter the shared secret';
    return {
      type: 'hmac',
      secret: s.secret,
      ...(s.header.trim() ? { header: s.header.trim() } : {}),
      ...(s.timestampHeader.trim() ? { timestampHeader: s.timestampHeader.trim() } : {}),
    };
  }
  if (s.type === 'standard') {
    const secrets = lines(s.secrets);
    if (secrets.length === 0) errors['signing.secrets'] = 'enter a whsec_… secret';
    return { type: 'standard', secrets };
  }
  return { type: 'none' };
}

function tlsInput(t: ContactPointDraft['tls']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (t.ca.trim()) out.ca = t.ca;
  if (t.cert.trim()) out.cert = t.cert;
  if (t.key.trim()) out.key = t.key;
  if (t.serverName.trim()) out.serverName = t.serverName.trim();
  if (t.insecureSkipVerify) out.insecureSkipVerify = true;
  return out;
}

function contentInput(c: ContactPointDraft['content'], errors: FieldErrors): Record<string, unknown> {
  const payload: Record<string, unknown> = { profile: c.profile };
  if (c.profile === 'custom') {
    if (c.template.trim() === '') errors['payload.template'] = 'enter the payload template';
    payload.template = c.template;
    payload.vars = parseHeaderLines(c.vars, 'payload.vars', errors);
  }
  const out: Record<string, unknown> = { payload, title: c.title, message: c.message, maxAlertsMode: c.maxAlertsMode, sendResolved: c.sendResolved };
  const max = parseCount(c.maxAlerts, { min: 0, fallback: 0 });
  if (typeof max === 'string') errors.maxAlerts = max;
  else out.maxAlerts = max;
  const groupBy = c.groupBy.split(/[\s,]+/).filter(Boolean);
  out.grouping = groupBy.length > 0 ? { groupBy } : null;
  return out;
}

/** The API body of a draft (POST, PUT, test and preview take the same), and every problem found. */
export function contactPointInput(d: ContactPointDraft): { input: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = { ...validateConditions(d.conditions) };
  if (d.name.trim() === '') errors.name = 'enter a name';
  const url = d.connection.url.trim();
  if (url === '') errors.url = 'enter the webhook URL';
  else if (!/^https?:\/\//i.test(url) && !url.includes('{{')) errors.url = 'enter an http:// or https:// URL';
  const headers = parseHeaderLines(d.connection.headers, 'headers', errors);
  const timeout = parseSeconds(d.connection.timeout, { min: 0.001, fallback: 30 });
  if (typeof timeout === 'string') errors.timeout = timeout;
  const input = {
    name: d.name.trim(),
    enabled: d.enabled,
    url,
    method: d.connection.method,
    headers,
    ...(typeof timeout === 'number' ? { timeout } : {}),
    auth: authInput(d.verification, errors),
    tls: tlsInput(d.tls),
    signing: signingInput(d.signing, errors),
    ...contentInput(d.content, errors),
    conditions: conditionsFromRows(d.conditions),
  };
  return { input, errors };
}
