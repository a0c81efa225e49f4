import { randomBytes } from 'node:crypto';
import { hashToken } from '../intake/receiver-auth.js';
import type { Store } from '../store/database.js';
import { deleteProvisionedExcept, getReceiver, insertReceiver, listReceivers, updateReceiver, type ReceiverRecord } from '../store/receivers.js';
import type { SecretBox } from '../store/secrets.js';
import { normalizeReceiver, ReceiverInvalid, sealSecrets, type ReceiverInput, type ReceiverSettings } from './receiver.js';

/** A conflict with what is stored: an id taken, a provisioned receiver edited through the API. */
export class ReceiverConflict extends Error {}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function newId(): string {
  return `rcv_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`;
}

function readOnly(r: ReceiverRecord): ReceiverConflict {
  return new ReceiverConflict(`receiver "${r.id}" is provisioned from alertwire.yaml and read-only here; change it in the file`);
}

/** Creates a receiver with a fresh token, returned once and stored only as a hash. */
export async function createReceiver(store: Store, box: SecretBox, input: ReceiverInput, now: number): Promise<{ record: ReceiverRecord; token: string }> {
  const normalized = normalizeReceiver(input);
  const id = input.id ?? newId();
  if (await getReceiver(store, id)) throw new ReceiverConflict(`a receiver with id "${id}" exists`);
  const token = newToken();
  const record: ReceiverRecord = {
    id,
    name: input.name,
    kind: normalized.kind,
    enabled: input.enabled,
    provisioned: false,
    settings: asStored(sealSecrets(normalized, normalized.kind, box)),
    tokenHashes: [{ hash: hashToken(token), createdAt: now, expiresAt: null }],
    createdAt: now,
    updatedAt: now,
    lastTriggeredAt: null,
    lastDecision: null,
  };
  await insertReceiver(store, record);
  return { record, token };
}

function asStored(settings: ReceiverSettings): Record<string, unknown> {
  return settings as unknown as Record<string, unknown>;
}

export async function replaceReceiver(store: Store, box: SecretBox, id: string, input: ReceiverInput, now: number): Promise<ReceiverRecord | undefined> {
  const existing = await getReceiver(store, id);
  if (!existing) return undefined;
  if (existing.provisioned) throw readOnly(existing);
  const normalized = normalizeReceiver(input);
  const previous = existing.kind === normalized.kind ? (existing.settings as unknown as ReceiverSettings) : undefined;
  const record: ReceiverRecord = {
    ...existing,
    name: input.name,
    kind: normalized.kind,
    enabled: input.enabled,
    settings: asStored(sealSecrets(normalized, normalized.kind, box, previous)),
    updatedAt: Math.max(now, existing.updatedAt + 1),
  };
  assertSecretsPresent(record);
  await updateReceiver(store, record);
  return record;
}

/** "[set]" sent for a secret that was never set leaves nothing to keep. */
function assertSecretsPresent(record: ReceiverRecord): void {
  const s = record.settings as unknown as ReceiverSettings;
  if (s.auth.hmac && typeof s.auth.hmac.secret !== 'string') {
    throw new ReceiverInvalid([{ field: 'auth.hmac.secret', message: 'required' }]);
  }
}

export async function setEnabled(store: Store, id: string, enabled: boolean, now: number): Promise<ReceiverRecord | undefined> {
  const existing = await getReceiver(store, id);
  if (!existing) return undefined;
  if (existing.provisioned) throw readOnly(existing);
  const record = { ...existing, enabled, updatedAt: Math.max(now, existing.updatedAt + 1) };
  await updateReceiver(store, record);
  return record;
}

/** A new token; the old ones stay valid for the overlap, so callers can be moved over. */
export async function rotateToken(store: Store, id: string, overlapSeconds: number, now: number): Promise<{ record: ReceiverRecord; token: string } | undefined> {
  const existing = await getReceiver(store, id);
  if (!existing) return undefined;
  if (existing.provisioned) throw readOnly(existing);
  const token = newToken();
  const kept = existing.tokenHashes
    .filter((h) => h.expiresAt === null || h.expiresAt > now)
    .map((h) => ({ ...h, expiresAt: Math.min(h.expiresAt ?? Infinity, now + overlapSeconds * 1000) }));
  const record = { ...existing, tokenHashes: [...kept, { hash: hashToken(token), createdAt: now, expiresAt: null }], updatedAt: Math.max(now, existing.updatedAt + 1) };
  await updateReceiver(store, record);
  return { record, token };
}

/**
 * The `receivers[i]` entry of alertwire.yaml, checked and normalized; throws ReceiverInvalid
 * with fields named `receivers[i].…`. Provisioning and the start-up checks both use it.
 */
export function provisionedReceiver(input: ReceiverInput, i: number): ReturnType<typeof normalizeReceiver> & { id: string; token: string } {
  const { id, token } = input;
  if (!id || !token) throw new ReceiverInvalid([{ field: `receivers[${i}]`, message: 'a provisioned receiver needs an id and a token' }]);
  try {
    return { ...normalizeReceiver(input), id, token };
  } catch (error) {
    if (!(error instanceof ReceiverInvalid)) throw error;
    throw new ReceiverInvalid(error.issues.map((issue) => ({ ...issue, field: `receivers[${i}].${issue.field}` })));
  }
}

/** Makes the stored provisioned receivers equal to the file's: created, replaced or removed. */
export async function provisionReceivers(store: Store, box: SecretBox, inputs: readonly ReceiverInput[], now: number): Promise<void> {
  for (const [i, input] of inputs.entries()) {
    const { id, token, ...normalized } = provisionedReceiver(input, i);
    const existing = await getReceiver(store, id);
    if (existing && !existing.provisioned) throw new ReceiverConflict(`receiver "${id}" from alertwire.yaml clashes with one created through the API`);
    const record: ReceiverRecord = {
      id,
      name: input.name,
      kind: normalized.kind,
      enabled: input.enabled,
      provisioned: true,
      settings: asStored(sealSecrets(normalized, normalized.kind, box)),
      tokenHashes: [{ hash: hashToken(token), createdAt: existing?.createdAt ?? now, expiresAt: null }],
      createdAt: existing?.createdAt ?? now,
      updatedAt: Math.max(now, (existing?.updatedAt ?? 0) + 1),
      lastTriggeredAt: existing?.lastTriggeredAt ?? null,
      lastDecision: existing?.lastDecision ?? null,
    };
    if (existing) await updateReceiver(store, record);
    else await insertReceiver(store, record);
  }
  await deleteProvisionedExcept(store, inputs.map((i) => i.id ?? ''));
}

export { listReceivers };
