// Notification template data: Alertmanager's Data/Alert/KV/Pairs and Grafana's
// ExtendedData/ExtendedAlert, built from a webhook-shaped notification exactly as
// templates see them (times are time.Time, labels and annotations are KV).
import { GoTime } from './time.js';
import { GoMap, GoPointer, GoSlice, GoStruct, T, compareGoStrings, hasOwn } from './values.js';
import type { GoMethod, GoType } from './values.js';

// --- Pair, Pairs, KV ---

export const pairType: GoType = {
  name: 'template.Pair',
  kind: 'struct',
  fields: [
    { name: 'Name', json: 'Name' },
    { name: 'Value', json: 'Value' },
  ],
};

function stringSlice(items: string[]): GoSlice {
  return new GoSlice(T.stringSlice, items);
}

function pairsOf(r: unknown): readonly GoStruct[] {
  return (r as GoSlice).items as GoStruct[];
}

export const pairsType: GoType = {
  name: 'template.Pairs',
  kind: 'slice',
  underlying: '[]template.Pair',
  elem: pairType,
  methods: new Map<string, GoMethod>([
    ['Names', { params: [], call: (r) => stringSlice(pairsOf(r).map((p) => p.fields.Name as string)) }],
    ['Values', { params: [], call: (r) => stringSlice(pairsOf(r).map((p) => p.fields.Value as string)) }],
    ['String', { params: [], call: (r) => pairsOf(r).map((p) => `${p.fields.Name as string}=${p.fields.Value as string}`).join(', ') }],
  ]),
};

const sortedCache = new WeakMap<object, GoSlice>();

/** KV.SortedPairs: "alertname" first, the other names in byte order. */
export function sortedPairs(kv: GoMap): GoSlice {
  let cached = sortedCache.get(kv.entries);
  if (!cached) {
    const keys = Object.keys(kv.entries);
    const rest = keys.filter((k) => k !== 'alertname').sort(compareGoStrings);
    const ordered = keys.length !== rest.length ? ['alertname', ...rest] : rest;
    cached = new GoSlice(
      pairsType,
      ordered.map((k) => new GoStruct(pairType, { Name: k, Value: kv.entries[k] })),
    );
    sortedCache.set(kv.entries, cached);
  }
  return cached;
}

export const kvType: GoType = {
  name: 'template.KV',
  kind: 'map',
  underlying: 'map[string]string',
  elem: T.string,
  methods: new Map<string, GoMethod>([
    ['SortedPairs', { params: [], call: (r) => sortedPairs(r as GoMap) }],
    [
      'Remove',
      {
        params: [T.stringSlice],
        call: (r, [keys]) => {
          const drop = new Set(((keys as GoSlice | undefined)?.items ?? []) as string[]);
          const out = Object.create(null) as Record<string, string>;
          const entries = (r as GoMap).entries;
          for (const k of Object.keys(entries)) if (!drop.has(k)) out[k] = entries[k] as string;
          return new GoMap(kvType, out);
        },
      },
    ],
    ['Names', { params: [], call: (r) => stringSlice(pairsOf(sortedPairs(r as GoMap)).map((p) => p.fields.Name as string)) }],
    ['Values', { params: [], call: (r) => stringSlice(pairsOf(sortedPairs(r as GoMap)).map((p) => p.fields.Value as string)) }],
    ['String', { params: [], call: (r) => pairsOf(sortedPairs(r as GoMap)).map((p) => `${p.fields.Name as string}=${p.fields.Value as string}`).join(', ') }],
  ]),
};

/** Builds a KV from a plain record; non-string values are turned into strings. */
export function makeKV(record: Record<string, unknown> | undefined | null): GoMap {
  const out = Object.create(null) as Record<string, string>;
  if (record) {
    for (const [k, v] of Object.entries(record)) out[k] = typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
  }
  return new GoMap(kvType, out);
}

// --- alerts ---

const int64Type: GoType = { name: 'int64', kind: 'int' };
const intPtrType: GoType = { name: '*int', kind: 'ptr', elem: T.int };
const int64PtrType: GoType = { name: '*int64', kind: 'ptr', elem: int64Type };

export const alertType: GoType = {
  name: 'templates.ExtendedAlert',
  kind: 'struct',
  fields: [
    { name: 'Status', json: 'status' },
    { name: 'Labels', json: 'labels' },
    { name: 'Annotations', json: 'annotations' },
    { name: 'StartsAt', json: 'startsAt' },
    { name: 'EndsAt', json: 'endsAt' },
    { name: 'GeneratorURL', json: 'generatorURL' },
    { name: 'Fingerprint', json: 'fingerprint' },
    { name: 'SilenceURL', json: 'silenceURL' },
    { name: 'DashboardURL', json: 'dashboardURL' },
    { name: 'PanelURL', json: 'panelURL' },
    { name: 'Values', json: 'values' },
    { name: 'ValueString', json: 'valueString' },
    { name: 'ImageURL', json: 'imageURL,omitempty' },
    { name: 'EmbeddedImage', json: 'embeddedImage,omitempty' },
    { name: 'OrgID', json: 'orgId,omitempty' },
  ],
};

/** []templates.ExtendedAlert, what .Alerts.Firing and .Alerts.Resolved return. */
const alertSliceType: GoType = { name: '[]templates.ExtendedAlert', kind: 'slice', elem: alertType };

function byStatus(r: unknown, status: string): GoSlice {
  return new GoSlice(
    alertSliceType,
    (r as GoSlice).items.filter((a) => (a as GoStruct).fields.Status === status),
  );
}

