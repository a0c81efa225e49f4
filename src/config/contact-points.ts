import { Type, type Static } from '@sinclair/typebox';

/**
 * Contact points provisioned from alertwire.yaml (read-only in the API). The same fields as
 * the API's contact points, in the file's snake_case (`max_alerts`, `send_resolved`, …);
 * header names and payload variables are kept as written. Secrets may be written in plain
 * text here; alertwire stores them encrypted.
 */
const StringMap = Type.Record(Type.String(), Type.String());
const Seconds = (description: string) => Type.Number({ minimum: 0, description });
const strict = { additionalProperties: false } as const;

const Condition = Type.Object(
  {
    key: Type.String({ minLength: 1 }),
    operator: Type.Union(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Match', '=', '!=', '=~', '!~'].map((o) => Type.Literal(o))),
    values: Type.Optional(Type.Array(Type.String())),
    value: Type.Optional(Type.String()),
  },
  strict,
);

const Auth = Type.Object(
  {
    type: Type.Union(['none', 'basic', 'bearer', 'header', 'oauth2'].map((t) => Type.Literal(t))),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    token: Type.Optional(Type.String()),
    scheme: Type.Optional(Type.String()),
    credentials: Type.Optional(Type.String()),
    token_url: Type.Optional(Type.String()),
    client_id: Type.Optional(Type.String()),
    client_secret: Type.Optional(Type.String()),
    scopes: Type.Optional(Type.Array(Type.String())),
    endpoint_params: Type.Optional(StringMap),
  },
  strict,
);

const Tls = Type.Object(
  {
    ca: Type.Optional(Type.String()),
    cert: Type.Optional(Type.String()),
    key: Type.Optional(Type.String()),
    server_name: Type.Optional(Type.String()),
    insecure_skip_verify: Type.Optional(Type.Boolean()),
  },
  strict,
);

const Signing = Type.Object(
  {
    type: Type.Union(['none', 'hmac', 'standard'].map((t) => Type.Literal(t))),
    secret: Type.Optional(Type.String()),
    header: Type.Optional(Type.String()),
    timestamp_header: Type.Optional(Type.String()),
    secrets: Type.Optional(Type.Array(Type.String())),
  },
  strict,
);

const Payload = Type.Object(
  {
    profile: Type.Union(['grafana', 'alertmanager', 'kubesphere', 'custom'].map((p) => Type.Literal(p))),
    template: Type.Optional(Type.String()),
    vars: Type.Optional(StringMap),
  },
  strict,
);

const Grouping = Type.Object(
  {
    group_by: Type.Array(Type.String()),
    group_wait: Type.Optional(Seconds('default 30')),
    group_interval: Type.Optional(Type.Number({ minimum: 0.01, description: 'default 300' })),
    repeat_interval: Type.Optional(Seconds('default 14400')),
  },
  strict,
);

export const ProvisionedContactPoint = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$' })),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    enabled: Type.Optional(Type.Boolean()),
    url: Type.String({ minLength: 1 }),
    method: Type.Optional(Type.Union([Type.Literal('POST'), Type.Literal('PUT')])),
    auth: Type.Optional(Auth),
    headers: Type.Optional(StringMap),
    tls: Type.Optional(Tls),
    signing: Type.Optional(Signing),
    payload: Type.Optional(Payload),
    title: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
    max_alerts: Type.Optional(Type.Integer({ minimum: 0 })),
    max_alerts_mode: Type.Optional(Type.Union([Type.Literal('truncate'), Type.Literal('split')])),
    send_resolved: Type.Optional(Type.Boolean()),
    timeout: Type.Optional(Type.Number({ minimum: 0.001 })),
    follow_redirects: Type.Optional(Type.Boolean()),
    conditions: Type.Optional(Type.Array(Condition)),
    grouping: Type.Optional(Type.Union([Grouping, Type.Null()])),
    retry: Type.Optional(Type.Object({ max_age: Type.Optional(Seconds('default 86400')), schedule: Type.Optional(Type.Array(Type.Number({ minimum: 0 }))) }, strict)),
    circuit_breaker: Type.Optional(
      Type.Object({ failure_threshold: Type.Optional(Type.Integer({ minimum: 1 })), cooldown: Type.Optional(Seconds('default 30')) }, strict),
    ),
  },
  strict,
);
export type ProvisionedContactPointConfig = Static<typeof ProvisionedContactPoint>;

export const ProvisionedContactPoints = Type.Array(ProvisionedContactPoint, { default: [] });
