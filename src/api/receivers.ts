import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { ReceiverInputSchema, ReceiverInvalid, redactSecrets, type ReceiverSettings } from '../actions/receiver.js';
import { createReceiver, listReceivers, ReceiverConflict, replaceReceiver, rotateToken, setEnabled } from '../actions/receiver-service.js';
import { HttpError } from '../intake/errors.js';
import type { Store } from '../store/database.js';
import { deleteReceiver, getReceiver, type ReceiverRecord } from '../store/receivers.js';
import type { SecretBox } from '../store/secrets.js';

export interface ReceiverApiDeps {
  store: Store;
  secrets: SecretBox;
  externalUrl: () => string;
  now: () => number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function hookUrl(externalUrl: string, id: string): string {
  return `${externalUrl}/hooks/${encodeURIComponent(id)}`;
}

/** A receiver as the API shows it: never a secret or a token hash. */
export function receiverJson(r: ReceiverRecord, externalUrl: string) {
  const settings = redactSecrets(r.settings as unknown as ReceiverSettings, r.kind);
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    enabled: r.enabled,
    provisioned: r.provisioned,
    url: hookUrl(externalUrl, r.id),
    conditions: settings.conditions,
    trigger: settings.trigger,
    auth: settings.auth,
    action: settings.action,
    tokens: r.tokenHashes.map((h) => ({ createdAt: iso(h.createdAt), expiresAt: iso(h.expiresAt) })),
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    lastTriggeredAt: iso(r.lastTriggeredAt),
    lastDecision: r.lastDecision,
  };
}

/** The receiver to paste into alertmanager.yml, carrying the token once. */
export function alertmanagerSnippet(url: string, name: string, token: string): string {
  return [
    'receivers:',
    `  - name: '${name.replace(/'/g, "''")}'`,
    '    webhook_configs:',
    `      - url: '${url}'`,
    '        send_resolved: true',
    '        http_config:',
    '          authorization:',
    '            type: Bearer',
    `            credentials: '${token}'`,
    '',
  ].join('\n');
}

/** Service errors in HTTP terms: 400 naming the field, 409 for conflicts. */
async function translate<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ReceiverInvalid) {
      throw new HttpError(400, error.message);
    }
    if (error instanceof ReceiverConflict) throw new HttpError(409, error.message);
    throw error;
  }
}

const IdParams = Type.Object({ id: Type.String() });
const PatchBody = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });

export async function receiverApiRoutes(app: FastifyInstance, deps: ReceiverApiDeps): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const found = async (id: string) => {
    const r = await getReceiver(deps.store, id);
    if (!r) throw new HttpError(404, `no receiver with id "${id}"`);
    return r;
  };
  const withToken = (record: ReceiverRecord, token: string) => {
    const body = receiverJson(record, deps.externalUrl());
    return { ...body, token, alertmanager: alertmanagerSnippet(body.url, record.name, token) };
  };

  api.get('/api/v1/receivers', async () => ({ receivers: (await listReceivers(deps.store)).map((r) => receiverJson(r, deps.externalUrl())) }));
  api.get('/api/v1/receivers/:id', { schema: { params: IdParams } }, async (request) => receiverJson(await found(request.params.id), deps.externalUrl()));

  api.post('/api/v1/receivers', { schema: { body: ReceiverInputSchema } }, async (request, reply) => {
    const input: Static<typeof ReceiverInputSchema> = request.body;
    if (input.token) throw new HttpError(400, 'token: the API generates tokens; it cannot be given');
    const { record, token } = await translate(() => createReceiver(deps.store, deps.secrets, input, deps.now()));
    return reply.code(201).send(withToken(record, token));
  });

  api.put('/api/v1/receivers/:id', { schema: { params: IdParams, body: ReceiverInputSchema } }, async (request) => {
    if (request.body.id !== undefined && request.body.id !== request.params.id) throw new HttpError(400, 'id: does not match the URL');
    if (request.body.token) throw new HttpError(400, 'token: use rotate-token to change it');
    const record = await translate(() => replaceReceiver(deps.store, deps.secrets, request.params.id, request.body, deps.now()));
    if (!record) throw new HttpError(404, `no receiver with id "${request.params.id}"`);
    return receiverJson(record, deps.externalUrl());
  });

  api.patch('/api/v1/receivers/:id', { schema: { params: IdParams, body: PatchBody } }, async (request) => {
    const record = await translate(() => setEnabled(deps.store, request.params.id, request.body.enabled, deps.now()));
    if (!record) throw new HttpError(404, `no receiver with id "${request.params.id}"`);
    return receiverJson(record, deps.externalUrl());
  });

  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    api.post(`/api/v1/receivers/:id/${action}`, { schema: { params: IdParams } }, async (request) => {
      const record = await translate(() => setEnabled(deps.store, request.params.id, enabled, deps.now()));
      if (!record) throw new HttpError(404, `no receiver with id "${request.params.id}"`);
      return receiverJson(record, deps.externalUrl());
    });
  }

  api.post('/api/v1/receivers/:id/rotate-token', { schema: { params: IdParams } }, async (request) => {
    const existing = await found(request.params.id);
    const overlap = (existing.settings as unknown as ReceiverSettings).auth.token_overlap;
    const rotated = await translate(() => rotateToken(deps.store, request.params.id, overlap, deps.now()));
    if (!rotated) throw new HttpError(404, `no receiver with id "${request.params.id}"`);
    return withToken(rotated.record, rotated.token);
  });

  api.delete('/api/v1/receivers/:id', { schema: { params: IdParams } }, async (request, reply) => {
    const existing = await found(request.params.id);
    if (existing.provisioned) throw new HttpError(409, `receiver "${existing.id}" is provisioned from alertwire.yaml and read-only here; change it in the file`);
    await deleteReceiver(deps.store, existing.id);
    return reply.code(204).send();
  });
}
