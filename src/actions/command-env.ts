// The environment a command action runs with: the server's variables that an allowlist lets
// through, plus the AMX_* variables prometheus-am-executor sets, so scripts written for
// am-executor run unchanged under alertwire.
import type { ActionContext, AlertSnapshot } from './action.js';

/**
 * Environment names are used as am-executor builds them (label names keep their case:
 * `AMX_LABEL_alertname`). Prometheus label names are already valid; Grafana labels and
 * annotation keys may hold any character, and a `=` or NUL would corrupt the entry, so every
 * character outside [A-Za-z0-9_] becomes `_`. The first of two names that collide this way wins.
 */
function envName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

/** NUL cannot travel in an environment value (spawn refuses it); it is dropped. */
function envValue(value: string): string {
  return value.replace(/\0/g, '');
}

/** am-executor's timeToStr: Unix seconds, "0" for Go's zero time (an alert with no end). */
function unixSeconds(ms: number | null): string {
  return ms === null ? '0' : String(Math.floor(ms / 1000));
}

function addPairs(env: Record<string, string>, prefix: string, pairs: Record<string, string>): void {
  for (const [key, value] of Object.entries(pairs)) {
    const name = `${prefix}_${envName(key)}`;
    if (!(name in env)) env[name] = envValue(value);
  }
}

function addAlert(env: Record<string, string>, alert: AlertSnapshot, position: number): void {
  const key = `AMX_ALERT_${position}`;
  env[`${key}_STATUS`] = alert.status;
  env[`${key}_START`] = unixSeconds(alert.startsAt);
  env[`${key}_END`] = unixSeconds(alert.endsAt);
  env[`${key}_URL`] = envValue(alert.generatorURL);
  env[`${key}_FINGERPRINT`] = alert.fingerprint;
  addPairs(env, `${key}_LABEL`, alert.labels);
  addPairs(env, `${key}_ANNOTATION`, alert.annotations);
}

/**
 * Labels (or annotations) all alerts share: what Alertmanager sends as commonLabels. The http
 * kind uses it too, for notifications that came without them.
 */
export function commonPairs(alerts: readonly AlertSnapshot[], pick: (a: AlertSnapshot) => Record<string, string>): Record<string, string> {
  const [first, ...rest] = alerts;
  if (!first) return {};
  const common = { ...pick(first) };
  for (const alert of rest) {
    const pairs = pick(alert);
    for (const key of Object.keys(common)) if (pairs[key] !== common[key]) delete common[key];
  }
  return common;
}

/**
 * The AMX_* variables for one run. Notification-level values come from the notification's
 * metadata; a generic or empty POST has none, so the receiver's name, the trigger, alertwire's
 * own external URL and the labels the alerts share stand in for them (a script can always rely
 * on the names). Alerts are numbered from 1, as am-executor does.
 */
export function amxEnvironment(context: ActionContext): Record<string, string> {
  const meta = context.meta;
  const env: Record<string, string> = Object.create(null) as Record<string, string>;
  env.AMX_RECEIVER = envValue(meta?.receiver || context.receiver.name);
  env.AMX_STATUS = meta?.status || context.trigger;
  env.AMX_EXTERNAL_URL = envValue(meta?.externalURL || context.externalUrl);
  env.AMX_ALERT_LEN = String(context.alerts.length);
  addPairs(env, 'AMX_LABEL', meta?.commonLabels ?? commonPairs(context.alerts, (a) => a.labels));
  addPairs(env, 'AMX_GLABEL', meta?.groupLabels ?? {});
  addPairs(env, 'AMX_ANNOTATION', meta?.commonAnnotations ?? commonPairs(context.alerts, (a) => a.annotations));
  context.alerts.forEach((alert, index) => addAlert(env, alert, index + 1));
  return env;
}

/**
 * The full environment: only allowlisted server variables (the server's own environment holds
 * secrets such as database URLs and tokens, which a command must not inherit the way
 * am-executor's do), then the AMX_* variables, which win over a server variable of the same name.
 */
export function commandEnvironment(
  context: ActionContext,
  allowlist: readonly string[],
  serverEnv: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name of allowlist) {
    const value = serverEnv[name];
    if (value !== undefined) env[name] = value;
  }
  return Object.assign(env, amxEnvironment(context));
}
