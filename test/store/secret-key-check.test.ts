import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Store } from '../../src/store/database.js';
import { SecretKeyMismatch, verifySecretKey } from '../../src/store/secret-key-check.js';
import { SecretBox } from '../../src/store/secrets.js';
import { DIALECTS, storeForSuite } from '../support/dialects.js';

const first = SecretBox.fromKey(randomBytes(32));
const other = SecretBox.fromKey(randomBytes(32));

for (const dialect of DIALECTS) {
  describe(`the secret key check on ${dialect}`, () => {
    let store: Store;
    storeForSuite(dialect, (opened) => (store = opened));

    it('a database from before the check refuses a key that cannot open its stored secrets', async () => {
      await store.db
        .insertInto('receivers')
        .values({
          id: 'r1',
          name: 'scale-web',
          kind: 'http',
          enabled: 1,
          provisioned: 0,
          settings: JSON.stringify({ action: { auth: { bearer_token: first.seal('s3cret') } } }),
          token_hashes: '[]',
          created_at: 0,
          updated_at: 0,
          last_triggered_at: null,
          last_decision: null,
        })
        .execute();
      await assert.rejects(verifySecretKey(store, other), (error: unknown) => {
        assert.ok(error instanceof SecretKeyMismatch);
        assert.match(error.message, /receiver's secrets.*same ALERTWIRE_SECRET_KEY/);
        return true;
      });
      assert.equal((await store.db.selectFrom('settings').selectAll().execute()).length, 0, 'a refused key records nothing');
    });

    it('the first key to start is recorded; a replica with another key refuses to start, the same key starts', async () => {
      await verifySecretKey(store, first);
      await assert.rejects(verifySecretKey(store, other), SecretKeyMismatch);
      await verifySecretKey(store, first);
      await store.db.deleteFrom('receivers').execute();
      await assert.rejects(verifySecretKey(store, other), SecretKeyMismatch, 'the check holds with no secret stored');
    });
  });
}
