import { Transaction, type Selectable } from 'kysely';
import type { Store } from './database.js';
import { dropQueued, requeueFailedSince, requeueOne, resumePaused } from './deliveries.js';
import type { Database } from './tables.js';

/** Contact points and their grouping state. `config` holds JSON whose secrets are sealed. */
export interface ContactPointsTable {
  id: string;
  name: string;
  enabled: number;
  provisioned: number;
  config: string;
  disabled_reason: string | null;
  created_at: number;
  updated_at: number;
}

export interface NotifyGroupsTable {
  contact_point_id: string;
  group_key: string;
  group_labels: string;
  seq: number;
  created_at: number;
  next_flush_at: number;
  last_sent_at: number | null;
  /** JSON arrays of the fingerprints the last sent notification had firing and resolved. */
  last_firing: string;
  last_resolved: string;
}

export interface NotifyGroupAlertsTable {
  contact_point_id: string;
  group_key: string;
  fingerprint: string;
  alert: string;
  updated_at: number;
}


export type ContactPointRow = Selectable<ContactPointsTable>;
export type NotifyGroupRow = Selectable<NotifyGroupsTable>;
type AnyTrx = Transaction<Database>;

export async function listContactPointRows(store: Store, filter: { enabledOnly?: boolean } = {}): Promise<ContactPointRow[]> {
  let q = store.db.selectFrom('contact_points').selectAll();
  if (filter.enabledOnly) q = q.where('enabled', '=', 1);
  return q.orderBy('name').execute();
}

/** Just enough to tell which cached contact points changed since they were parsed. */
export async function contactPointVersions(store: Store): Promise<{ id: string; updated_at: number; enabled: number }[]> {
  return store.db.selectFrom('contact_points').select(['id', 'updated_at', 'enabled']).execute();
}

