import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDirectory, type DirectoryChange } from '../../../src/directory/index.ts';
import { dialects, refused, useEnv } from './helpers.ts';

for (const dialect of dialects) {
  describe(`tenant isolation and change notification (${dialect})`, () => {
    const env = useEnv(dialect);

    it("every service answers 404 for another tenant's id (get, update, delete), and the row stays", async () => {
      const a = await env.tenant();
      const b = await env.tenant();
      const dir = env.dir;
      const user = await dir.users.create(a.id, { name: 'U' });
      const device = await dir.devices.create(a.id, {
        name: 'D',
        sip_username: 'd',
        sip_password: 'password1',
      });
      const group = await dir.groups.create(a.id, { name: 'G' });
      const callflow = await dir.callflows.create(a.id, { numbers: ['1'], flow: { module: 'hangup' } });
      const agent = await dir.agents.create(a.id, { name: 'A' });
      const queue = await dir.queues.create(a.id, { name: 'Q' });
      const trunk = await dir.trunks.create(a.id, { name: 'T', uri: 'sip:gw.example.net' });
      const cases = [
        ['USER_NOT_FOUND', dir.users, user.id, { name: 'x' }],
        ['DEVICE_NOT_FOUND', dir.devices, device.id, { name: 'x' }],
        ['GROUP_NOT_FOUND', dir.groups, group.id, { name: 'x' }],
        ['CALLFLOW_NOT_FOUND', dir.callflows, callflow.id, { name: 'x' }],
        ['AGENT_NOT_FOUND', dir.agents, agent.id, { name: 'x' }],
        ['QUEUE_NOT_FOUND', dir.queues, queue.id, { name: 'x' }],
        ['TRUNK_NOT_FOUND', dir.trunks, trunk.id, { name: 'x' }],
      ] as const;
      for (const [reason, service, id, patch] of cases) {
        const svc = service as unknown as {
          get(c: string, id: string): Promise<{ id: string }>;
          update(c: string, id: string, p: object): Promise<unknown>;
          delete(c: string, id: string, o?: object): Promise<unknown>;
          list(c: string, p: object): Promise<{ result: Array<{ id: string }> }>;
        };
        await refused(svc.get(b.id, id), 404, reason);
        await refused(svc.update(b.id, id, patch), 404, reason);
        await refused(svc.delete(b.id, id, { force: true }), 404, reason);
        assert.equal((await svc.get(a.id, id)).id, id, `${reason}: still there for its tenant`);
        assert.ok(!(await svc.list(b.id, {})).result.some((r) => r.id === id), `${reason}: not listed for B`);
      }
      // the cache is per tenant too
      assert.equal(dir.cache.user(b.id, user.id), undefined);
      assert.equal(dir.cache.device(b.id, device.id), undefined);
      assert.equal(dir.cache.deviceBySipUsername(b.id, 'd'), undefined);
      assert.equal(dir.cache.group(b.id, group.id), undefined);
      assert.equal(dir.cache.callflow(b.id, callflow.id), undefined);
      assert.equal(dir.cache.matchCallflow(b.id, '1'), undefined);
      // references across tenants are refused as missing
      await refused(
        dir.groups.create(b.id, { name: 'g', endpoints: { [user.id]: { type: 'user' } } }),
        400,
        'REFERENCE_NOT_FOUND',
      );
      await refused(
        dir.queues.create(b.id, { name: 'q', agent_ids: [agent.id] }),
        400,
        'REFERENCE_NOT_FOUND',
      );
    });

    it('onChange hears each committed row change after the cache has it; failed writes and removed listeners hear nothing', async () => {
      const c = await env.tenant();
      const heard: Array<DirectoryChange & { cached: boolean }> = [];
      const off = env.dir.onChange((ch) => {
        heard.push({
          ...ch,
          cached:
            ch.table !== 'users' ||
            (env.dir.cache.user(ch.customerId, ch.id) !== undefined) === (ch.op !== 'delete'),
        });
      });
      const u = await env.dir.users.create(c.id, { name: 'U' });
      await env.dir.users.update(c.id, u.id, { name: 'V' });
      await refused(env.dir.users.update(c.id, u.id, { call_groups: ['1'] }), 400, 'INVALID_GROUP_NAME');
      await env.dir.users.delete(c.id, u.id);
      off();
      await env.dir.users.create(c.id, { name: 'W' });
      assert.deepEqual(heard, [
        { table: 'users', customerId: c.id, id: u.id, op: 'create', cached: true },
        { table: 'users', customerId: c.id, id: u.id, op: 'update', cached: true },
        { table: 'users', customerId: c.id, id: u.id, op: 'delete', cached: true },
      ]);
    });

    it('a customer creation is heard with its feature-code callflows; a throwing listener is logged, the write stands', async () => {
      const logs: string[] = [];
      const dir = await createDirectory({ store: env.store, log: (msg) => logs.push(msg) });
      const heard: DirectoryChange[] = [];
      dir.onChange(() => {
        throw new Error('listener bug');
      });
      dir.onChange((ch) => heard.push(ch));
      const c = await dir.customers.create({ name: 'L', domain: `listeners-${dialect}.example.com` });
      assert.deepEqual(
        heard.map((h) => `${h.table}:${h.op}`),
        ['customers:create', 'callflows:create', 'callflows:create', 'callflows:create'],
      );
      assert.equal(dir.cache.tenant(c.id)?.id, c.id);
      assert.equal(logs.length, 4);
      assert.match(logs[0], /listener threw/);
      assert.equal((await dir.customers.get(c.id)).id, c.id);
    });

    it('concurrent writes are serialized: two devices racing for one sip_username, exactly one wins', async () => {
      const c = await env.tenant();
      const results = await Promise.allSettled([
        env.dir.devices.create(c.id, { name: 'a', sip_username: 'race', sip_password: 'password1' }),
        env.dir.devices.create(c.id, { name: 'b', sip_username: 'race', sip_password: 'password1' }),
      ]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.equal(lost.reason.reason, 'SIP_USERNAME_TAKEN');
      assert.equal(await env.store.repos.devices.count(c.id), 1);
    });
  });
}
