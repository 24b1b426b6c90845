import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { NIL_UUID } from '../../../src/store/timestamp.ts';
import { dialects, refused, useEnv } from './helpers.ts';

for (const dialect of dialects) {
  describe(`access keys (${dialect})`, () => {
    const env = useEnv(dialect);

    it('creates rk_<prefix>_<secret>, stores only prefix and sha256, authenticates from memory', async () => {
      const c = await env.tenant();
      const k = await env.dir.accessKeys.create(c.id, 'customer', 'ci');
      assert.match(k.key, /^rk_[0-9a-f]{10}_[A-Za-z0-9_-]{43}$/);
      assert.equal(k.key_prefix, k.key.slice(3, 13));
      assert.equal(k.role, 'customer');
      assert.equal(k.customer_id, c.id);
      const row = await env.store.repos.access_keys.get(c.id, k.id);
      assert.equal(row?.key_hash, createHash('sha256').update(k.key).digest('hex'));
      assert.equal(JSON.stringify(row).includes(k.key.slice(14)), false, 'the secret is not stored');
      assert.deepEqual(env.dir.accessKeys.authenticate(k.key), {
        keyId: k.id,
        role: 'customer',
        customerId: c.id,
      });
      const listed = await env.dir.accessKeys.list(c.id, {});
      assert.deepEqual(Object.keys(listed.result[0]).sort(), [
        'customer_id',
        'id',
        'key_prefix',
        'name',
        'role',
        'tm_create',
        'tm_delete',
        'tm_update',
      ]);
    });

    it('refuses unknown, malformed and tampered keys', async () => {
      const c = await env.tenant();
      const k = await env.dir.accessKeys.create(c.id, 'customer');
      const last = k.key.at(-1) === 'A' ? 'B' : 'A';
      assert.equal(env.dir.accessKeys.authenticate(k.key.slice(0, -1) + last), undefined);
      assert.equal(env.dir.accessKeys.authenticate('rk_0000000000_' + 'A'.repeat(43)), undefined);
      assert.equal(env.dir.accessKeys.authenticate(''), undefined);
      assert.equal(env.dir.accessKeys.authenticate(`${k.key} `), undefined);
    });

    it('revoking (delete) stops the key at once; another tenant cannot see or revoke it', async () => {
      const a = await env.tenant();
      const b = await env.tenant();
      const k = await env.dir.accessKeys.create(a.id, 'customer');
      await refused(env.dir.accessKeys.get(b.id, k.id), 404, 'ACCESSKEY_NOT_FOUND');
      await refused(env.dir.accessKeys.delete(b.id, k.id), 404, 'ACCESSKEY_NOT_FOUND');
      assert.ok(env.dir.accessKeys.authenticate(k.key));
      assert.equal((await env.dir.accessKeys.get(a.id, k.id)).id, k.id);
      await env.dir.accessKeys.delete(a.id, k.id);
      assert.equal(env.dir.accessKeys.authenticate(k.key), undefined);
      await refused(env.dir.accessKeys.get(a.id, k.id), 404, 'ACCESSKEY_NOT_FOUND');
    });

    it('admin keys belong to the nil customer; an admin key for a customer is refused', async () => {
      const admin = await env.dir.accessKeys.create(NIL_UUID, 'admin', 'root');
      assert.equal(admin.customer_id, NIL_UUID);
      assert.deepEqual(env.dir.accessKeys.authenticate(admin.key), {
        keyId: admin.id,
        role: 'admin',
        customerId: NIL_UUID,
      });
      const c = await env.tenant();
      await refused(env.dir.accessKeys.create(c.id, 'admin'), 400, 'VALIDATION_FAILED', '/customer_id');
      await refused(env.dir.accessKeys.create(crypto.randomUUID(), 'customer'), 404, 'CUSTOMER_NOT_FOUND');
    });

    it('keys keep working after a restart (loaded from the store)', async () => {
      const c = await env.tenant();
      const k = await env.dir.accessKeys.create(c.id, 'customer');
      const again = await env.reopen();
      assert.equal(again.accessKeys.authenticate(k.key)?.keyId, k.id);
    });
  });
}