export const alertsType: GoType = {
  name: 'templates.ExtendedAlerts',
  kind: 'slice',
  underlying: '[]templates.ExtendedAlert',
  elem: alertType,
  methods: new Map<string, GoMethod>([
    ['Firing', { params: [], call: (r) => byStatus(r, 'firing') }],
    ['Resolved', { params: [], call: (r) => byStatus(r, 'resolved') }],
  ]),
};

export const dataType: GoType = {
  name: 'templates.ExtendedData',
  kind: 'struct',
  fields: [
    { name: 'Receiver', json: 'receiver' },
    { name: 'Status', json: 'status' },
    { name: 'Alerts', json: 'alerts' },
    { name: 'GroupLabels', json: 'groupLabels' },
    { name: 'CommonLabels', json: 'commonLabels' },
    { name: 'CommonAnnotations', json: 'commonAnnotations' },
    { name: 'ExternalURL', json: 'externalURL' },
    { name: 'GroupKey', json: 'groupKey' },
    { name: 'TruncatedAlerts', json: 'truncatedAlerts,omitempty' },
    { name: 'Vars', json: '-' },
  ],
};

const dataPtrType: GoType = { name: '*templates.ExtendedData', kind: 'ptr', elem: dataType };

// --- building template data from a notification ---

export interface NotificationAlert {
  status?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** RFC 3339 text, or epoch milliseconds. */
  startsAt?: string | number;
  endsAt?: string | number;
  generatorURL?: string;
  fingerprint?: string;
  silenceURL?: string;
  dashboardURL?: string;
  panelURL?: string;
  imageURL?: string;
  values?: Record<string, number> | null;
  valueString?: string;
  orgId?: number;
}

/** A notification shaped like an Alertmanager v4 / Grafana webhook payload. */
export interface NotificationInput {
  receiver?: string;
  status?: string;
  alerts?: NotificationAlert[];
  groupLabels?: Record<string, string>;
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  externalURL?: string;
  groupKey?: string;
  truncatedAlerts?: number;
  orgId?: number;
}

export interface NotificationDataOptions {
  /** Custom-payload variables, available as .Vars.name. */
  vars?: Record<string, string>;
}

/** The value templates receive as `.`: a *templates.ExtendedData. */
export type TemplateData = GoPointer;

function timeOf(s: string | number | undefined): GoTime {
  if (typeof s === 'number') return GoTime.fromMillis(s);
  if (typeof s !== 'string' || s === '') return GoTime.zero();
  const t = GoTime.parseRFC3339(s);
  if (t) return t;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? GoTime.zero() : GoTime.fromDate(new Date(ms));
}

function common(alerts: NotificationAlert[], pick: (a: NotificationAlert) => Record<string, string> | undefined): Record<string, string> {
  const first = alerts[0];
  if (!first) return {};
  const out: Record<string, string> = { ...(pick(first) ?? {}) };
  for (const a of alerts.slice(1)) {
    const m = pick(a) ?? {};
    for (const k of Object.keys(out)) if (!hasOwn(m, k) || m[k] !== out[k]) delete out[k];
  }
  return out;
}

function makeAlert(a: NotificationAlert, orgId: number | undefined): GoStruct {
  const values = Object.create(null) as Record<string, number>;
  if (a.values) for (const [k, v] of Object.entries(a.values)) values[k] = Number(v);
  const org = a.orgId ?? orgId;
  return new GoStruct(alertType, {
    Status: a.status ?? '',
    Labels: makeKV(a.labels),
    Annotations: makeKV(a.annotations),
    StartsAt: timeOf(a.startsAt),
    EndsAt: timeOf(a.endsAt),
    GeneratorURL: a.generatorURL ?? '',
    Fingerprint: a.fingerprint ?? '',
    SilenceURL: a.silenceURL ?? '',
    DashboardURL: a.dashboardURL ?? '',
    PanelURL: a.panelURL ?? '',
    Values: new GoMap(T.float64Map, values, a.values === undefined || a.values === null),
    ValueString: a.valueString ?? '',
    ImageURL: a.imageURL ?? '',
    EmbeddedImage: '',
    OrgID: new GoPointer(int64PtrType, typeof org === 'number' ? BigInt(Math.trunc(org)) : undefined),
  });
}

/**
 * Template data for a notification, as Alertmanager and Grafana build it: `.Alerts`
 * with `.Firing`/`.Resolved`, KV label sets, time values, Grafana's URLs and values,
 * and `.Vars` for custom payloads. Missing common labels/annotations are computed
 * from the alerts; a missing status is "firing" when any alert fires.
 */
export function notificationData(input: NotificationInput, options: NotificationDataOptions = {}): TemplateData {
  const alerts = Array.isArray(input.alerts) ? input.alerts : [];
  const status = input.status ?? (alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved');
  const vars = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(options.vars ?? {})) vars[k] = v;
  const data = new GoStruct(dataType, {
    Receiver: input.receiver ?? '',
    Status: status,
    Alerts: new GoSlice(
      alertsType,
      alerts.map((a) => makeAlert(a, input.orgId)),
    ),
    GroupLabels: makeKV(input.groupLabels),
    CommonLabels: makeKV(input.commonLabels ?? common(alerts, (a) => a.labels)),
    CommonAnnotations: makeKV(input.commonAnnotations ?? common(alerts, (a) => a.annotations)),
    ExternalURL: input.externalURL ?? '',
    GroupKey: input.groupKey ?? '',
    TruncatedAlerts: new GoPointer(intPtrType, typeof input.truncatedAlerts === 'number' ? BigInt(Math.trunc(input.truncatedAlerts)) : undefined),
    Vars: new GoMap(T.stringMap, vars),
  });
  return new GoPointer(dataPtrType, data);
}