export async function getContactPointRow(store: Store, id: string): Promise<ContactPointRow | undefined> {
  return store.db.selectFrom('contact_points').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findContactPointByName(store: Store, name: string): Promise<ContactPointRow | undefined> {
  return store.db.selectFrom('contact_points').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function insertContactPointRow(store: Store, row: ContactPointRow): Promise<void> {
  await store.db.insertInto('contact_points').values(row).execute();
}

export async function updateContactPointRow(
  store: Store | AnyTrx,
  id: string,
  changes: Partial<Omit<ContactPointRow, 'id' | 'created_at'>>,
): Promise<boolean> {
  const target = store instanceof Transaction ? store : store.db;
  const r = await target.updateTable('contact_points').set(changes).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteContactPointRow(trx: AnyTrx, id: string): Promise<boolean> {
  const t = trx;
  await t.deleteFrom('notify_group_alerts').where('contact_point_id', '=', id).execute();
  await t.deleteFrom('notify_groups').where('contact_point_id', '=', id).execute();
  const r = await t.deleteFrom('contact_points').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Deletes a contact point, its groups, and drops what waits to be delivered to it, in one transaction. */
export async function deleteContactPoint(store: Store, id: string, now: number): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await dropQueued(trx, id, now);
    await deleteContactPointRow(trx, id);
  });
}

/**
 * Writes a contact point's new settings, and in the same transaction drops what waits for it
 * (`queued: 'drop'`) or, when it is enabled, sends again what waited paused (`'resume'`).
 * Returns how many deliveries were resumed.
 */
export async function saveContactPoint(
  store: Store,
  id: string,
  changes: Partial<Omit<ContactPointRow, 'id' | 'created_at'>>,
  queued: 'drop' | 'resume' | 'keep',
  now: number,
): Promise<number> {
  return store.db.transaction().execute(async (trx) => {
    await updateContactPointRow(trx, id, changes);
    if (queued === 'drop') await dropQueued(trx, id, now);
    return queued === 'resume' ? resumePaused(trx, id, now) : 0;
  });
}

/** Queues again the failed deliveries of a contact point since `since`; returns how many. */
export function requeueFailedDeliveries(store: Store, contactPointId: string, since: number, now: number): Promise<number> {
  return store.db.transaction().execute((trx) => requeueFailedSince(trx, contactPointId, since, now));
}

/** Queues one delivery again (same webhook-id, same body), whatever its state; 0 when unknown. */
export function requeueDelivery(store: Store, deliveryId: string, now: number): Promise<number> {
  return store.db.transaction().execute((trx) => requeueOne(trx, deliveryId, now));
}

/**
 * Makes the provisioned contact points exactly `rows`: inserts new ones, replaces changed ones
 * (keeping their creation time and enabled state), removes those no longer provisioned.
 */
export async function syncProvisioned(store: Store, rows: readonly ContactPointRow[]): Promise<{ removed: string[] }> {
  return store.db.transaction().execute(async (trx) => {
    const t = trx;
    const existing = await t.selectFrom('contact_points').selectAll().where('provisioned', '=', 1).execute();
    const wanted = new Set(rows.map((r) => r.id));
    const removed = existing.filter((r) => !wanted.has(r.id)).map((r) => r.id);
    for (const id of removed) await deleteContactPointRow(trx, id);
    for (const row of rows) {
      const before = await t.selectFrom('contact_points').selectAll().where('id', '=', row.id).executeTakeFirst();
      if (!before) {
        await t.insertInto('contact_points').values(row).execute();
      } else if (before.config !== row.config || before.name !== row.name || before.provisioned !== 1) {
        await t
          .updateTable('contact_points')
          .set({ name: row.name, config: row.config, provisioned: 1, updated_at: row.updated_at, enabled: row.enabled })
          .where('id', '=', row.id)
          .execute();
      }
    }
    return { removed };
  });
}

// --- grouping state -------------------------------------------------------------------------

/** Creates the group unless it exists; returns true when it was created. */
export async function createGroupIfAbsent(trx: AnyTrx, row: Selectable<NotifyGroupsTable>): Promise<boolean> {
  const r = await trx
    .insertInto('notify_groups')
    .values(row)
    .onConflict((oc) => oc.columns(['contact_point_id', 'group_key']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function upsertGroupAlerts(trx: AnyTrx, rows: readonly Selectable<NotifyGroupAlertsTable>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await trx
      .insertInto('notify_group_alerts')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) =>
        oc.columns(['contact_point_id', 'group_key', 'fingerprint']).doUpdateSet((eb) => ({
          alert: eb.ref('excluded.alert'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

/** The group's row, locked for the transaction on PostgreSQL so one flush runs at a time. */
export async function loadGroupForUpdate(trx: AnyTrx, store: Store, contactPointId: string, groupKey: string): Promise<NotifyGroupRow | undefined> {
  let q = trx
    .selectFrom('notify_groups')
    .selectAll()
    .where('contact_point_id', '=', contactPointId)
    .where('group_key', '=', groupKey);
  if (store.dialect === 'postgres') q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function loadGroupAlerts(trx: AnyTrx, contactPointId: string, groupKey: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('notify_group_alerts')
    .select('alert')
    .where('contact_point_id', '=', contactPointId)
    .where('group_key', '=', groupKey)
    .orderBy('fingerprint')
    .execute();
  return rows.map((r) => r.alert);
}

export async function removeGroupAlerts(trx: AnyTrx, contactPointId: string, groupKey: string, fingerprints: readonly string[]): Promise<void> {
  for (let i = 0; i < fingerprints.length; i += 500) {
    await trx
      .deleteFrom('notify_group_alerts')
      .where('contact_point_id', '=', contactPointId)
      .where('group_key', '=', groupKey)
      .where('fingerprint', 'in', fingerprints.slice(i, i + 500))
      .execute();
  }
}

export async function updateGroup(
  trx: AnyTrx,
  contactPointId: string,
  groupKey: string,
  changes: Partial<Pick<NotifyGroupRow, 'seq' | 'next_flush_at' | 'last_sent_at' | 'last_firing' | 'last_resolved'>>,
): Promise<void> {
  await trx
    .updateTable('notify_groups')
    .set(changes)
    .where('contact_point_id', '=', contactPointId)
    .where('group_key', '=', groupKey)
    .execute();
}

export async function deleteGroup(trx: AnyTrx, contactPointId: string, groupKey: string): Promise<void> {
  const t = trx;
  await t.deleteFrom('notify_group_alerts').where('contact_point_id', '=', contactPointId).where('group_key', '=', groupKey).execute();
  await t.deleteFrom('notify_groups').where('contact_point_id', '=', contactPointId).where('group_key', '=', groupKey).execute();
}

export async function listGroups(store: Store, contactPointId: string): Promise<NotifyGroupRow[]> {
  return store.db.selectFrom('notify_groups').selectAll().where('contact_point_id', '=', contactPointId).orderBy('group_key').execute();
}
