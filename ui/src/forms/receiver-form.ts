import { conditionsFromRows, validateConditions, type ConditionRow } from './conditions.js';
import { lines, parseCount, parseSeconds, type FieldErrors } from './field-errors.js';

export const RECEIVER_KINDS = [
  { kind: 'scale', label: 'Scale a workload', hint: 'Moves a Deployment, StatefulSet or ReplicaSet up or down one step per notification.' },
  { kind: 'command', label: 'Run a command', hint: 'Runs a program (no shell) with the alert in its environment and on stdin.' },
  { kind: 'http', label: 'Call a URL', hint: 'Sends a request rendered from templates over the notification.' },
] as const;
export type ReceiverKind = (typeof RECEIVER_KINDS)[number]['kind'];

/** The Add Receiver form as typed: numbers stay text until validated, so errors can name them. */
export interface ReceiverDraft {
  name: string;
  kind: ReceiverKind;
  enabled: boolean;
  conditions: ConditionRow[];
  onResolved: 'nothing' | 'reverse';
  scale: {
    workloadKind: 'Deployment' | 'StatefulSet' | 'ReplicaSet';
    namespace: string;
    workload: string;
    direction: 'up' | 'down';
    step: string;
    min: string;
    max: string;
    cooldownUp: string;
    cooldownDown: string;
    dryRun: boolean;
  };
  command: { argv: string; cwd: string; timeout: string };
  http: { method: string; url: string; headers: string; body: string; authType: 'none' | 'basic' | 'bearer'; username: string; password: string; token: string };
}

export function emptyReceiverDraft(kind: ReceiverKind = 'scale'): ReceiverDraft {
  return {
    name: '',
    kind,
    enabled: true,
    conditions: [],
    onResolved: 'nothing',
    scale: { workloadKind: 'Deployment', namespace: '', workload: '', direction: 'up', step: '1', min: '1', max: '', cooldownUp: '60', cooldownDown: '300', dryRun: false },
    command: { argv: '', cwd: '', timeout: '' },
    http: { method: 'POST', url: '', headers: '', body: '', authType: 'none', username: '', password: '', token: '' },
  };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Reads a numeric text field into `out`, or records why it cannot be read. */
function numberField(errors: FieldErrors, field: string, parsed: number | string | undefined, out: Record<string, unknown>, key: string): void {
  if (typeof parsed === 'string') errors[field] = parsed;
  else if (parsed !== undefined) out[key] = parsed;
}

function scaleAction(d: ReceiverDraft['scale'], errors: FieldErrors): Record<string, unknown> {
  const action: Record<string, unknown> = {
    workload: { kind: d.workloadKind, namespace: d.namespace.trim(), name: d.workload.trim() },
    direction: d.direction,
    dry_run: d.dryRun,
  };
  if (!DNS_LABEL.test(d.namespace.trim())) errors['action.workload.namespace'] = 'enter a namespace: lowercase letters, digits and -';
  if (!DNS_SUBDOMAIN.test(d.workload.trim())) errors['action.workload.name'] = 'enter the workload name: lowercase letters, digits, - and .';
  numberField(errors, 'action.step', parseCount(d.step, { min: 1, fallback: 1 }), action, 'step');
  numberField(errors, 'action.min', parseCount(d.min, { min: 0, fallback: 1 }), action, 'min');
  const max = parseCount(d.max, { min: 0 });
  if (max === undefined) errors['action.max'] = 'enter the most replicas this receiver may scale to';
  else numberField(errors, 'action.max', max, action, 'max');
  if (typeof action.min === 'number' && typeof action.max === 'number' && action.min > action.max) errors['action.max'] = 'must be at least the minimum';
  numberField(errors, 'action.cooldown_up', parseCount(d.cooldownUp, { min: 0 }), action, 'cooldown_up');
  numberField(errors, 'action.cooldown_down', parseCount(d.cooldownDown, { min: 0 }), action, 'cooldown_down');
  return action;
}

function commandAction(d: ReceiverDraft['command'], errors: FieldErrors): Record<string, unknown> {
  const argv = lines(d.argv);
  const action: Record<string, unknown> = { argv };
  if (argv.length === 0) errors['action.argv'] = 'enter the program and its arguments, one per line';
  if (d.cwd.trim() !== '') {
    if (!d.cwd.trim().startsWith('/')) errors['action.cwd'] = 'enter an absolute directory';
    action.cwd = d.cwd.trim();
  }
  numberField(errors, 'action.timeout', parseSeconds(d.timeout, { min: 0.001 }), action, 'timeout');
  return action;
}

/** `Name: value` lines into a header map; a line without a colon is an error. */
export function parseHeaderLines(text: string, field: string, errors: FieldErrors): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines(text)) {
    const colon = line.indexOf(':');
    if (colon <= 0) {
      errors[field] = `"${line.slice(0, 40)}" is not "Name: value"`;
      continue;
    }
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function httpAction(d: ReceiverDraft['http'], errors: FieldErrors): Record<string, unknown> {
  const action: Record<string, unknown> = { method: d.method, url: d.url.trim() };
  if (d.url.trim() === '') errors['action.url'] = 'enter the URL to call (templates allowed)';
  const headers = parseHeaderLines(d.headers, 'action.headers', errors);
  if (Object.keys(headers).length > 0) action.headers = headers;
  if (d.body !== '') action.body = d.body;
  if (d.authType === 'basic') {
    action.auth = { type: 'basic', username: d.username, password: d.password };
    if (d.username === '') errors['action.auth.username'] = 'enter the user name';
  }
  if (d.authType === 'bearer') {
    action.auth = { type: 'bearer', token: d.token };
    if (d.token === '') errors['action.auth.token'] = 'enter the token';
  }
  return action;
}

/** The API body of a draft, and every problem found before sending it. */
export function receiverInput(d: ReceiverDraft): { input: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = { ...validateConditions(d.conditions) };
  if (d.name.trim() === '') errors.name = 'enter a name that says what this receiver does';
  const action = d.kind === 'scale' ? scaleAction(d.scale, errors) : d.kind === 'command' ? commandAction(d.command, errors) : httpAction(d.http, errors);
  const input = {
    name: d.name.trim(),
    kind: d.kind,
    enabled: d.enabled,
    conditions: conditionsFromRows(d.conditions),
    trigger: { on_resolved: d.onResolved },
    action,
  };
  return { input, errors };
}
