import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, refused, unknownId, useEnv } from './helpers.ts';

for (const dialect of dialects) {
  describe(`groups (${dialect})`, () => {
    const env = useEnv(dialect);

    async function phones(customerId: string, n: number, ownerId?: string) {
      const out = [];
      for (let i = 0; i < n; i++) {
        out.push(
          await env.dir.devices.create(customerId, {
            name: `p${i}`,
            owner_id: ownerId,
            sip_username: `${ownerId ?? 'x'}-${i}-${Math.random().toString(36).slice(2, 8)}`,
            sip_password: 'password1',
          }),
        );
      }
      return out;
    }

    it('stores endpoints in order and the cache expands nested groups depth first without duplicates', async () => {
      const c = await env.tenant();
      const u = await env.dir.users.create(c.id, { name: 'Ann' });
      const [ud1, ud2] = await phones(c.id, 2, u.id);
      const [d1, d2, d3] = await phones(c.id, 3);
      const inner = await env.dir.groups.create(c.id, {
        name: 'inner',
        endpoints: { [d2.id]: { type: 'device' }, [ud1.id]: { type: 'device' } },
      });
      const top = await env.dir.groups.create(c.id, {
        name: 'top',
        endpoints: {
          [d1.id]: { type: 'device' },
          [inner.id]: { type: 'group' },
          [u.id]: { type: 'user' },
          [d3.id]: { type: 'device' },
        },
      });
      assert.deepEqual(Object.keys(top.endpoints), [d1.id, inner.id, u.id, d3.id]);
      assert.deepEqual(env.dir.cache.expandGroup(c.id, top.id), [d1.id, d2.id, ud1.id, ud2.id, d3.id]);
      assert.deepEqual([...env.dir.cache.groupsOfUser(c.id, u.id)].sort(), [inner.id, top.id].sort());
      assert.equal(env.dir.cache.group(c.id, top.id)?.name, 'top');
    });

    it('members must exist in the tenant with the stated type: 400 REFERENCE_NOT_FOUND at /endpoints/<id>', async () => {
      const c = await env.tenant();
      const other = await env.tenant();
      const [d] = await phones(c.id, 1);
      const [foreign] = await phones(other.id, 1);
      const missing = unknownId();
      await refused(
        env.dir.groups.create(c.id, { name: 'g', endpoints: { [missing]: { type: 'device' } } }),
        400,
        'REFERENCE_NOT_FOUND',
        `/endpoints/${missing}`,
      );
      await refused(
        env.dir.groups.create(c.id, { name: 'g', endpoints: { [d.id]: { type: 'user' } } }),
        400,
        'REFERENCE_NOT_FOUND',
        `/endpoints/${d.id}`,
      );
      await refused(
        env.dir.groups.create(c.id, { name: 'g', endpoints: { [foreign.id]: { type: 'device' } } }),
        400,
        'REFERENCE_NOT_FOUND',
      );
      await refused(
        env.dir.groups.create(c.id, { name: 'g', endpoints: { [d.id]: { type: 'queue' } } } as never),
        400,
        'VALIDATION_FAILED',
      );
      assert.equal(await env.store.repos.groups.count(c.id), 0);
    });

    it('refuses cycles, self included, with GROUP_CYCLE listing the cycle; the stored group is unchanged', async () => {
      const c = await env.tenant();
      const a = await env.dir.groups.create(c.id, { name: 'a' });
      const b = await env.dir.groups.create(c.id, { name: 'b', endpoints: { [a.id]: { type: 'group' } } });
      const cc = await env.dir.groups.create(c.id, { name: 'c', endpoints: { [b.id]: { type: 'group' } } });
      const self = await refused(
        env.dir.groups.update(c.id, a.id, { endpoints: { [a.id]: { type: 'group' } } }),
        400,
        'GROUP_CYCLE',
      );
      assert.deepEqual(self.details[0].ids, [a.id, a.id]);
      const e = await refused(
        env.dir.groups.update(c.id, a.id, { endpoints: { [cc.id]: { type: 'group' } } }),
        400,
        'GROUP_CYCLE',
        '/endpoints',
      );
      assert.deepEqual(e.details[0].ids, [a.id, cc.id, b.id, a.id]);
      assert.ok(e.message.includes(cc.id) && e.message.includes(b.id), e.message);
      assert.deepEqual((await env.dir.groups.get(c.id, a.id)).endpoints, {});
    });

    it('updates endpoints; expansion follows at once', async () => {
      const c = await env.tenant();
      const [d1, d2] = await phones(c.id, 2);
      const g = await env.dir.groups.create(c.id, { name: 'g', endpoints: { [d1.id]: { type: 'device' } } });
      assert.deepEqual(env.dir.cache.expandGroup(c.id, g.id), [d1.id]);
      const up = await env.dir.groups.update(c.id, g.id, { endpoints: { [d2.id]: { type: 'device' } } });
      assert.equal(up.name, 'g');
      assert.deepEqual(env.dir.cache.expandGroup(c.id, g.id), [d2.id]);
      await env.dir.groups.update(c.id, g.id, { name: 'renamed' });
      assert.deepEqual(env.dir.cache.expandGroup(c.id, g.id), [d2.id]);
      assert.equal(env.dir.cache.group(c.id, g.id)?.name, 'renamed');
    });

    it('delete of a referenced group: 409, or force drops parent entries, monitor entries and callflow nodes', async () => {
      const c = await env.tenant();
      const g = await env.dir.groups.create(c.id, { name: 'g' });
      const parent = await env.dir.groups.create(c.id, {
        name: 'parent',
        endpoints: { [g.id]: { type: 'group' } },
      });
      const u = await env.dir.users.create(c.id, { name: 'U', monitor: [g.id] });
      const cf = await env.dir.callflows.create(c.id, {
        numbers: ['8000'],
        flow: { module: 'group_pickup', data: { group_id: g.id } },
      });
      const agent = await env.dir.agents.create(c.id, {
        name: 'A',
        addresses: [{ type: 'group', target: g.id }],
      });
      const e = await refused(env.dir.groups.delete(c.id, g.id), 409, 'RESOURCE_IN_USE');
      assert.deepEqual(e.details.map((d) => d.ids?.[0]).sort(), [parent.id, u.id, cf.id, agent.id].sort());
      await env.dir.groups.delete(c.id, g.id, { force: true });
      assert.deepEqual((await env.dir.groups.get(c.id, parent.id)).endpoints, {});
      assert.deepEqual((await env.dir.users.get(c.id, u.id)).monitor, []);
      assert.deepEqual((await env.dir.callflows.get(c.id, cf.id)).flow, {
        module: 'hangup',
        data: {},
        children: {},
      });
      assert.deepEqual((await env.dir.agents.get(c.id, agent.id)).addresses, []);
      assert.equal(env.dir.cache.group(c.id, g.id), undefined);
      assert.deepEqual(env.dir.cache.expandGroup(c.id, g.id), []);
    });
  });
}
