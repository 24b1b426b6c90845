/**
 * One regression test per bug of the reference implementation listed at the end of groupcall.md: ringd
 * does what the seed's text says, not what the bug does.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { SipRequest } from '../../../src/sip/message/index.ts';
import { NIL_UUID } from '../../../src/store/timestamp.ts';
import { Harness, RINGD } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const COMPLETED_ELSEWHERE = 'SIP;cause=200;text="Call completed elsewhere"';

async function setup() {
  h = await Harness.create();
  await h.device('carol');
  await h.device('dave');
  const phones = {
    alice: h.phone('alice', '10.0.0.1', 'alice'),
    desk: h.phone('desk', '10.0.0.2', 'bob-desk'),
    mobile: h.phone('mobile', '10.0.0.3', 'bob-mobile'),
    carol: h.phone('carol', '10.0.0.4', 'carol'),
    dave: h.phone('dave', '10.0.0.5', 'dave'),
  };
  for (const p of Object.values(phones)) p.behaviour = 'ring';
  const bob = h.devices['bob-desk'].ownerId;
  return { h, bob, ...phones };
}

function cancelReason(h: Harness, address: string): string | undefined {
  const c = h
    .packets(RINGD, address)
    .find((p) => p.message?.kind === 'request' && (p.message as SipRequest).method === 'CANCEL');
  assert.ok(c, `a CANCEL went to ${address}`);
  return c.message!.get('Reason');
}

describe('reference bugs of groupcall.md, not reproduced', () => {
  test('bug 1: a nested groupcall reports its answer to its own parent, which cancels the siblings', async () => {
    const { h, alice, bob, desk, carol } = await setup();
    await h.callflow(['900'], {
      module: 'ring_group',
      data: {
        endpoints: [
          { id: bob, endpoint_type: 'user' },
          { id: h.devices.carol.id, endpoint_type: 'device' },
        ],
      },
    });
    const v = h.dial(alice, '900');
    await h.run(50);
    const [root, nested] = h.groupcallIds();
    desk.answer(desk.invites[0]);
    await h.run(50);
    assert.ok(v.session, 'the caller is connected to the desk');
    assert.equal(cancelReason(h, carol.address), COMPLETED_ELSEWHERE, 'the sibling of the nested groupcall');
    assert.equal(cancelReason(h, '10.0.0.3'), COMPLETED_ELSEWHERE, 'the sibling inside it');
    const r = await h.gc(root);
    const n = await h.gc(nested);
    assert.equal(n.master_groupcall_id, root);
    assert.equal(n.answer_call_id, h.legTo('bob-desk'));
    assert.equal(r.answer_groupcall_id, nested, 'reported to the right parent');
    assert.equal(r.answer_call_id, NIL_UUID);
    assert.deepEqual(h.gcEventsOf(root), ['groupcall_created', 'groupcall_progressing']);
    void v.session!.bye();
    await h.assertClean();
  });

  test('bug 2: "hang up the others" reaches nested groupcalls: their legs get CANCEL and they hang up', async () => {
    const { h, alice, bob, carol } = await setup();
    await h.callflow(['901'], {
      module: 'ring_group',
      data: {
        endpoints: [
          { id: h.devices.carol.id, endpoint_type: 'device' },
          { id: bob, endpoint_type: 'user' },
        ],
      },
    });
    const v = h.dial(alice, '901');
    await h.run(50);
    const [, nested] = h.groupcallIds();
    carol.answer(carol.invites[0]);
    await h.run(50);
    assert.ok(v.session);
    for (const addr of ['10.0.0.2', '10.0.0.3']) {
      assert.deepEqual(h.wire(RINGD, addr), ['INVITE', 'CANCEL', 'ACK'], `${addr} cancelled`);
      assert.equal(cancelReason(h, addr), COMPLETED_ELSEWHERE);
    }
    const n = await h.gc(nested);
    assert.equal(n.status, 'hangup');
    assert.deepEqual([n.call_count, n.groupcall_count], [0, 0]);
    assert.deepEqual(h.gcEventsOf(nested), ['groupcall_created', 'groupcall_hangup']);
    void v.session!.bye();
    await h.assertClean();
  });

  test('bug 3: a linear groupcall whose first destination is nested advances when it fails', async () => {
    const { h, alice, bob, desk, mobile, carol } = await setup();
    desk.behaviour = 'busy';
    mobile.behaviour = 'busy';
    await h.callflow(['902'], {
      module: 'ring_group',
      data: {
        strategy: 'single',
        endpoints: [
          { id: bob, endpoint_type: 'user' },
          { id: h.devices.carol.id, endpoint_type: 'device' },
        ],
      },
    });
    const v = h.dial(alice, '902');
    await h.run(50);
    const [root, nested] = h.groupcallIds();
    assert.equal((await h.gc(nested)).status, 'hangup', 'the nested groupcall failed');
    assert.equal(carol.invites.length, 1, 'the next destination is dialed');
    const r = await h.gc(root);
    assert.equal(r.dial_index, 1);
    assert.deepEqual([r.call_count, r.groupcall_count], [1, 0]);
    carol.answer(carol.invites[0]);
    await h.run(50);
    assert.ok(v.session);
    assert.equal((await h.gc(root)).answer_call_id, h.legTo('carol'));
    void v.session!.bye();
    await h.assertClean();
  });

  test('bug 4: a leg that cannot be created decrements call_count (not groupcall_count); the groupcall ends', async () => {
    const { h, bob, desk, mobile } = await setup();
    const gc = await h.engine.createGroupcall(h.tenantId, {
      destinations: [
        { type: 'sip', target: 'sip:gw@gateway.invalid' }, // no DNS in ringd yet: the INVITE cannot be sent
        { type: 'user', target: bob },
      ],
    });
    assert.deepEqual([gc.call_count, gc.groupcall_count], [1, 1]);
    await h.run(50);
    let r = await h.gc(gc.id);
    assert.equal(r.status, 'progressing', 'Bob still rings');
    assert.deepEqual([r.call_count, r.groupcall_count], [0, 1], 'the failed leg left call_count');
    desk.invites[0].reject(486, 'Busy Here');
    mobile.invites[0].reject(486, 'Busy Here');
    await h.run(50);
    r = await h.gc(gc.id);
    assert.equal(r.status, 'hangup', 'not left progressing forever');
    assert.deepEqual([r.call_count, r.groupcall_count], [0, 0]);
    const rows = await h.rows();
    const failed = rows.find((x) => x.id === gc.call_ids[0])!;
    assert.deepEqual([failed.status, failed.hangup_reason], ['hangup', 'failed']);
    await h.assertClean();
  });

  test('bug 5: hangup of a finished groupcall changes nothing', async () => {
    const { h, carol } = await setup();
    carol.behaviour = 'busy';
    const gc = await h.engine.createGroupcall(h.tenantId, {
      destinations: [{ type: 'extension', target_name: 'carol' }],
    });
    await h.run(50);
    const done = await h.gc(gc.id);
    assert.equal(done.status, 'hangup');
    const events = h.gcEvents.length;
    const again = await h.engine.hangupGroupcall(h.tenantId, gc.id);
    assert.equal(again.status, 'hangup', 'not moved back to hangingup');
    assert.equal(again.tm_update, done.tm_update, 'not even touched');
    await h.engine.close(); // everything written: the stored row is read now
    const stored = await h.engine.hangupGroupcall(h.tenantId, gc.id);
    assert.deepEqual(stored, done);
    assert.equal(h.gcEvents.length, events, 'no event');
    await h.assertClean();
  });

  test('bug 6: two answers in the same instant — compare-and-set: one bridged, the other ACK + BYE', async () => {
    const { h, alice, carol, dave } = await setup();
    carol.behaviour = (inv) => carol.answer(inv); // 200 at once, no provisional
    dave.behaviour = (inv) => dave.answer(inv);
    await h.callflow(['903'], {
      module: 'ring_group',
      data: {
        endpoints: [
          { id: h.devices.carol.id, endpoint_type: 'device' },
          { id: h.devices.dave.id, endpoint_type: 'device' },
        ],
      },
    });
    const v = h.dial(alice, '903');
    await h.run(50);
    assert.ok(v.session);
    assert.equal(carol.sessions.length + dave.sessions.length, 2, 'both answered');
    assert.deepEqual(
      h.wire(RINGD, '10.0.0.1').filter((l) => l === '200 INVITE'),
      ['200 INVITE'],
      'the caller got one answer',
    );
    assert.deepEqual(h.wire(RINGD, carol.address), ['INVITE', 'ACK'], 'the first 200 won');
    assert.deepEqual(h.wire(RINGD, dave.address), ['INVITE', 'ACK', 'BYE'], 'the loser: ACK + BYE');
    assert.equal(carol.sessions[0].isEnded, false, 'the winner was not hung up by the loser');
    const [root] = h.groupcallIds();
    const r = await h.gc(root);
    assert.equal(r.answer_call_id, h.legTo('carol'), 'not overwritten by the second answer');
    assert.deepEqual(h.gcEventsOf(root), ['groupcall_created', 'groupcall_progressing']);
    void v.session!.bye();
    await h.assertClean();
  });

  test('bug 7: an extension with a wrong name is a 400 at creation, not a groupcall ringing nobody', async () => {
    const { h } = await setup();
    await assert.rejects(
      h.engine.createGroupcall(h.tenantId, {
        destinations: [
          { type: 'extension', target_name: 'carol' },
          { type: 'extension', target_name: 'nobody-here' },
        ],
      }),
      (e: { status: number; reason: string; details: Array<{ path: string }> }) => {
        assert.equal(e.status, 400);
        assert.equal(e.reason, 'REFERENCE_NOT_FOUND');
        assert.equal(e.details[0].path, '/destinations/1/target_name');
        return true;
      },
    );
    await h.run(50);
    assert.deepEqual(h.gcEvents, [], 'no groupcall');
    assert.deepEqual(h.wire(RINGD), [], 'nothing dialed');
    await h.assertClean();
    assert.deepEqual(await h.groupcallRows(), []);
  });
});
