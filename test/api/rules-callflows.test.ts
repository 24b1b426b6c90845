/**
 * The directory's rules for callflows as a REST user meets them: the stored tree, a number or a pattern
 * required and its syntax, one holder per number or pattern in a tenant (409 naming both), unknown modules
 * and bad module data refused at the JSON path of the node, `group_pickup` scopes, referenced ids of the
 * right kind in the tenant, and the tree's depth and child keys. The other resources: rules.test.ts.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { assertError, ok, type ApiClient } from '../support/api-client.ts';
import { availableDialects } from '../support/databases.ts';
import { bodies, node, UNKNOWN_ID, useEnv, useTenant } from './harness.ts';

for (const dialect of await availableDialects()) {
  describe(`callflow rules over REST (${dialect})`, () => {
    const env = useEnv(dialect);
    const t = useTenant(env);
    const other = useTenant(env);
    let api: ApiClient;
    before(() => {
      api = t.api;
    });

    describe('callflows', () => {
      it('stores the tree with data and children always present', async () => {
        const c = ok(
          await api.post('/v1.0/callflows', {
            numbers: ['7001'],
            flow: { module: 'play_tone', data: { tone: 'busy' }, children: { _: { module: 'hangup' } } },
          }),
        );
        assert.deepEqual(c.flow, node('play_tone', { tone: 'busy' }, { _: node('hangup') }));
        assert.deepEqual(c.numbers, ['7001']);
        assert.deepEqual(c.patterns, []);
        assert.equal(c.feature_code, '');
      });

      it('needs a number or a pattern', async () => {
        assertError(
          await api.post('/v1.0/callflows', { flow: node('hangup') }),
          400,
          'VALIDATION_FAILED',
          '/numbers',
        );
        assertError(
          await api.post('/v1.0/callflows', { numbers: [], patterns: [], flow: node('hangup') }),
          400,
          'VALIDATION_FAILED',
          '/numbers',
        );
      });

      it('number and pattern syntax', async () => {
        const post = (extra: Record<string, unknown>) => api.post('/v1.0/callflows', bodies.callflow(extra));
        assertError(await post({ numbers: ['x'.repeat(37)] }), 400, 'VALIDATION_FAILED', '/numbers/0');
        assertError(await post({ numbers: ['1 2'] }), 400, 'VALIDATION_FAILED', '/numbers/0');
        assertError(await post({ numbers: [''] }), 400, 'VALIDATION_FAILED', '/numbers/0');
        const r = await post({ numbers: [], patterns: ['^ok$', '^(unclosed'] });
        assertError(r, 400, 'VALIDATION_FAILED', '/patterns/1');
      });

      it('a taken number or pattern → 409 naming the value and the holder', async () => {
        const holder = ok(
          await api.post('/v1.0/callflows', bodies.callflow({ numbers: ['8100'], patterns: ['^81(..)$'] })),
        );
        const r = await api.post('/v1.0/callflows', bodies.callflow({ numbers: ['8101', '8100'] }));
        assertError(r, 409, 'NUMBER_TAKEN');
        assert.match(r.body.error.message, /8100/);
        assert.ok(r.body.error.details.some((d: { ids?: string[] }) => d.ids?.includes(holder.id)));
        // nothing of the refused callflow was kept: 8101 is still free
        ok(await api.post('/v1.0/callflows', bodies.callflow({ numbers: ['8101'] })));
        const p = await api.post('/v1.0/callflows', bodies.callflow({ numbers: [], patterns: ['^81(..)$'] }));
        assertError(p, 409, 'PATTERN_TAKEN');
        assert.ok(p.body.error.details.some((d: { ids?: string[] }) => d.ids?.includes(holder.id)));
        // the default feature codes hold their patterns too
        assertError(
          await api.post(
            '/v1.0/callflows',
            bodies.callflow({ numbers: [], patterns: ['^\\*87([0-9]+)#?$'] }),
          ),
          409,
          'PATTERN_TAKEN',
        );
        // another tenant may use the same number
        ok(await other.api.post('/v1.0/callflows', bodies.callflow({ numbers: ['8100'] })));
      });

      it('unknown module → 400 UNKNOWN_MODULE at the node path', async () => {
        const r = await api.post(
          '/v1.0/callflows',
          bodies.callflow({ flow: node('play_tone', {}, { _: node('voicemail', { box: 1 }) }) }),
        );
        assertError(r, 400, 'UNKNOWN_MODULE', '/flow/children/_/module');
        assert.match(r.body.error.message, /voicemail/);
      });

      it('bad module data → 400 VALIDATION_FAILED at the data path', async () => {
        const d = ok(await api.post('/v1.0/devices', bodies.device()));
        const post = (flow: unknown) => api.post('/v1.0/callflows', bodies.callflow({ flow }));
        assertError(
          await post(node('hangup', {}, { _: node('device', { id: d.id, timeout: 0 }) })),
          400,
          'VALIDATION_FAILED',
          '/flow/children/_/data/timeout',
        );
        assertError(
          await post(node('device', { id: d.id, color: 'red' })),
          400,
          'VALIDATION_FAILED',
          '/flow/data/color',
        );
        assertError(await post(node('device', {})), 400, 'VALIDATION_FAILED', '/flow/data/id');
        assertError(await post(node('hangup', { code: 200 })), 400, 'VALIDATION_FAILED', '/flow/data/code');
        assertError(
          await post(node('ring_group', { endpoints: [{ id: d.id, endpoint_type: 'phone' }] })),
          400,
          'VALIDATION_FAILED',
          '/flow/data/endpoints/0/endpoint_type',
        );
        assertError(
          await post({ module: 'hangup', data: {}, children: {}, extra: 1 }),
          400,
          'VALIDATION_FAILED',
          '/flow/extra',
        );
      });

      it('group_pickup with an empty scope → 400 VALIDATION_FAILED saying so', async () => {
        const r = await api.post(
          '/v1.0/callflows',
          bodies.callflow({ flow: node('group_pickup', { approved_group_id: UNKNOWN_ID }) }),
        );
        assertError(r, 400, 'VALIDATION_FAILED', '/flow/data');
        assert.match(r.body.error.message, /scope/);
        const u = ok(await api.post('/v1.0/users', bodies.user()));
        ok(
          await api.post(
            '/v1.0/callflows',
            bodies.callflow({ flow: node('group_pickup', { user_id: u.id }) }),
          ),
        );
      });

      it('referenced ids must exist in the tenant with the right kind', async () => {
        const u = ok(await api.post('/v1.0/users', bodies.user()));
        const foreignQueue = ok(await other.api.post('/v1.0/queues', bodies.queue()));
        const post = (flow: unknown) => api.post('/v1.0/callflows', bodies.callflow({ flow }));
        assertError(await post(node('device', { id: u.id })), 400, 'REFERENCE_NOT_FOUND', '/flow/data/id');
        assertError(
          await post(node('hangup', {}, { _: node('queue', { id: foreignQueue.id }) })),
          400,
          'REFERENCE_NOT_FOUND',
          '/flow/children/_/data/id',
        );
        assertError(
          await post(
            node('ring_group', {
              endpoints: [
                { id: u.id, endpoint_type: 'user' },
                { id: UNKNOWN_ID, endpoint_type: 'group' },
              ],
            }),
          ),
          400,
          'REFERENCE_NOT_FOUND',
          '/flow/data/endpoints/1/id',
        );
      });

      it('tree bounds: depth and child keys', async () => {
        let deep: Record<string, unknown> = node('hangup');
        for (let i = 0; i < 40; i++) deep = node('play_tone', {}, { _: deep });
        const r = await api.post('/v1.0/callflows', bodies.callflow({ flow: deep }));
        assert.equal(r.status, 400, r.text);
        const k = await api.post(
          '/v1.0/callflows',
          bodies.callflow({ flow: node('play_tone', {}, { ['k'.repeat(65)]: node('hangup') }) }),
        );
        assert.equal(k.status, 400, k.text);
        const c = await api.post(
          '/v1.0/callflows',
          bodies.callflow({ flow: node('play_tone', {}, { _: 'not a node' }) }),
        );
        assert.equal(c.status, 400, c.text);
      });
    });
  });
}
