import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { checkConditions, ConditionSchema, parseMatcher, type Condition } from '../model/matchers.js';
import type { SecretBox } from '../store/secrets.js';
import type { SettingsIssue } from './action.js';
import { ACTION_KINDS, withDefaults } from './kinds.js';

/** How a hook proves who calls it: the receiver token, an HMAC signature, or both. */
export const HmacSchema = Type.Object(
  {
    scheme: Type.Union([Type.Literal('grafana'), Type.Literal('github'), Type.Literal('standard')]),
    secret: Type.String({ minLength: 1 }),
    header: Type.Optional(Type.String({ minLength: 1 })),
    timestamp_header: Type.Optional(Type.String({ minLength: 1 })),
    window: Type.Number({ minimum: 1, default: 300, description: 'Seconds a signed timestamp stays acceptable' }),
  },
  { additionalProperties: false },
);

export const AuthSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('token'), Type.Literal('hmac'), Type.Literal('token+hmac')], { default: 'token' }),
    hmac: Type.Optional(HmacSchema),
    allow_cidrs: Type.Array(Type.String(), { default: [] }),
    token_overlap: Type.Number({ minimum: 0, default: 3600, description: 'Seconds the old token stays valid after a rotation' }),
  },
  { additionalProperties: false, default: {} },
);

export const TriggerSchema = Type.Object(
  { on_resolved: Type.Union([Type.Literal('nothing'), Type.Literal('reverse')], { default: 'nothing' }) },
  { additionalProperties: false, default: {} },
);

/** A receiver as the API and alertwire.yaml describe it. */
export const ReceiverInputSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    kind: Type.String(),
    enabled: Type.Boolean({ default: true }),
    conditions: Type.Array(ConditionSchema, { default: [] }),
    matchers: Type.Array(Type.String(), { default: [], description: "Alertmanager matcher syntax, e.g. severity=~\"critical|page\"" }),
    trigger: TriggerSchema,
    auth: AuthSchema,
    action: Type.Unknown(),
    /** Provisioned receivers only: the token, or its file (the API always generates one). */
    token: Type.Optional(Type.String({ minLength: 16 })),
  },
  { additionalProperties: false },
);
export type ReceiverInput = Static<typeof ReceiverInputSchema>;

/** The definition stored in `receivers.settings` (secret fields sealed). */
export interface ReceiverSettings {
  conditions: Condition[];
  trigger: Static<typeof TriggerSchema>;
  auth: Static<typeof AuthSchema>;
  action: unknown;
}

export class ReceiverInvalid extends Error {
  constructor(readonly issues: SettingsIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    this.name = 'ReceiverInvalid';
  }
}

/** Validates a receiver and returns its settings with defaults, matchers folded into conditions. */
export function normalizeReceiver(input: ReceiverInput): ReceiverSettings & { kind: string } {
  const kind = ACTION_KINDS.get(input.kind);
  if (!kind) throw new ReceiverInvalid([{ field: 'kind', message: `unknown kind "${input.kind}"; expected one of ${[...ACTION_KINDS.keys()].join(', ')}` }]);
  const issues: SettingsIssue[] = [];
  const conditions = [...input.conditions];
  input.matchers.forEach((m, i) => {
    try {
      conditions.push(parseMatcher(m));
    } catch (error) {
      issues.push({ field: `matchers[${i}]`, message: (error as Error).message });
    }
  });
  issues.push(...checkConditions(input.conditions, 'conditions'));
  issues.push(...checkConditions(conditions.slice(input.conditions.length), 'matchers'));
  if (input.auth.mode !== 'token' && !input.auth.hmac) issues.push({ field: 'auth.hmac', message: `mode ${input.auth.mode} needs hmac settings` });
  for (const [i, cidr] of input.auth.allow_cidrs.entries()) if (!isCidr(cidr)) issues.push({ field: `auth.allow_cidrs[${i}]`, message: `"${cidr}" is not an address or CIDR` });
  const action = withDefaults(kind, input.action ?? {});
  issues.push(...kind.validate(action, 'action'));
  if (issues.length > 0) throw new ReceiverInvalid(issues);
  return { kind: kind.kind, conditions, trigger: input.trigger, auth: input.auth, action };
}

export function isCidr(text: string): boolean {
  const [address, bits, extra] = text.split('/');
  if (extra !== undefined || !address) return false;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  const max = v4 ? 32 : address.includes(':') ? 128 : -1;
  if (max < 0 || (v4 && v4.slice(1).some((o) => Number(o) > 255))) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= max);
}

/** Paths of every secret in a receiver's settings. */
export function secretPaths(kind: string): string[][] {
  const k = ACTION_KINDS.get(kind);
  return [['auth', 'hmac', 'secret'], ...(k?.secretPaths ?? []).map((p) => ['action', ...p])];
}

function getPath(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function setPath(root: unknown, path: readonly string[], value: unknown): void {
  let node = root;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return;
    node = (node as Record<string, unknown>)[key];
  }
  if (typeof node === 'object' && node !== null) (node as Record<string, unknown>)[path[path.length - 1] as string] = value;
}

export const SECRET_PLACEHOLDER = '[set]';

/**
 * Seals every secret for storage. A field sent back as "[set]" (what the API shows) keeps the
 * previously stored secret, so a client can round-trip a receiver without knowing its secrets.
 */
export function sealSecrets(settings: ReceiverSettings, kind: string, box: SecretBox, previous?: ReceiverSettings): ReceiverSettings {
  const copy = Value.Clone(settings);
  for (const path of secretPaths(kind)) {
    const value = getPath(copy, path);
    if (typeof value !== 'string') continue;
    setPath(copy, path, value === SECRET_PLACEHOLDER ? getPath(previous, path) : box.seal(value));
  }
  return copy;
}

export function openSecrets(settings: ReceiverSettings, kind: string, box: SecretBox): ReceiverSettings {
  const copy = Value.Clone(settings);
  for (const path of secretPaths(kind)) {
    const value = getPath(copy, path);
    if (typeof value === 'string' && value !== '') setPath(copy, path, box.open(value));
  }
  return copy;
}

export function redactSecrets(settings: ReceiverSettings, kind: string): ReceiverSettings {
  const copy = Value.Clone(settings);
  for (const path of secretPaths(kind)) if (typeof getPath(copy, path) === 'string') setPath(copy, path, SECRET_PLACEHOLDER);
  return copy;
}
