import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NIL_UUID } from '../../../src/store/timestamp.ts';
import { dialects, refused, unknownId, useEnv } from './helpers.ts';

for (const dialect of dialects) {
  describe(`agents, queues and trunks (${dialect})`, () => {
    const env = useEnv(dialect);

    it('agents: defaults, every address field present, owner checked', async () => {
      const c = await env.tenant();
      const u = await env.dir.users.create(c.id, { name: 'Ann' });
      const d = await env.dir.devices.create(c.id, {
        name: 'p',
        sip_username: 'ann-desk',
        sip_password: 'password1',
      });
      await env.dir.callflows.create(c.id, { numbers: ['2000'], flow: { module: 'hangup' } });
      const a = await env.dir.agents.create(c.id, {
        name: 'Ann',
        owner_id: u.id,
        addresses: [
          { type: 'device', target: d.id },
          { type: 'user', target: u.id, name: 'Ann' },
          { type: 'extension', target_name: '2000' },
          { type: 'extension', target: 'ann-desk' },
          { type: 'sip', target: 'sips:ann@example.com' },
          { type: 'tel', target: '+4930123456' },
        ],
      });
      assert.equal(a.ring_method, 'ring_all');
      assert.equal(a.status, 'available');
      assert.deepEqual(a.addresses[2], {
        type: 'extension',
        target: '',
        target_name: '2000',
        name: '',
        detail: '',
      });
      assert.equal(env.dir.cache.agent(c.id, a.id)?.owner_id, u.id);
      const b = await env.dir.agents.create(c.id, {
        name: 'B',
        ring_method: 'linear',
        status: 'away',
        addresses: [{ type: 'agent', target: a.id }],
      });
      assert.equal(b.owner_id, NIL_UUID);
      assert.equal(b.ring_method, 'linear');
      await refused(
        env.dir.agents.create(c.id, { name: 'x', owner_id: unknownId() }),
        400,
        'REFERENCE_NOT_FOUND',
        '/owner_id',
      );
      await refused(
        env.dir.agents.create(c.id, { name: 'x', status: 'busy' } as never),
        400,
        'VALIDATION_FAILED',
        '/status',
      );
    });

    it('agents: each bad address is 400 at /addresses/i/target', async () => {
      const c = await env.tenant();
      const u = await env.dir.users.create(c.id, { name: 'Ann' });
      const cases: Array<[Record<string, string>, string]> = [
        [{ type: 'device', target: u.id }, 'REFERENCE_NOT_FOUND'],
        [{ type: 'user', target: unknownId() }, 'REFERENCE_NOT_FOUND'],
        [{ type: 'group', target: 'x' }, 'REFERENCE_NOT_FOUND'],
        [{ type: 'agent', target: unknownId() }, 'REFERENCE_NOT_FOUND'],
        [{ type: 'extension', target_name: '9999' }, 'REFERENCE_NOT_FOUND'],
        [{ type: 'extension' }, 'VALIDATION_FAILED'],
        [{ type: 'sip', target: 'ann@example.com' }, 'VALIDATION_FAILED'],
        [{ type: 'tel', target: '12' }, 'VALIDATION_FAILED'],
        [{ type: 'tel', target: '+1234567890123456' }, 'VALIDATION_FAILED'],
        [{ type: 'tel', target: '555-1234' }, 'VALIDATION_FAILED'],
      ];
      for (const [address, reason] of cases) {
        await refused(
          env.dir.agents.create(c.id, {
            name: 'x',
            addresses: [{ type: 'sip', target: 'sip:ok@x' }, address as never],
          }),
          400,
          reason,
          '/addresses/1/target',
        );
      }
      const a = await env.dir.agents.create(c.id, { name: 'self' });
      await refused(
        env.dir.agents.update(c.id, a.id, { addresses: [{ type: 'agent', target: a.id }] }),
        400,
        'VALIDATION_FAILED',
        '/addresses/0/target',
      );
      await refused(
        env.dir.agents.create(c.id, { name: 'x', addresses: [{ type: 'fax', target: '1' } as never] }),
        400,
        'VALIDATION_FAILED',
        '/addresses/0/type',
      );
    });

    it('agents: update; delete refused while a queue or another agent uses it, forced removes it there', async () => {
      const c = await env.tenant();
      const a = await env.dir.agents.create(c.id, { name: 'A' });
      const b = await env.dir.agents.create(c.id, {
        name: 'B',
        addresses: [{ type: 'agent', target: a.id }],
      });
      const q = await env.dir.queues.create(c.id, { name: 'Q', agent_ids: [a.id, b.id] });
      const up = await env.dir.agents.update(c.id, a.id, { status: 'away' });
      assert.equal(up.status, 'away');
      assert.equal(env.dir.cache.agent(c.id, a.id)?.status, 'away');
      const e = await refused(env.dir.agents.delete(c.id, a.id), 409, 'RESOURCE_IN_USE');
      assert.equal(e.details.length, 2);
      await env.dir.agents.delete(c.id, a.id, { force: true });
      assert.deepEqual((await env.dir.queues.get(c.id, q.id)).agent_ids, [b.id]);
      assert.deepEqual(env.dir.cache.queue(c.id, q.id)?.agent_ids, [b.id]);
      assert.deepEqual((await env.dir.agents.get(c.id, b.id)).addresses, []);
      await refused(env.dir.agents.get(c.id, a.id), 404, 'AGENT_NOT_FOUND');
    });

    it('queues: defaults, agents checked, a queue used by a callflow is 409 unless forced', async () => {
      const c = await env.tenant();
      const a = await env.dir.agents.create(c.id, { name: 'A' });
      const q = await env.dir.queues.create(c.id, { name: 'Q', agent_ids: [a.id, a.id] });
      assert.deepEqual(
        {
          strategy: q.strategy,
          ring_timeout: q.ring_timeout,
          wait_timeout: q.wait_timeout,
          music: q.music,
          agent_ids: q.agent_ids,
        },
        { strategy: 'ring_all', ring_timeout: 15, wait_timeout: 300, music: 'default', agent_ids: [a.id] },
      );
      await refused(
        env.dir.queues.create(c.id, { name: 'x', agent_ids: [a.id, unknownId()] }),
        400,
        'REFERENCE_NOT_FOUND',
        '/agent_ids/1',
      );
      await refused(
        env.dir.queues.create(c.id, { name: 'x', ring_timeout: 0 }),
        400,
        'VALIDATION_FAILED',
        '/ring_timeout',
      );
      const up = await env.dir.queues.update(c.id, q.id, { strategy: 'longest_idle', wait_timeout: 60 });
      assert.equal(up.strategy, 'longest_idle');
      assert.equal(up.ring_timeout, 15);
      const cf = await env.dir.callflows.create(c.id, {
        numbers: ['7000'],
        flow: { module: 'queue', data: { id: q.id } },
      });
      await refused(env.dir.queues.delete(c.id, q.id), 409, 'RESOURCE_IN_USE');
      await env.dir.queues.delete(c.id, q.id, { force: true });
      assert.deepEqual((await env.dir.callflows.get(c.id, cf.id)).flow, {
        module: 'hangup',
        data: {},
        children: {},
      });
      assert.equal(env.dir.cache.queue(c.id, q.id), undefined);
    });

    it('trunks: defaults; the password is stored but never returned', async () => {
      const c = await env.tenant();
      const t = await env.dir.trunks.create(c.id, {
        name: 'GW',
        uri: 'sip:gw.example.net:5060',
        password: 's3cret',
      });
      assert.equal(t.username, '');
      assert.deepEqual(t.prefixes, []);
      assert.equal('password' in t, false);
      assert.equal((await env.store.repos.trunks.get(c.id, t.id))?.password, 's3cret');
      const got = await env.dir.trunks.get(c.id, t.id);
      assert.equal('password' in got, false);
      const listed = await env.dir.trunks.list(c.id, {});
      assert.equal(JSON.stringify(listed).includes('s3cret'), false);
      const up = await env.dir.trunks.update(c.id, t.id, { prefixes: ['+49', '+49'], username: 'u' });
      assert.deepEqual(up.prefixes, ['+49']);
      assert.equal((await env.store.repos.trunks.get(c.id, t.id))?.password, 's3cret', 'kept when not given');
      await refused(
        env.dir.trunks.create(c.id, { name: 'x', uri: 'http://x' }),
        400,
        'VALIDATION_FAILED',
        '/uri',
      );
      await env.dir.trunks.delete(c.id, t.id);
      await refused(env.dir.trunks.get(c.id, t.id), 404, 'TRUNK_NOT_FOUND');
    });
  });
}
