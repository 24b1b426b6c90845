import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NOT_YET } from '../../../src/store/timestamp.ts';
import { dialects, refused, unknownId, useEnv } from './helpers.ts';

for (const dialect of dialects) {
  describe(`users (${dialect})`, () => {
    const env = useEnv(dialect);

    it('stores named groups from either input form as lists; the cache indexes call groups', async () => {
      const c = await env.tenant();
      const u = await env.dir.users.create(c.id, {
        name: 'Ann',
        call_groups: ' sales, support ,sales',
        pickup_groups: ['sales'],
      });
      assert.deepEqual(u.call_groups, ['sales', 'support']);
      assert.deepEqual(u.pickup_groups, ['sales']);
      assert.deepEqual(u.monitor, []);
      assert.equal(u.tm_update, NOT_YET);
      assert.equal(u.tm_delete, NOT_YET);
      const row = await env.store.repos.users.get(c.id, u.id);
      assert.deepEqual(row?.call_groups, ['sales', 'support']);
      assert.deepEqual(env.dir.cache.usersInCallGroup(c.id, 'support'), [u.id]);
      assert.deepEqual(env.dir.cache.user(c.id, u.id)?.pickup_groups, ['sales']);
    });

    it('refuses bad group names with 400 INVALID_GROUP_NAME and the index path, storing nothing', async () => {
      const c = await env.tenant();
      await refused(
        env.dir.users.create(c.id, { name: 'x', call_groups: ['ok', 'cg_x'] }),
        400,
        'INVALID_GROUP_NAME',
        '/call_groups/1',
      );
      await refused(
        env.dir.users.create(c.id, { name: 'x', pickup_groups: 'a,b,42' }),
        400,
        'INVALID_GROUP_NAME',
        '/pickup_groups/2',
      );
      await refused(
        env.dir.users.create(c.id, { name: 'x', call_groups: 'a b' }),
        400,
        'INVALID_GROUP_NAME',
        '/call_groups/0',
      );
      const long = Array.from({ length: 300 }, (_, i) => `g${i}`);
      await refused(
        env.dir.users.create(c.id, { name: 'x', call_groups: long }),
        400,
        'INVALID_GROUP_NAME',
        '/call_groups',
      );
      await refused(
        env.dir.users.create(c.id, { name: 'x', call_groups: 'x'.repeat(1025) }),
        400,
        'VALIDATION_FAILED',
        '/call_groups',
      );
      assert.equal(await env.store.repos.users.count(c.id), 0);
    });

    it('monitor accepts "*", users and groups of the tenant; anything else is 400 REFERENCE_NOT_FOUND at /monitor/i', async () => {
      const c = await env.tenant();
      const other = await env.tenant();
      const boss = await env.dir.users.create(c.id, { name: 'Boss' });
      const g = await env.dir.groups.create(c.id, { name: 'G' });
      const foreign = await env.dir.users.create(other.id, { name: 'Foreign' });
      const u = await env.dir.users.create(c.id, { name: 'Ann', monitor: ['*', boss.id, g.id, boss.id] });
      assert.deepEqual(u.monitor, ['*', boss.id, g.id]);
      await refused(
        env.dir.users.create(c.id, { name: 'x', monitor: [boss.id, foreign.id] }),
        400,
        'REFERENCE_NOT_FOUND',
        '/monitor/1',
      );
      await refused(
        env.dir.users.create(c.id, { name: 'x', monitor: ['everyone'] }),
        400,
        'REFERENCE_NOT_FOUND',
        '/monitor/0',
      );
    });

    it('updates only the fields given; the cache follows', async () => {
      const c = await env.tenant();
      const u = await env.dir.users.create(c.id, {
        name: 'Ann',
        call_groups: ['sales'],
        pickup_groups: ['sales'],
      });
      const v = env.dir.cache.version;
      const up = await env.dir.users.update(c.id, u.id, { call_groups: 'support' });
      assert.equal(up.name, 'Ann');
      assert.deepEqual(up.call_groups, ['support']);
      assert.deepEqual(up.pickup_groups, ['sales']);
      assert.notEqual(up.tm_update, NOT_YET);
      assert.ok(env.dir.cache.version > v);
      assert.deepEqual(env.dir.cache.usersInCallGroup(c.id, 'sales'), []);
      assert.deepEqual(env.dir.cache.usersInCallGroup(c.id, 'support'), [u.id]);
      await refused(
        env.dir.users.update(c.id, u.id, { pickup_groups: ['123'] }),
        400,
        'INVALID_GROUP_NAME',
        '/pickup_groups/0',
      );
      assert.deepEqual((await env.dir.users.get(c.id, u.id)).pickup_groups, ['sales']);
    });

    it('lists newest first in pages', async () => {
      const c = await env.tenant();
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push((await env.dir.users.create(c.id, { name: `u${i}` })).id);
      const seen: string[] = [];
      let token = '';
      do {
        const page = await env.dir.users.list(c.id, { page_size: 2, page_token: token });
        seen.push(...page.result.map((u) => u.id));
        token = page.next_page_token;
      } while (token);
      assert.deepEqual(seen, ids.reverse());
    });

    it('delete of a referenced user: 409 RESOURCE_IN_USE per referring kind, or force removes the references', async () => {
      const c = await env.tenant();
      const u = await env.dir.users.create(c.id, { name: 'Ann' });
      const watcher = await env.dir.users.create(c.id, { name: 'W', monitor: [u.id, '*'] });
      const d = await env.dir.devices.create(c.id, {
        name: 'p',
        owner_id: u.id,
        sip_username: '100',
        sip_password: 'password1',
      });
      const g = await env.dir.groups.create(c.id, {
        name: 'G',
        endpoints: { [u.id]: { type: 'user' }, [d.id]: { type: 'device' } },
      });
      const cf = await env.dir.callflows.create(c.id, {
        numbers: ['100'],
        flow: {
          module: 'user',
          data: { id: u.id },
          children: { _: { module: 'play_tone', data: { tone: 'busy' } } },
        },
      });
      const agent = await env.dir.agents.create(c.id, {
        name: 'A',
        owner_id: u.id,
        addresses: [{ type: 'user', target: u.id }],
      });

      const e = await refused(env.dir.users.delete(c.id, u.id), 409, 'RESOURCE_IN_USE');
      const byMessage = Object.fromEntries(e.details.map((x) => [x.message, x.ids]));
      assert.deepEqual(byMessage, {
        'referred to by 1 user': [watcher.id],
        'referred to by 1 device': [d.id],
        'referred to by 1 group': [g.id],
        'referred to by 1 callflow': [cf.id],
        'referred to by 1 agent': [agent.id],
      });
      assert.ok(e.details.every((x) => x.path === ''));
      assert.equal((await env.dir.users.get(c.id, u.id)).id, u.id, 'nothing deleted');

      await env.dir.users.delete(c.id, u.id, { force: true });
      await refused(env.dir.users.get(c.id, u.id), 404, 'USER_NOT_FOUND');
      assert.deepEqual((await env.dir.users.get(c.id, watcher.id)).monitor, ['*']);
      assert.equal((await env.dir.devices.get(c.id, d.id)).owner_id, '00000000-0000-0000-0000-000000000000');
      assert.deepEqual((await env.dir.groups.get(c.id, g.id)).endpoints, { [d.id]: { type: 'device' } });
      assert.deepEqual((await env.dir.callflows.get(c.id, cf.id)).flow, {
        module: 'play_tone',
        data: { tone: 'busy' },
        children: {},
      });
      const a = await env.dir.agents.get(c.id, agent.id);
      assert.equal(a.owner_id, '00000000-0000-0000-0000-000000000000');
      assert.deepEqual(a.addresses, []);
      // the cache saw every change
      assert.equal(env.dir.cache.user(c.id, u.id), undefined);
      assert.equal(env.dir.cache.device(c.id, d.id)?.ownerId, '00000000-0000-0000-0000-000000000000');
      assert.deepEqual(env.dir.cache.expandGroup(c.id, g.id), [d.id]);
      assert.equal(env.dir.cache.matchCallflow(c.id, '100')?.callflow.flow.module, 'play_tone');
      // nothing refers to it any more: a second user can be deleted plainly
      await env.dir.users.delete(c.id, watcher.id);
    });

    it('an unreferenced user is deleted without force; unknown ids are 404', async () => {
      const c = await env.tenant();
      const u = await env.dir.users.create(c.id, { name: 'Ann', monitor: [] });
      const gone = await env.dir.users.delete(c.id, u.id);
      assert.equal(gone.id, u.id);
      await refused(env.dir.users.delete(c.id, u.id), 404, 'USER_NOT_FOUND');
      await refused(env.dir.users.update(c.id, unknownId(), { name: 'x' }), 404, 'USER_NOT_FOUND');
    });
  });
}
