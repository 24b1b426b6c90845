/**
 * The directory's rules as a REST user meets them: each refusal's status, reason and JSON path (named
 * groups, monitor, references, cycles, uniqueness, agent addresses), secrets never returned, and deletes of
 * referenced resources (409 RESOURCE_IN_USE, `?force=true`). Callflows: rules-callflows.test.ts.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { assertError, ok, type ApiClient } from '../support/api-client.ts';
import { availableDialects } from '../support/databases.ts';
import { bodies, node, UNKNOWN_ID, useEnv, useTenant } from './harness.ts';

const NIL = '00000000-0000-0000-0000-000000000000';

for (const dialect of await availableDialects()) {
  describe(`directory rules over REST (${dialect})`, () => {
    const env = useEnv(dialect);
    const t = useTenant(env);
    const other = useTenant(env);
    let api: ApiClient;
    before(() => {
      api = t.api;
    });

    describe('users: named groups (pickup.md §3)', () => {
      it('accepts lists and comma-separated strings, stored as trimmed de-duplicated lists', async () => {
        const u = ok(
          await api.post(
            '/v1.0/users',
            bodies.user({ call_groups: ' sales, Sales ,sales,ops-2', pickup_groups: ['a_b'] }),
          ),
        );
        assert.deepEqual(u.call_groups, ['sales', 'Sales', 'ops-2']);
        assert.deepEqual(u.pickup_groups, ['a_b']);
        const cleared = ok(await api.put(`/v1.0/users/${u.id}`, { call_groups: [] }));
        assert.deepEqual(cleared.call_groups, []);
        assert.deepEqual(cleared.pickup_groups, ['a_b']);
      });

      const refused: Array<[string, unknown, string]> = [
        ['non-Latin letter', ['ok', 'zürich'], '/call_groups/1'],
        ['space inside', ['sales team'], '/call_groups/0'],
        ['only digits', ['123'], '/call_groups/0'],
        ['cg_ prefix', ['x', 'y', 'cg_sales'], '/call_groups/2'],
        ['empty name in a list', [''], '/call_groups/0'],
        ['punctuation', ['a.b'], '/call_groups/0'],
        ['string form: only digits', 'sales,42', '/call_groups/1'],
        ['string form: cg_ prefix', 'cg_x', '/call_groups/0'],
        ['string form: bad character', 'a,b,c$', '/call_groups/2'],
      ];
      for (const [what, value, path] of refused) {
        it(`refuses ${what} → 400 INVALID_GROUP_NAME at ${path}`, async () => {
          const r = await api.post('/v1.0/users', bodies.user({ call_groups: value }));
          assertError(r, 400, 'INVALID_GROUP_NAME', path);
          const p = await api.post('/v1.0/users', bodies.user({ pickup_groups: value }));
          assertError(p, 400, 'INVALID_GROUP_NAME', path.replace('call_groups', 'pickup_groups'));
        });
      }

      it('the 1024-character limit: string form by schema, list form joined', async () => {
        const name = 'a'.repeat(200);
        const list = Array.from({ length: 6 }, (_, i) => `${name}${i}`); // 6×201 + 5 commas > 1024
        assertError(
          await api.post('/v1.0/users', bodies.user({ call_groups: list })),
          400,
          'INVALID_GROUP_NAME',
        );
        assertError(
          await api.post('/v1.0/users', bodies.user({ call_groups: list.join(',') })),
          400,
          'VALIDATION_FAILED',
          '/call_groups',
        );
        const fits = Array.from({ length: 5 }, (_, i) => `${name}${i}`); // 5×201 + 4 = 1009
        ok(await api.post('/v1.0/users', bodies.user({ call_groups: fits })));
        ok(await api.post('/v1.0/users', bodies.user({ call_groups: fits.join(',') })));
      });

      it('group names are case-sensitive and kept as given', async () => {
        const u = ok(await api.post('/v1.0/users', bodies.user({ call_groups: ['Sales', 'sales'] })));
        assert.deepEqual(u.call_groups, ['Sales', 'sales']);
      });

      it('monitor: "*", or users/groups of the tenant; else 400 REFERENCE_NOT_FOUND at /monitor/i', async () => {
        const peer = ok(await api.post('/v1.0/users', bodies.user()));
        const group = ok(await api.post('/v1.0/groups', bodies.group()));
        ok(await api.post('/v1.0/users', bodies.user({ monitor: ['*'] })));
        ok(await api.post('/v1.0/users', bodies.user({ monitor: [peer.id, group.id] })));
        const foreign = ok(await other.api.post('/v1.0/users', bodies.user()));
        assertError(
          await api.post('/v1.0/users', bodies.user({ monitor: [peer.id, foreign.id] })),
          400,
          'REFERENCE_NOT_FOUND',
          '/monitor/1',
        );
        assertError(
          await api.post('/v1.0/users', bodies.user({ monitor: [UNKNOWN_ID] })),
          400,
          'REFERENCE_NOT_FOUND',
          '/monitor/0',
        );
      });
    });

    describe('devices', () => {
      it('never returns the password; HA1 is stored instead', async () => {
        const d = ok(await api.post('/v1.0/devices', bodies.device({ sip_username: 'ha1check' })));
        assert.equal('sip_password' in d, false);
        assert.equal(d.enabled, true);
        assert.equal(d.owner_id, NIL);
        const row = await env.store.repos.devices.get(t.customer.id, d.id);
        assert.ok(row);
        assert.ok(!JSON.stringify(row).includes('secret-password-1'));
        const list = ok(await api.get('/v1.0/devices'));
        assert.ok(!JSON.stringify(list).includes('secret-password-1'));
      });

      it('duplicate sip_username → 409 SIP_USERNAME_TAKEN; the same name in another tenant is fine', async () => {
        ok(await api.post('/v1.0/devices', bodies.device({ sip_username: 'dup100' })));
        assertError(
          await api.post('/v1.0/devices', bodies.device({ sip_username: 'dup100' })),
          409,
          'SIP_USERNAME_TAKEN',
        );
        ok(await other.api.post('/v1.0/devices', bodies.device({ sip_username: 'dup100' })));
        const d2 = ok(await api.post('/v1.0/devices', bodies.device({ sip_username: 'dup101' })));
        assertError(
          await api.put(`/v1.0/devices/${d2.id}`, {
            sip_username: 'dup100',
            sip_password: 'another-password',
          }),
          409,
          'SIP_USERNAME_TAKEN',
        );
      });

      it('schema rules: password length, username characters, owner id format', async () => {
        const post = (extra: Record<string, unknown>) => api.post('/v1.0/devices', bodies.device(extra));
        assertError(await post({ sip_password: 'short' }), 400, 'VALIDATION_FAILED', '/sip_password');
        assertError(await post({ sip_username: 'has space' }), 400, 'VALIDATION_FAILED', '/sip_username');
        assertError(await post({ sip_username: 'a@b' }), 400, 'VALIDATION_FAILED', '/sip_username');
        assertError(await post({ owner_id: 'bob' }), 400, 'VALIDATION_FAILED', '/owner_id');
        assertError(await post({ enabled: 'yes' }), 400, 'VALIDATION_FAILED', '/enabled');
        const { sip_password: _omit, ...noPassword } = bodies.device();
        assertError(await api.post('/v1.0/devices', noPassword), 400, 'VALIDATION_FAILED', '/sip_password');
      });

      it('owner_id must be a user of the tenant', async () => {
        const foreign = ok(await other.api.post('/v1.0/users', bodies.user()));
        const r = await api.post('/v1.0/devices', bodies.device({ owner_id: foreign.id }));
        assertError(r, 400, 'REFERENCE_NOT_FOUND', '/owner_id');
        const mine = ok(await api.post('/v1.0/users', bodies.user()));
        assert.equal(
          ok(await api.post('/v1.0/devices', bodies.device({ owner_id: mine.id }))).owner_id,
          mine.id,
        );
      });

      it('renaming sip_username without a new password is refused (the HA1 would be wrong)', async () => {
        const d = ok(await api.post('/v1.0/devices', bodies.device()));
        const r = await api.put(`/v1.0/devices/${d.id}`, { sip_username: `${d.sip_username}x` });
        assert.equal(r.status, 400, r.text);
        assert.match(r.body.error.message, /password/);
        const renamed = ok(
          await api.put(`/v1.0/devices/${d.id}`, {
            sip_username: `${d.sip_username}x`,
            sip_password: 'new-password-9',
          }),
        );
        assert.equal(renamed.sip_username, `${d.sip_username}x`);
        assert.equal(ok(await api.put(`/v1.0/devices/${d.id}`, { enabled: false })).enabled, false);
      });
    });

    describe('groups', () => {
      it('members must exist in the tenant with the stated type', async () => {
        const u = ok(await api.post('/v1.0/users', bodies.user()));
        const d = ok(await api.post('/v1.0/devices', bodies.device()));
        const g = ok(
          await api.post(
            '/v1.0/groups',
            bodies.group({ endpoints: { [u.id]: { type: 'user' }, [d.id]: { type: 'device' } } }),
          ),
        );
        assert.deepEqual(g.endpoints, { [u.id]: { type: 'user' }, [d.id]: { type: 'device' } });
        assertError(
          await api.post('/v1.0/groups', bodies.group({ endpoints: { [u.id]: { type: 'device' } } })),
          400,
          'REFERENCE_NOT_FOUND',
          `/endpoints/${u.id}`,
        );
        const foreign = ok(await other.api.post('/v1.0/devices', bodies.device()));
        assertError(
          await api.post('/v1.0/groups', bodies.group({ endpoints: { [foreign.id]: { type: 'device' } } })),
          400,
          'REFERENCE_NOT_FOUND',
          `/endpoints/${foreign.id}`,
        );
        assertError(
          await api.post('/v1.0/groups', bodies.group({ endpoints: { [u.id]: { type: 'phone' } } })),
          400,
          'VALIDATION_FAILED',
          `/endpoints/${u.id}/type`,
        );
        assertError(
          await api.post(
            '/v1.0/groups',
            bodies.group({ endpoints: { [u.id]: { type: 'user', weight: 2 } } }),
          ),
          400,
          'VALIDATION_FAILED',
          `/endpoints/${u.id}/weight`,
        );
      });

      it('cycles (self, two, three groups) → 400 GROUP_CYCLE listing the cycle', async () => {
        const g1 = ok(await api.post('/v1.0/groups', bodies.group({ name: 'g1' })));
        assertError(
          await api.put(`/v1.0/groups/${g1.id}`, { endpoints: { [g1.id]: { type: 'group' } } }),
          400,
          'GROUP_CYCLE',
        );
        const g2 = ok(
          await api.post(
            '/v1.0/groups',
            bodies.group({ name: 'g2', endpoints: { [g1.id]: { type: 'group' } } }),
          ),
        );
        const g3 = ok(
          await api.post(
            '/v1.0/groups',
            bodies.group({ name: 'g3', endpoints: { [g2.id]: { type: 'group' } } }),
          ),
        );
        const r = await api.put(`/v1.0/groups/${g1.id}`, { endpoints: { [g3.id]: { type: 'group' } } });
        assertError(r, 400, 'GROUP_CYCLE');
        for (const g of [g1, g2, g3]) assert.ok(r.text.includes(g.id), `the cycle names ${g.id}`);
        // nesting without a cycle is fine
        ok(
          await api.post(
            '/v1.0/groups',
            bodies.group({ endpoints: { [g3.id]: { type: 'group' }, [g1.id]: { type: 'group' } } }),
          ),
        );
      });
    });

    describe('agents, queues and trunks', () => {
      it('agent addresses: targets of the right kind, sip:/tel: syntax, extension names', async () => {
        const u = ok(await api.post('/v1.0/users', bodies.user()));
        const d = ok(await api.post('/v1.0/devices', bodies.device({ sip_username: 'agentdesk' })));
        const agent = ok(
          await api.post(
            '/v1.0/agents',
            bodies.agent({
              owner_id: u.id,
              addresses: [
                { type: 'device', target: d.id },
                { type: 'tel', target: '+4930123456' },
                { type: 'sip', target: 'sip:bob@example.net' },
                { type: 'extension', target_name: 'agentdesk' },
              ],
            }),
          ),
        );
        assert.equal(agent.ring_method, 'ring_all');
        assert.equal(agent.status, 'available');
        assert.equal(agent.addresses.length, 4);
        assert.deepEqual(Object.keys(agent.addresses[1]).sort(), [
          'detail',
          'name',
          'target',
          'target_name',
          'type',
        ]);
        const bad: Array<[unknown, string]> = [
          [{ type: 'device', target: u.id }, 'REFERENCE_NOT_FOUND'],
          [{ type: 'tel', target: 'abc' }, ''],
          [{ type: 'sip', target: 'http://x' }, ''],
          [{ type: 'extension', target_name: 'nobody-here' }, ''],
        ];
        for (const [address, reason] of bad) {
          const r = await api.post('/v1.0/agents', bodies.agent({ addresses: [address] }));
          assert.equal(r.status, 400, r.text);
          if (reason) assert.equal(r.body.error.reason, reason);
          assert.ok(
            r.body.error.details.some(
              (x: { path: string }) => x.path === '/addresses/0/target' || x.path.startsWith('/addresses/0'),
            ),
            r.text,
          );
        }
        assertError(
          await api.post('/v1.0/agents', bodies.agent({ addresses: [{ type: 'fax' }] })),
          400,
          'VALIDATION_FAILED',
          '/addresses/0/type',
        );
        assertError(
          await api.post('/v1.0/agents', bodies.agent({ status: 'busy' })),
          400,
          'VALIDATION_FAILED',
          '/status',
        );
        assertError(
          await api.post('/v1.0/agents', bodies.agent({ owner_id: UNKNOWN_ID })),
          400,
          'REFERENCE_NOT_FOUND',
          '/owner_id',
        );
      });

      it('queues: defaults, agent_ids must be agents of the tenant', async () => {
        const q = ok(await api.post('/v1.0/queues', bodies.queue()));
        assert.equal(q.strategy, 'ring_all');
        assert.equal(q.ring_timeout, 15);
        assert.equal(q.wait_timeout, 300);
        assert.equal(q.music, 'default');
        const foreignAgent = ok(await other.api.post('/v1.0/agents', bodies.agent()));
        assertError(
          await api.post('/v1.0/queues', bodies.queue({ agent_ids: [foreignAgent.id] })),
          400,
          'REFERENCE_NOT_FOUND',
          '/agent_ids/0',
        );
        assertError(
          await api.post('/v1.0/queues', bodies.queue({ ring_timeout: 0 })),
          400,
          'VALIDATION_FAILED',
          '/ring_timeout',
        );
        assertError(
          await api.post('/v1.0/queues', bodies.queue({ strategy: 'random' })),
          400,
          'VALIDATION_FAILED',
          '/strategy',
        );
      });

      it('trunks: the password is write-only; uri and prefixes are checked', async () => {
        const tr = ok(
          await api.post(
            '/v1.0/trunks',
            bodies.trunk({ username: 'u', password: 'p4ss', prefixes: ['+49'] }),
          ),
        );
        assert.equal('password' in tr, false);
        assert.deepEqual(tr.prefixes, ['+49']);
        assert.ok(!JSON.stringify(ok(await api.get(`/v1.0/trunks/${tr.id}`))).includes('p4ss'));
        assertError(
          await api.post('/v1.0/trunks', bodies.trunk({ uri: 'http://gw' })),
          400,
          'VALIDATION_FAILED',
          '/uri',
        );
        assertError(
          await api.post('/v1.0/trunks', bodies.trunk({ prefixes: ['49a'] })),
          400,
          'VALIDATION_FAILED',
          '/prefixes/0',
        );
      });
    });

    describe('deleting referenced resources', () => {
      it('a referenced user: 409 RESOURCE_IN_USE with the referring ids; ?force=true removes the references', async () => {
        const u = ok(await api.post('/v1.0/users', bodies.user()));
        const d = ok(await api.post('/v1.0/devices', bodies.device({ owner_id: u.id })));
        const g = ok(
          await api.post('/v1.0/groups', bodies.group({ endpoints: { [u.id]: { type: 'user' } } })),
        );
        const c = ok(
          await api.post(
            '/v1.0/callflows',
            bodies.callflow({ flow: node('user', { id: u.id }, { _: node('play_tone') }) }),
          ),
        );
        const r = await api.delete(`/v1.0/users/${u.id}`);
        assertError(r, 409, 'RESOURCE_IN_USE');
        const ids = r.body.error.details.flatMap((x: { ids?: string[] }) => x.ids ?? []);
        for (const id of [d.id, g.id, c.id]) assert.ok(ids.includes(id), `details name ${id}: ${r.text}`);
        ok(await api.get(`/v1.0/users/${u.id}`));

        assertError(await api.delete(`/v1.0/users/${u.id}?force=maybe`), 400, 'VALIDATION_FAILED', '/force');
        assertError(await api.delete(`/v1.0/users/${u.id}?force=false`), 409, 'RESOURCE_IN_USE');
        const gone = ok(await api.delete(`/v1.0/users/${u.id}?force=true`));
        assert.equal(gone.id, u.id);
        assert.equal(ok(await api.get(`/v1.0/devices/${d.id}`)).owner_id, NIL);
        assert.deepEqual(ok(await api.get(`/v1.0/groups/${g.id}`)).endpoints, {});
        assert.deepEqual(ok(await api.get(`/v1.0/callflows/${c.id}`)).flow, node('play_tone'));
      });

      it('a referenced device, group, callflow, queue and agent: 409 then force', async () => {
        const d = ok(await api.post('/v1.0/devices', bodies.device()));
        const g = ok(
          await api.post('/v1.0/groups', bodies.group({ endpoints: { [d.id]: { type: 'device' } } })),
        );
        const target = ok(await api.post('/v1.0/callflows', bodies.callflow()));
        const a = ok(await api.post('/v1.0/agents', bodies.agent()));
        const q = ok(await api.post('/v1.0/queues', bodies.queue({ agent_ids: [a.id] })));
        const c = ok(
          await api.post(
            '/v1.0/callflows',
            bodies.callflow({
              flow: node(
                'ring_group',
                { endpoints: [{ id: g.id, endpoint_type: 'group' }] },
                { _: node('callflow', { id: target.id }, { _: node('queue', { id: q.id }) }) },
              ),
            }),
          ),
        );
        for (const [path, id, referrer] of [
          ['devices', d.id, g.id],
          ['groups', g.id, c.id],
          ['callflows', target.id, c.id],
          ['queues', q.id, c.id],
          ['agents', a.id, q.id],
        ] as const) {
          const r = await api.delete(`/v1.0/${path}/${id}`);
          assertError(r, 409, 'RESOURCE_IN_USE');
          assert.ok(r.text.includes(referrer), `${path}: details name ${referrer}`);
        }
        for (const [path, id] of [
          ['devices', d.id],
          ['groups', g.id],
          ['callflows', target.id],
          ['queues', q.id],
          ['agents', a.id],
        ] as const) {
          ok(await api.delete(`/v1.0/${path}/${id}?force=true`));
          assertError(
            await api.get(`/v1.0/${path}/${id}`),
            404,
            `${path.slice(0, -1).toUpperCase()}_NOT_FOUND`,
          );
        }
        assert.deepEqual(
          ok(await api.get(`/v1.0/queues`)).result.find((x: { id: string }) => x.id === q.id),
          undefined,
        );
        assert.deepEqual(ok(await api.get(`/v1.0/callflows/${c.id}`)).flow.module, 'hangup');
      });

      it('trunks have no references: DELETE takes no force parameter', async () => {
        const tr = ok(await api.post('/v1.0/trunks', bodies.trunk()));
        assertError(await api.delete(`/v1.0/trunks/${tr.id}?force=true`), 400, 'VALIDATION_FAILED', '/force');
        ok(await api.delete(`/v1.0/trunks/${tr.id}`));
      });
    });
  });
}
