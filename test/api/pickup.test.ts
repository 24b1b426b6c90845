/**
 * `POST /v1.0/calls/{id}/pickup` (pickup.md §6) over a stand-in call engine: the body (exactly one of
 * `device_id` / `user_id`, UUIDs, nothing else), tenant scoping, the engine's 404 / 409 passed through, the
 * OpenAPI document of the route (every response is checked against it by the test client).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PbxApi } from '../../src/api/pbx.ts';
import { conflict, notFound } from '../../src/directory/errors.ts';
import type { Groupcall } from '../../src/directory/schemas/index.ts';
import { NIL_UUID, NOT_YET } from '../../src/store/index.ts';
import { assertError, ok } from '../support/api-client.ts';
import { newTenant, useEnv } from './harness.ts';

const RINGING = '3c77eb43-2098-4890-bb6c-5af0707ba4a6';
const ANSWERED = '4d88fc54-3109-4901-8c7d-6bf1818cb5b7';
const DEVICE = 'da70f216-aa7b-4508-a1f0-25b77962ee23';

function groupcall(customerId: string): Groupcall {
  return {
    id: 'b6a51a43-7d27-44c8-830c-9afd950a030f',
    customer_id: customerId,
    owner_type: '',
    owner_id: NIL_UUID,
    status: 'progressing',
    flow_id: NIL_UUID,
    source: { type: 'device', target: DEVICE, target_name: 'alice', name: '', detail: '' },
    destinations: [{ type: 'device', target: DEVICE, target_name: 'erin', name: '', detail: '' }],
    master_call_id: NIL_UUID,
    master_groupcall_id: NIL_UUID,
    ring_method: 'ring_all',
    answer_method: 'hangup_others',
    answer_call_id: NIL_UUID,
    call_ids: ['e1a51a43-7d27-44c8-830c-9afd950a030f'],
    answer_groupcall_id: NIL_UUID,
    groupcall_ids: [],
    call_count: 1,
    groupcall_count: 0,
    dial_index: 0,
    tm_create: '2026-11-23 02:00:00.000000',
    tm_update: '2026-11-23 02:00:00.000000',
    tm_delete: NOT_YET,
  } as Groupcall;
}

function fakePbx(): PbxApi & { asked: unknown[] } {
  const fake: PbxApi & { asked: unknown[] } = {
    asked: [],
    registrations: { list: () => ({ result: [], next_page_token: '' }) },
    calls: {
      hangup: async (_c, id) => {
        throw notFound('call', id);
      },
      async pickup(customerId, id, picker) {
        fake.asked.push({ id, picker });
        if (id === ANSWERED) throw conflict('CALL_NOT_PICKABLE', 'answered');
        if (id !== RINGING) throw notFound('call', id);
        return groupcall(customerId);
      },
    },
  };
  return fake;
}

describe('POST /v1.0/calls/{id}/pickup', () => {
  const pbx = fakePbx();
  const env = useEnv('sqlite', { pbx });

  it('rings the picker: answers the groupcall ringing it', async () => {
    const t = await newTenant(env);
    const gc = ok(await t.api.post(`/v1.0/calls/${RINGING}/pickup`, { device_id: DEVICE }));
    assert.equal(gc.status, 'progressing');
    assert.equal(gc.customer_id, t.customer.id);
    ok(await t.api.post(`/v1.0/calls/${RINGING}/pickup`, { user_id: DEVICE }));
    assert.deepEqual(pbx.asked.slice(-2), [
      { id: RINGING, picker: { device_id: DEVICE } },
      { id: RINGING, picker: { user_id: DEVICE } },
    ]);
  });

  it('400 unless exactly one of device_id / user_id, as UUIDs, nothing else', async () => {
    const t = await newTenant(env);
    const before = pbx.asked.length;
    const url = `/v1.0/calls/${RINGING}/pickup`;
    assertError(await t.api.post(url, {}), 400, 'VALIDATION_FAILED', '');
    assertError(await t.api.post(url, { device_id: DEVICE, user_id: DEVICE }), 400, 'VALIDATION_FAILED', '');
    assertError(await t.api.post(url, { device_id: 'nope' }), 400, 'VALIDATION_FAILED', '/device_id');
    assertError(await t.api.post(url, { device_id: DEVICE, extra: 1 }), 400, 'VALIDATION_FAILED');
    assertError(await t.api.post('/v1.0/calls/not-a-uuid/pickup', { device_id: DEVICE }), 400, 'INVALID_ID');
    assert.equal(pbx.asked.length, before, 'the engine was never asked');
  });

  it('404 for a call that is not live, 409 for one that is not pickable; admin 403, no key 401', async () => {
    const t = await newTenant(env);
    assertError(
      await t.api.post(`/v1.0/calls/${'7b3e2a10-5c4d-4e8f-9a1b-2c3d4e5f6a7b'}/pickup`, { device_id: DEVICE }),
      404,
      'CALL_NOT_FOUND',
    );
    assertError(
      await t.api.post(`/v1.0/calls/${ANSWERED}/pickup`, { device_id: DEVICE }),
      409,
      'CALL_NOT_PICKABLE',
    );
    assertError(
      await env.admin.post(`/v1.0/calls/${RINGING}/pickup`, { device_id: DEVICE }),
      403,
      'FORBIDDEN',
    );
    assertError(
      await env.anon.post(`/v1.0/calls/${RINGING}/pickup`, { device_id: DEVICE }),
      401,
      'UNAUTHORIZED',
    );
  });

  it('is in the OpenAPI document with its body and every status it answers', async () => {
    const r = await env.app.inject({ url: '/openapi.json' });
    const op = r.json().paths['/v1.0/calls/{id}/pickup'].post;
    assert.equal(op.operationId, 'pickupCall');
    assert.ok(op.requestBody);
    for (const s of ['200', '400', '401', '403', '404', '409', '413', '415', '500'])
      assert.ok(op.responses[s], `documents ${s}`);
  });
});
