/**
 * The call-engine routes of the API (issue 4) — `GET /v1.0/registrations` and
 * `POST /v1.0/calls/{id}/hangup` — over a stand-in call engine: tenant scoping, the 404 of a call that is
 * not live, and every response checked against the OpenAPI document by the test client.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PbxApi } from '../../src/api/pbx.ts';
import { notFound } from '../../src/directory/errors.ts';
import type { RegistrationView } from '../../src/pbx/registrar/types.ts';
import { NIL_UUID, NOT_YET } from '../../src/store/index.ts';
import { assertError, ok } from '../support/api-client.ts';
import { newTenant, useEnv } from './harness.ts';

const LIVE_CALL = '3c77eb43-2098-4890-bb6c-5af0707ba4a6';

/** A stand-in engine: one registration and one live call for whichever tenant asks first. */
function fakePbx(): PbxApi & { owner?: string; hangups: string[] } {
  const fake: PbxApi & { owner?: string; hangups: string[] } = {
    hangups: [],
    registrations: {
      list(customerId) {
        fake.owner ??= customerId;
        if (customerId !== fake.owner) return { result: [], next_page_token: '' };
        const r: RegistrationView = {
          id: 'b6a51a43-7d27-44c8-830c-9afd950a030f',
          customer_id: customerId,
          device_id: 'da70f216-aa7b-4508-a1f0-25b77962ee23',
          sip_username: '101',
          contact: 'sip:101@192.0.2.7:5062',
          source: 'udp:192.0.2.7:5062',
          user_agent: 'baresip',
          expires: 3599,
          tm_expire: '2026-11-23 03:00:00.000000',
          tm_update: '2026-11-23 02:00:00.000000',
        };
        return { result: [r], next_page_token: '' };
      },
    },
    calls: {
      async hangup(customerId, id) {
        if (customerId !== fake.owner || id !== LIVE_CALL) throw notFound('call', id);
        fake.hangups.push(id);
        const none = { type: '', target: '', target_name: '', name: '', detail: '' };
        return {
          id,
          customer_id: customerId,
          owner_type: '',
          owner_id: NIL_UUID,
          flow_id: NIL_UUID,
          type: 'sip',
          master_call_id: NIL_UUID,
          chained_call_ids: [],
          groupcall_id: NIL_UUID,
          source: none,
          destination: none,
          status: 'terminating',
          direction: 'incoming',
          hangup_by: 'local',
          hangup_reason: 'normal',
          tm_ringing: NOT_YET,
          tm_progressing: NOT_YET,
          tm_hangup: NOT_YET,
          tm_create: '2026-11-23 02:00:00.000000',
          tm_update: '2026-11-23 02:00:01.000000',
          tm_delete: NOT_YET,
        };
      },
    },
  };
  return fake;
}

describe('call-engine routes', () => {
  const pbx = fakePbx();
  const env = useEnv('sqlite', { pbx });

  it('lists the tenant’s registrations, and another tenant sees none of them', async () => {
    const a = await newTenant(env);
    const b = await newTenant(env);
    const mine = ok(await a.api.get('/v1.0/registrations'));
    assert.equal(mine.result.length, 1);
    assert.equal(mine.result[0].source, 'udp:192.0.2.7:5062');
    const theirs = ok(await b.api.get('/v1.0/registrations'));
    assert.deepEqual(theirs.result, []);
    assertError(await env.admin.get('/v1.0/registrations'), 403, 'FORBIDDEN');
    assertError(await env.anon.get('/v1.0/registrations'), 401, 'UNAUTHORIZED');
  });

  it('hangs up a live call; a call that is not live, or is another tenant’s, is 404', async () => {
    const b = await newTenant(env);
    assertError(await b.api.post(`/v1.0/calls/${LIVE_CALL}/hangup`), 404, 'CALL_NOT_FOUND');
    assertError(await b.api.post('/v1.0/calls/not-a-uuid/hangup'), 400, 'INVALID_ID');
    assert.deepEqual(pbx.hangups, []);
  });
});

describe('call-engine routes: hang-up success', () => {
  const pbx = fakePbx();
  const env = useEnv('sqlite', { pbx });

  it('answers the call as the engine returns it', async () => {
    const t = await newTenant(env);
    ok(await t.api.get('/v1.0/registrations')); // makes this tenant the fake's owner
    const call = ok(await t.api.post(`/v1.0/calls/${LIVE_CALL}/hangup`));
    assert.equal(call.id, LIVE_CALL);
    assert.equal(call.status, 'terminating');
    assert.deepEqual(pbx.hangups, [LIVE_CALL]);
  });
});
