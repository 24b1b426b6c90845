import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CallRow, GroupcallRow } from '../../../src/store/rows.ts';
import { NIL_UUID, NOT_YET } from '../../../src/store/timestamp.ts';
import { dialects, refused, useEnv } from './helpers.ts';

const address = { type: 'device', target: NIL_UUID, target_name: '', name: '', detail: '' };

function groupcall(customerId: string, n: number, deleted = false): GroupcallRow {
  return {
    id: crypto.randomUUID(),
    customer_id: customerId,
    owner_type: '',
    owner_id: NIL_UUID,
    status: 'progressing',
    flow_id: NIL_UUID,
    source: address,
    destinations: [address, { ...address, type: 'sip', target: 'sip:a@b' }],
    master_call_id: NIL_UUID,
    master_groupcall_id: NIL_UUID,
    ring_method: 'ring_all',
    answer_method: 'hangup_others',
    answer_call_id: NIL_UUID,
    call_ids: [crypto.randomUUID()],
    answer_groupcall_id: NIL_UUID,
    groupcall_ids: [],
    call_count: 1,
    groupcall_count: 0,
    dial_index: 0,
    tm_create: `2024-01-01 00:00:0${n}.000000`,
    tm_update: NOT_YET,
    tm_delete: deleted ? '2024-01-02 00:00:00.000000' : NOT_YET,
  };
}

function call(customerId: string, n: number, deleted = false): CallRow {
  return {
    id: crypto.randomUUID(),
    customer_id: customerId,
    owner_type: '',
    owner_id: NIL_UUID,
    flow_id: NIL_UUID,
    type: 'sip',
    master_call_id: NIL_UUID,
    chained_call_ids: [],
    groupcall_id: NIL_UUID,
    source: address,
    destination: address,
    status: 'ringing',
    direction: 'outgoing',
    hangup_by: '',
    hangup_reason: '',
    tm_ringing: NOT_YET,
    tm_progressing: NOT_YET,
    tm_hangup: NOT_YET,
    tm_create: `2024-01-01 00:00:0${n}.000000`,
    tm_update: NOT_YET,
    tm_delete: deleted ? '2024-01-02 00:00:00.000000' : NOT_YET,
  };
}

for (const dialect of dialects) {
  describe(`groupcall and call records (${dialect})`, () => {
    const env = useEnv(dialect);

    it('groupcalls: get and list newest first; soft-deleted hidden; another tenant gets 404', async () => {
      const a = await env.tenant();
      const b = await env.tenant();
      const rows = [groupcall(a.id, 1), groupcall(a.id, 2), groupcall(a.id, 3, true)];
      for (const r of rows) await env.store.repos.groupcalls.insert(r);
      assert.deepEqual(await env.dir.groupcalls.get(a.id, rows[0].id), rows[0]);
      const page = await env.dir.groupcalls.list(a.id, { page_size: 1 });
      assert.equal(page.result[0].id, rows[1].id);
      const next = await env.dir.groupcalls.list(a.id, { page_size: 1, page_token: page.next_page_token });
      assert.deepEqual(
        next.result.map((g) => g.id),
        [rows[0].id],
      );
      assert.equal(next.next_page_token, '');
      await refused(env.dir.groupcalls.get(a.id, rows[2].id), 404, 'GROUPCALL_NOT_FOUND');
      await refused(env.dir.groupcalls.get(b.id, rows[0].id), 404, 'GROUPCALL_NOT_FOUND');
      assert.deepEqual((await env.dir.groupcalls.list(b.id, {})).result, []);
    });

    it('calls: get and list; soft-deleted hidden; another tenant gets 404', async () => {
      const a = await env.tenant();
      const b = await env.tenant();
      const live = call(a.id, 1);
      const gone = call(a.id, 2, true);
      await env.store.repos.calls.insert(live);
      await env.store.repos.calls.insert(gone);
      assert.deepEqual(await env.dir.calls.get(a.id, live.id), live);
      assert.deepEqual(
        (await env.dir.calls.list(a.id, {})).result.map((c) => c.id),
        [live.id],
      );
      await refused(env.dir.calls.get(a.id, gone.id), 404, 'CALL_NOT_FOUND');
      await refused(env.dir.calls.get(b.id, live.id), 404, 'CALL_NOT_FOUND');
    });
  });
}
