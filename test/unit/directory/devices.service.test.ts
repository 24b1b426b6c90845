import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { NIL_UUID } from '../../../src/store/timestamp.ts';
import { dialects, refused, unknownId, useEnv } from './helpers.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

for (const dialect of dialects) {
  describe(`devices (${dialect})`, () => {
    const env = useEnv(dialect);

    it('stores the password only as HA1 for the tenant domain (checked by hand)', async () => {
      const c = await env.dir.customers.create({ name: 'H', domain: 'HA1.example.com' });
      const d = await env.dir.devices.create(c.id, {
        name: 'desk',
        sip_username: 'alice',
        sip_password: 'wonderland',
      });
      assert.deepEqual(Object.keys(d).sort(), [
        'customer_id',
        'enabled',
        'id',
        'name',
        'owner_id',
        'sip_username',
        'tm_create',
        'tm_delete',
        'tm_update',
      ]);
      assert.equal(d.enabled, true);
      assert.equal(d.owner_id, NIL_UUID);
      const row = await env.store.repos.devices.get(c.id, d.id);
      // computed by hand: printf 'alice:ha1.example.com:wonderland' | md5sum / sha256sum
      assert.equal(row?.ha1_md5, 'f0383371e948a083fb48230d300c366e');
      assert.equal(row?.ha1_sha256, '9922e8a4cb1dca1978064cd3b9d12cd526acef9b8f80ed1c640023a9621a5882');
      assert.equal(JSON.stringify(row).includes('wonderland'), false);
      const entry = env.dir.cache.deviceBySipUsername(c.id, 'alice');
      assert.equal(entry?.ha1Md5, row?.ha1_md5);
      assert.equal(entry?.ha1Sha256, row?.ha1_sha256);
    });

    it('owner_id must be a user of the tenant; devicesOfUser lists them in creation order', async () => {
      const c = await env.tenant();
      const other = await env.tenant();
      const u = await env.dir.users.create(c.id, { name: 'Ann' });
      const stranger = await env.dir.users.create(other.id, { name: 'S' });
      const d1 = await env.dir.devices.create(c.id, {
        name: 'a',
        owner_id: u.id,
        sip_username: 'a1',
        sip_password: 'password1',
      });
      const d2 = await env.dir.devices.create(c.id, {
        name: 'b',
        owner_id: u.id,
        sip_username: 'a2',
        sip_password: 'password1',
        enabled: false,
      });
      assert.equal(d2.enabled, false);
      assert.deepEqual(
        env.dir.cache.devicesOfUser(c.id, u.id).map((d) => d.id),
        [d1.id, d2.id],
      );
      await refused(
        env.dir.devices.create(c.id, {
          name: 'x',
          owner_id: stranger.id,
          sip_username: 'x1',
          sip_password: 'password1',
        }),
        400,
        'REFERENCE_NOT_FOUND',
        '/owner_id',
      );
      await refused(
        env.dir.devices.create(c.id, {
          name: 'x',
          owner_id: 'not-a-uuid',
          sip_username: 'x1',
          sip_password: 'password1',
        }),
        400,
        'VALIDATION_FAILED',
        '/owner_id',
      );
    });

    it('sip_username is unique per tenant (409 SIP_USERNAME_TAKEN), free across tenants', async () => {
      const a = await env.tenant();
      const b = await env.tenant();
      const d = await env.dir.devices.create(a.id, {
        name: 'p',
        sip_username: '100',
        sip_password: 'password1',
      });
      const e = await refused(
        env.dir.devices.create(a.id, { name: 'q', sip_username: '100', sip_password: 'password1' }),
        409,
        'SIP_USERNAME_TAKEN',
        '/sip_username',
      );
      assert.deepEqual(e.details[0].ids, [d.id]);
      await env.dir.devices.create(b.id, { name: 'q', sip_username: '100', sip_password: 'password1' });
      const d2 = await env.dir.devices.create(a.id, {
        name: 'r',
        sip_username: '101',
        sip_password: 'password1',
      });
      await refused(
        env.dir.devices.update(a.id, d2.id, { sip_username: '100', sip_password: 'password2' }),
        409,
        'SIP_USERNAME_TAKEN',
      );
    });

    it('a new sip_username needs a new password (400, says why); with it the HA1s are recomputed', async () => {
      const c = await env.tenant();
      const d = await env.dir.devices.create(c.id, {
        name: 'p',
        sip_username: 'old',
        sip_password: 'password1',
      });
      const e = await refused(
        env.dir.devices.update(c.id, d.id, { sip_username: 'new' }),
        400,
        'VALIDATION_FAILED',
        '/sip_password',
      );
      assert.match(e.message, /HA1/);
      const up = await env.dir.devices.update(c.id, d.id, { sip_username: 'new', sip_password: 'password2' });
      assert.equal(up.sip_username, 'new');
      const row = await env.store.repos.devices.get(c.id, d.id);
      assert.equal(row?.ha1_md5, md5(`new:${c.domain}:password2`));
      assert.equal(env.dir.cache.deviceBySipUsername(c.id, 'old'), undefined);
      assert.equal(env.dir.cache.deviceBySipUsername(c.id, 'new')?.id, d.id);
      // a password change alone keeps the user name
      await env.dir.devices.update(c.id, d.id, { sip_password: 'password3' });
      assert.equal(
        (await env.store.repos.devices.get(c.id, d.id))?.ha1_sha256,
        sha256(`new:${c.domain}:password3`),
      );
      // the same user name is not a change
      await env.dir.devices.update(c.id, d.id, { sip_username: 'new', enabled: false });
      assert.equal(env.dir.cache.device(c.id, d.id)?.enabled, false);
    });

    it('validates input (password length, unknown fields)', async () => {
      const c = await env.tenant();
      await refused(
        env.dir.devices.create(c.id, { name: 'p', sip_username: 'a', sip_password: 'short' }),
        400,
        'VALIDATION_FAILED',
        '/sip_password',
      );
      await refused(
        env.dir.devices.create(c.id, { name: 'p', sip_username: 'a' } as never),
        400,
        'VALIDATION_FAILED',
        '/sip_password',
      );
      await refused(
        env.dir.devices.create(c.id, { name: 'p', sip_username: 'a b', sip_password: 'password1' }),
        400,
        'VALIDATION_FAILED',
        '/sip_username',
      );
    });

    it('delete of a referenced device: 409, or force drops group entries, ring_group endpoints and agent addresses', async () => {
      const c = await env.tenant();
      const d = await env.dir.devices.create(c.id, {
        name: 'p',
        sip_username: '100',
        sip_password: 'password1',
      });
      const keep = await env.dir.devices.create(c.id, {
        name: 'q',
        sip_username: '101',
        sip_password: 'password1',
      });
      const g = await env.dir.groups.create(c.id, {
        name: 'G',
        endpoints: { [d.id]: { type: 'device' }, [keep.id]: { type: 'device' } },
      });
      const cf = await env.dir.callflows.create(c.id, {
        numbers: ['500'],
        flow: {
          module: 'ring_group',
          data: {
            endpoints: [
              { id: d.id, endpoint_type: 'device' },
              { id: keep.id, endpoint_type: 'device' },
            ],
            timeout: 30,
          },
          children: { _: { module: 'group_pickup', data: { device_id: d.id } } },
        },
      });
      const agent = await env.dir.agents.create(c.id, {
        name: 'A',
        addresses: [
          { type: 'device', target: d.id },
          { type: 'sip', target: 'sip:a@b' },
        ],
      });
      const e = await refused(env.dir.devices.delete(c.id, d.id), 409, 'RESOURCE_IN_USE');
      assert.equal(e.details.length, 3);
      assert.deepEqual(env.dir.cache.expandGroup(c.id, g.id), [d.id, keep.id]);

      await env.dir.devices.delete(c.id, d.id, { force: true });
      assert.deepEqual((await env.dir.groups.get(c.id, g.id)).endpoints, { [keep.id]: { type: 'device' } });
      assert.deepEqual((await env.dir.callflows.get(c.id, cf.id)).flow, {
        module: 'ring_group',
        data: { endpoints: [{ id: keep.id, endpoint_type: 'device' }], timeout: 30 },
        children: { _: { module: 'hangup', data: {}, children: {} } },
      });
      assert.deepEqual(
        (await env.dir.agents.get(c.id, agent.id)).addresses.map((a) => a.type),
        ['sip'],
      );
      assert.deepEqual(env.dir.cache.expandGroup(c.id, g.id), [keep.id]);
      assert.equal(env.dir.cache.deviceBySipUsername(c.id, '100'), undefined);
      await refused(env.dir.devices.get(c.id, d.id), 404, 'DEVICE_NOT_FOUND');
      await refused(env.dir.devices.delete(c.id, unknownId()), 404, 'DEVICE_NOT_FOUND');
    });
  });
}
