import type { Store } from './database.js';

/** The `sessions` table (migration 0005). Times are epoch milliseconds. */
export interface SessionsTable {
  id_hash: string;
  subject: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export interface SessionRecord {
  subject: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}


export async function insertSession(store: Store, idHash: string, subject: string, now: number, expiresAt: number): Promise<void> {
  await store.db.insertInto('sessions').values({ id_hash: idHash, subject, created_at: now, last_seen_at: now, expires_at: expiresAt }).execute();
}

/** A live session, or undefined when unknown or expired. */
export async function findSession(store: Store, idHash: string, now: number): Promise<SessionRecord | undefined> {
  const row = await store.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).where('expires_at', '>', now).executeTakeFirst();
  return row && { subject: row.subject, createdAt: row.created_at, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at };
}

export async function touchSession(store: Store, idHash: string, now: number, expiresAt: number): Promise<void> {
  await store.db.updateTable('sessions').set({ last_seen_at: now, expires_at: expiresAt }).where('id_hash', '=', idHash).execute();
}

export async function deleteSession(store: Store, idHash: string): Promise<void> {
  await store.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

export async function purgeExpiredSessions(store: Store, now: number): Promise<number> {
  const result = await store.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
