import { Type, type Static } from '@sinclair/typebox';
import { ConditionSchema, type Condition } from '../model/matchers.js';

/**
 * A contact point as the admin API takes and returns it (camelCase JSON). Auth, signing and
 * payload are flat objects with a `type` (or `profile`) rather than unions, so a missing field
 * is reported as "auth.password: is required for basic auth" instead of a union mismatch.
 */
const StringMap = Type.Record(Type.String(), Type.String());
const Seconds = (description: string, options: { minimum?: number } = {}) =>
  Type.Number({ minimum: options.minimum ?? 0, description });

export const AUTH_TYPES = ['none', 'basic', 'bearer', 'header', 'oauth2'] as const;
export const AuthSchema = Type.Object(
  {
    type: Type.Union(AUTH_TYPES.map((t) => Type.Literal(t))),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    token: Type.Optional(Type.String()),
    scheme: Type.Optional(Type.String({ description: 'Authorization scheme of type "header"; default Bearer' })),
    credentials: Type.Optional(Type.String()),
    tokenUrl: Type.Optional(Type.String()),
    clientId: Type.Optional(Type.String()),
    clientSecret: Type.Optional(Type.String()),
    scopes: Type.Optional(Type.Array(Type.String())),
    endpointParams: Type.Optional(StringMap),
  },
  { additionalProperties: false },
);

