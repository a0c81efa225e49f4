import type { Store } from './database.js';
import type { ReceiverRow } from './tables.js';

/** A hash of a receiver token; the token itself is never stored. */
export interface TokenHash {
  hash: string;
  createdAt: number;
  /** Set when a rotation replaced it: valid until then. */
  expiresAt: number | null;
}

export interface ReceiverRecord {
  id: string;
  name: string;
  kind: string;
  enabled: boolean;
  provisioned: boolean;
  /** Settings as stored: secret fields sealed. */
  settings: Record<string, unknown>;
  tokenHashes: TokenHash[];
  createdAt: number;
  updatedAt: number;
  lastTriggeredAt: number | null;
  lastDecision: string | null;
}

function fromRow(row: ReceiverRow): ReceiverRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    enabled: row.enabled === 1,
    provisioned: row.provisioned === 1,
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    tokenHashes: JSON.parse(row.token_hashes) as TokenHash[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastTriggeredAt: row.last_triggered_at,
    lastDecision: row.last_decision,
  };
}

function toRow(r: ReceiverRecord): ReceiverRow {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    enabled: r.enabled ? 1 : 0,
    provisioned: r.provisioned ? 1 : 0,
    settings: JSON.stringify(r.settings),
    token_hashes: JSON.stringify(r.tokenHashes),
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    last_triggered_at: r.lastTriggeredAt,
    last_decision: r.lastDecision,
  };
}

export async function getReceiver(store: Store, id: string): Promise<ReceiverRecord | undefined> {
  const row = await store.db.selectFrom('receivers').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function listReceivers(store: Store): Promise<ReceiverRecord[]> {
  return (await store.db.selectFrom('receivers').selectAll().orderBy('created_at').orderBy('id').execute()).map(fromRow);
}

export async function insertReceiver(store: Store, r: ReceiverRecord): Promise<void> {
  await store.db.insertInto('receivers').values(toRow(r)).execute();
}

/** Replaces a receiver's definition, keeping its trigger history columns. */
export async function updateReceiver(store: Store, r: ReceiverRecord): Promise<boolean> {
  const row = toRow(r);
  const result = await store.db
    .updateTable('receivers')
    .set({
      name: row.name,
      kind: row.kind,
      enabled: row.enabled,
      provisioned: row.provisioned,
      settings: row.settings,
      token_hashes: row.token_hashes,
      updated_at: row.updated_at,
    })
    .where('id', '=', r.id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteReceiver(store: Store, id: string): Promise<boolean> {
  const result = await store.db.deleteFrom('receivers').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function recordTrigger(store: Store, id: string, decision: string, at: number): Promise<void> {
  await store.db.updateTable('receivers').set({ last_triggered_at: at, last_decision: decision }).where('id', '=', id).execute();
}

/** Provisioned receivers no longer in the file are removed; their executions stay. */
export async function deleteProvisionedExcept(store: Store, keep: readonly string[]): Promise<void> {
  let q = store.db.deleteFrom('receivers').where('provisioned', '=', 1);
  if (keep.length > 0) q = q.where('id', 'not in', keep);
  await q.execute();
}
