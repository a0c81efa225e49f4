import type { Store } from './database.js';
import type { SecretBox } from './secrets.js';

const CHECK_NAME = 'secret_key_check';
const CHECK_PLAIN = 'alertwire secret key check';

export class SecretKeyMismatch extends Error {
  constructor(what: string) {
    super(
      `the secret key cannot decrypt ${what} stored in this database: every replica must use the same key ` +
        '(set the same ALERTWIRE_SECRET_KEY everywhere, or copy secret.key from the data directory of the first replica)',
    );
  }
}

function opens(secrets: SecretBox, sealed: string): boolean {
  try {
    return secrets.open(sealed) !== undefined;
  } catch {
    return false;
  }
}

/** The first sealed value found in a JSON document, if any. */
function firstSealed(json: string): string | undefined {
  const found = /"(enc:v1:[A-Za-z0-9_\-.]+)"/.exec(json);
  return found?.[1];
}

/**
 * Refuses to start with a key that differs from the one the stored secrets were sealed with:
 * otherwise a replica would start and fail every delivery and action that needs a secret.
 * The first start records a sealed check value; a database from before the check is judged
 * by one secret of each table that has any.
 */
export async function verifySecretKey(store: Store, secrets: SecretBox): Promise<void> {
  const check = await store.db.selectFrom('settings').select('value').where('name', '=', CHECK_NAME).executeTakeFirst();
  if (check) {
    if (!opens(secrets, check.value)) throw new SecretKeyMismatch('the key check value');
    return;
  }
  const receivers = await store.db.selectFrom('receivers').select('settings').execute();
  const contactPoints = await store.db.selectFrom('contact_points').select('config').execute();
  const receiverSecret = receivers.map((r) => firstSealed(r.settings)).find((s) => s !== undefined);
  if (receiverSecret && !opens(secrets, receiverSecret)) throw new SecretKeyMismatch("a receiver's secrets");
  const contactPointSecret = contactPoints.map((c) => firstSealed(c.config)).find((s) => s !== undefined);
  if (contactPointSecret && !opens(secrets, contactPointSecret)) throw new SecretKeyMismatch("a contact point's secrets");
  await store.db
    .insertInto('settings')
    .values({ name: CHECK_NAME, value: secrets.seal(CHECK_PLAIN) })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  // Two replicas starting at once: the check that won is the one to match.
  const stored = await store.db.selectFrom('settings').select('value').where('name', '=', CHECK_NAME).executeTakeFirstOrThrow();
  if (!opens(secrets, stored.value)) throw new SecretKeyMismatch('the key check value');
}