export const TlsSchema = Type.Object(
  {
    ca: Type.Optional(Type.String({ description: 'PEM CA certificate(s) trusted for the server' })),
    cert: Type.Optional(Type.String({ description: 'PEM client certificate (mTLS)' })),
    key: Type.Optional(Type.String({ description: 'PEM client key (mTLS); a secret' })),
    serverName: Type.Optional(Type.String()),
    insecureSkipVerify: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const SIGNING_TYPES = ['none', 'hmac', 'standard'] as const;
export const SigningSchema = Type.Object(
  {
    type: Type.Union(SIGNING_TYPES.map((t) => Type.Literal(t))),
    secret: Type.Optional(Type.String({ description: 'hmac: the shared secret' })),
    header: Type.Optional(Type.String({ description: 'hmac: default X-Grafana-Alerting-Signature' })),
    timestampHeader: Type.Optional(Type.String({ description: 'hmac: when set, the signature covers "<unix seconds>:<body>"' })),
    secrets: Type.Optional(Type.Array(Type.String(), { description: 'standard: whsec_… secrets; several sign at once for rotation' })),
  },
  { additionalProperties: false },
);

export const PAYLOAD_PROFILES = ['grafana', 'alertmanager', 'kubesphere', 'custom'] as const;
export type PayloadProfile = (typeof PAYLOAD_PROFILES)[number];
export const PayloadSchema = Type.Object(
  {
    profile: Type.Union(PAYLOAD_PROFILES.map((p) => Type.Literal(p))),
    template: Type.Optional(Type.String({ description: 'custom: the body template' })),
    vars: Type.Optional(StringMap),
  },
  { additionalProperties: false },
);

export const GroupingSchema = Type.Object(
  {
    groupBy: Type.Array(Type.String(), { description: 'Labels to group by; ["..."] groups by every label' }),
    groupWait: Type.Optional(Seconds('Wait before the first notification of a new group (default 30)')),
    groupInterval: Type.Optional(Seconds('Wait before notifying about changes to a group (default 300)', { minimum: 0.01 })),
    repeatInterval: Type.Optional(Seconds('Wait before repeating an unchanged notification (default 14400)')),
  },
  { additionalProperties: false },
);

export const RetrySchema = Type.Object(
  {
    maxAge: Type.Optional(Seconds('Give up a delivery this long after it was created (default 86400)')),
    schedule: Type.Optional(Type.Array(Type.Number({ minimum: 0 }), { description: 'Delays in seconds before each retry; the last one repeats' })),
  },
  { additionalProperties: false },
);

export const CircuitBreakerSchema = Type.Object(
  {
    failureThreshold: Type.Optional(Type.Integer({ minimum: 1, description: 'Consecutive failed attempts that open the circuit (default 5)' })),
    cooldown: Type.Optional(Seconds('Seconds the circuit stays open before one probe (default 30)')),
  },
  { additionalProperties: false },
);

const contactPointFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  enabled: Type.Optional(Type.Boolean()),
  url: Type.String({ minLength: 1, maxLength: 4096, description: 'A template' }),
  method: Type.Optional(Type.Union([Type.Literal('POST'), Type.Literal('PUT')])),
  auth: Type.Optional(AuthSchema),
  headers: Type.Optional(StringMap),
  tls: Type.Optional(TlsSchema),
  signing: Type.Optional(SigningSchema),
  payload: Type.Optional(PayloadSchema),
  title: Type.Optional(Type.String({ description: 'Template; default {{ template "default.title" . }}' })),
  message: Type.Optional(Type.String({ description: 'Template; default {{ template "default.message" . }}' })),
  maxAlerts: Type.Optional(Type.Integer({ minimum: 0, description: '0 = no limit' })),
  maxAlertsMode: Type.Optional(Type.Union([Type.Literal('truncate'), Type.Literal('split')])),
  sendResolved: Type.Optional(Type.Boolean()),
  timeout: Type.Optional(Seconds('Per-request timeout (default 30)', { minimum: 0.001 })),
  followRedirects: Type.Optional(Type.Boolean()),
  conditions: Type.Optional(Type.Array(ConditionSchema)),
  grouping: Type.Optional(Type.Union([GroupingSchema, Type.Null()])),
  retry: Type.Optional(RetrySchema),
  circuitBreaker: Type.Optional(CircuitBreakerSchema),
};

export const ContactPointInputSchema = Type.Object(
  { id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$' })), ...contactPointFields },
  { additionalProperties: false },
);
export type ContactPointInput = Static<typeof ContactPointInputSchema>;

/** PATCH: any subset of the fields, plus `dropQueued` to discard what waits for this contact point. */
export const ContactPointPatchSchema = Type.Partial(
  Type.Object({ ...contactPointFields, dropQueued: Type.Boolean({ description: 'Drop deliveries that are queued or paused' }) }),
  { additionalProperties: false },
);
export type ContactPointPatch = Static<typeof ContactPointPatchSchema>;

export type AuthSettings = Static<typeof AuthSchema>;
export type TlsSettings = Static<typeof TlsSchema>;
export type SigningSettings = Static<typeof SigningSchema>;
export type PayloadSettings = Static<typeof PayloadSchema>;

export interface GroupingSettings {
  groupBy: string[];
  groupWait: number;
  groupInterval: number;
  repeatInterval: number;
}

/** A contact point with every default filled in: what the notifier works from. */
export interface ContactPointSettings {
  name: string;
  url: string;
  method: 'POST' | 'PUT';
  auth: AuthSettings;
  headers: Record<string, string>;
  tls: TlsSettings;
  signing: SigningSettings;
  payload: PayloadSettings;
  title: string;
  message: string;
  maxAlerts: number;
  maxAlertsMode: 'truncate' | 'split';
  sendResolved: boolean;
  timeout: number;
  followRedirects: boolean;
  conditions: Condition[];
  grouping: GroupingSettings | null;
  retry: { maxAge: number; schedule: number[] };
  circuitBreaker: { failureThreshold: number; cooldown: number };
}

export interface ContactPoint {
  id: string;
  enabled: boolean;
  provisioned: boolean;
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
  settings: ContactPointSettings;
}

export const DEFAULT_TITLE = '{{ template "default.title" . }}';
export const DEFAULT_MESSAGE = '{{ template "default.message" . }}';
/** Immediately, 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, then hourly (the last delay repeats). */
export const DEFAULT_RETRY_SCHEDULE = [0, 5, 30, 120, 600, 1800, 3600];

/** Fills the defaults of every field the input left out. */
export function withDefaults(input: Omit<ContactPointInput, 'id' | 'enabled'>): ContactPointSettings {
  return {
    name: input.name,
    url: input.url,
    method: input.method ?? 'POST',
    auth: input.auth ?? { type: 'none' },
    headers: input.headers ?? {},
    tls: input.tls ?? {},
    signing: input.signing ?? { type: 'none' },
    payload: input.payload ?? { profile: 'grafana' },
    title: input.title ?? DEFAULT_TITLE,
    message: input.message ?? DEFAULT_MESSAGE,
    maxAlerts: input.maxAlerts ?? 0,
    maxAlertsMode: input.maxAlertsMode ?? 'truncate',
    sendResolved: input.sendResolved ?? true,
    timeout: input.timeout ?? 30,
    followRedirects: input.followRedirects ?? false,
    conditions: input.conditions ?? [],
    grouping: input.grouping
      ? {
          groupBy: input.grouping.groupBy,
          groupWait: input.grouping.groupWait ?? 30,
          groupInterval: input.grouping.groupInterval ?? 300,
          repeatInterval: input.grouping.repeatInterval ?? 14400,
        }
      : null,
    retry: { maxAge: input.retry?.maxAge ?? 86400, schedule: input.retry?.schedule ?? DEFAULT_RETRY_SCHEDULE },
    circuitBreaker: {
      failureThreshold: input.circuitBreaker?.failureThreshold ?? 5,
      cooldown: input.circuitBreaker?.cooldown ?? 30,
    },
  };
}

/** A URL-safe id derived from the name, for contact points created without one. */
export function idFromName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+|-+$/g, '')
    .slice(0, 60);
  return slug || 'contact-point';
}
