/**
 * Ring groups through the callflow executor (callflows.md `ring_group`, groupcall.md): a ring group is a
 * groupcall whose `master_call_id` is the caller's call. Simultaneous / single / weighted_random, per-member
 * delay and timeout, repeats, the caller's own device excluded, duplicates dropped, nested groups,
 * `fail_on_single_reject` — asserted on the wire, in the groupcall records and in the events.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { SipRequest } from '../../../src/sip/message/index.ts';
import { NIL_UUID, NOT_YET, TIMESTAMP_PATTERN } from '../../../src/store/timestamp.ts';
import { Harness, RINGD, type HarnessOptions } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const COMPLETED_ELSEWHERE = 'SIP;cause=200;text="Call completed elsewhere"';

/**
 * alice (10.0.0.1, the caller), Bob's desk (.2) and mobile (.3), carol (.4), dave (.5); users Carol and
 * Dave own their devices.
 */
async function setup(opts?: HarnessOptions) {
  h = await Harness.create(opts);
  const carolUser = await h.user('Carol');
  const daveUser = await h.user('Dave');
  await h.device('carol', carolUser);
  await h.device('dave', daveUser);
  const bobUser = h.devices['bob-desk'].ownerId;
  const phones = {
    alice: h.phone('alice', '10.0.0.1', 'alice'),
    desk: h.phone('desk', '10.0.0.2', 'bob-desk'),
    mobile: h.phone('mobile', '10.0.0.3', 'bob-mobile'),
    carol: h.phone('carol', '10.0.0.4', 'carol'),
    dave: h.phone('dave', '10.0.0.5', 'dave'),
  };
  for (const p of Object.values(phones)) p.behaviour = 'ring';
  return { h, ...phones, users: { bob: bobUser, carol: carolUser, dave: daveUser } };
}

const dev = (h: Harness, name: string) => ({ id: h.devices[name].id, endpoint_type: 'device' });

function cancelsTo(h: Harness, address: string): SipRequest[] {
  return h
    .packets(RINGD, address)
    .filter((p) => p.message?.kind === 'request' && (p.message as SipRequest).method === 'CANCEL')
    .map((p) => p.message as SipRequest);
}

function invitesTo(h: Harness, address: string): number {
  return h.wire(RINGD, address).filter((l) => l === 'INVITE').length;
}

describe('ring_group simultaneous (ring_all)', () => {
  test('all ring; the second answers; the others get CANCEL "completed elsewhere"; the groupcall field for field', async () => {
    const { h, alice, carol, dave, desk, mobile, users } = await setup();
    await h.callflow(['700'], {
      module: 'ring_group',
      data: {
        name: 'Sales',
        endpoints: [dev(h, 'carol'), dev(h, 'dave'), { id: users.bob, endpoint_type: 'user' }],
      },
    });
    const v = h.dial(alice, '700');
    await h.run(50);
    assert.deepEqual(v.progress, [180], 'one 180 to the caller');
    for (const p of [carol, dave, desk, mobile]) assert.equal(p.invites.length, 1, `${p.name} rings`);
    const [rootId, bobGcId] = h.groupcallIds();
    const callerId = h.callerLeg();

    // Before anyone answers: the root record as the seed describes it.
    const ringing = await h.gc(rootId);
    assert.equal(ringing.status, 'progressing');
    assert.equal(ringing.master_call_id, callerId, 'a ring group is a groupcall of the caller call');
    assert.equal(ringing.master_groupcall_id, NIL_UUID);
    assert.equal(ringing.ring_method, 'ring_all');
    assert.equal(ringing.answer_method, 'hangup_others');
    assert.deepEqual(ringing.call_ids, [h.legTo('carol'), h.legTo('dave')]);
    assert.deepEqual(ringing.groupcall_ids, [bobGcId]);
    assert.deepEqual([ringing.call_count, ringing.groupcall_count, ringing.dial_index], [2, 1, 0]);
    assert.deepEqual(ringing.destinations, [
      { type: 'device', target: h.devices.carol.id, target_name: 'carol', name: '', detail: '' },
      { type: 'device', target: h.devices.dave.id, target_name: 'dave', name: '', detail: '' },
      { type: 'user', target: users.bob, target_name: 'Bob', name: '', detail: '' },
    ]);
    assert.deepEqual(ringing.source, {
      type: 'device',
      target: h.devices.alice.id,
      target_name: 'alice',
      name: 'Alice Smith',
      detail: '',
    });
    assert.equal(ringing.answer_call_id, NIL_UUID);
    assert.equal(ringing.answer_groupcall_id, NIL_UUID);
    assert.equal(ringing.flow_id, NIL_UUID);
    assert.deepEqual([ringing.owner_type, ringing.owner_id], ['', NIL_UUID]);
    assert.match(ringing.tm_create, TIMESTAMP_PATTERN);
    assert.equal(ringing.tm_delete, NOT_YET);

    const nested = await h.gc(bobGcId);
    assert.equal(nested.master_groupcall_id, rootId, 'the user is a nested groupcall of the ring group');
    assert.equal(nested.master_call_id, callerId);
    assert.deepEqual(nested.call_ids, [h.legTo('bob-desk'), h.legTo('bob-mobile')]);

    dave.answer(dave.invites[0]);
    await h.run(50);
    assert.ok(v.session, 'the caller is connected');
    const daveLeg = h.legTo('dave');
    for (const addr of ['10.0.0.4', '10.0.0.2', '10.0.0.3']) {
      const cancels = cancelsTo(h, addr);
      assert.equal(cancels.length, 1, `${addr} got CANCEL`);
      assert.equal(cancels[0].get('Reason'), COMPLETED_ELSEWHERE);
    }
    assert.deepEqual(cancelsTo(h, '10.0.0.5'), [], 'the winner is not cancelled');
    const callerEp = h.media.facing('10.0.0.1');
    assert.equal(callerEp.partner?.remote?.address, '10.0.0.5', "the caller's media is bridged to dave");

    const answered = await h.gc(rootId);
    assert.equal(answered.status, 'progressing', 'progressing during the conversation');
    assert.equal(answered.answer_call_id, daveLeg);
    assert.deepEqual([answered.call_count, answered.groupcall_count], [1, 0], 'only the winner is alive');
    assert.notEqual(answered.tm_update, NOT_YET);
    assert.equal((await h.gc(bobGcId)).status, 'hangup', 'the nested groupcall was hung up');

    void v.session!.bye();
    await h.assertClean();
    const ended = await h.gc(rootId);
    assert.equal(ended.status, 'hangup');
    assert.deepEqual([ended.call_count, ended.groupcall_count], [0, 0]);
    assert.deepEqual(h.gcEventsOf(rootId), [
      'groupcall_created',
      'groupcall_progressing',
      'groupcall_hangup',
    ]);
    assert.deepEqual(h.gcEventsOf(bobGcId), ['groupcall_created', 'groupcall_hangup']);
    // The record existed before any leg: groupcall_created comes before the first leg's call_created.
    const created = h.timeline.indexOf(`groupcall_created ${rootId}`);
    assert.ok(created >= 0 && created < h.timeline.indexOf(`call_created ${h.legTo('carol')}`));
    const rows = await h.rows();
    const daveRow = rows.find((r) => r.id === daveLeg)!;
    assert.equal(daveRow.groupcall_id, rootId, 'the leg names its groupcall');
    assert.equal(daveRow.master_call_id, callerId);
    assert.equal(rows.find((r) => r.id === h.legTo('bob-desk'))!.groupcall_id, bobGcId);
    const stored = await h.groupcallRows();
    assert.deepEqual(
      stored.map((g) => [g.id, g.status]),
      [
        [rootId, 'hangup'],
        [bobGcId, 'hangup'],
      ],
      'both records in the store',
    );
  });

  test('every member busy → the caller gets 486; all legs and groupcalls end', async () => {
    const { h, alice, carol, dave } = await setup();
    carol.behaviour = 'busy';
    dave.behaviour = 'busy';
    await h.callflow(['701'], {
      module: 'ring_group',
      data: { endpoints: [dev(h, 'carol'), dev(h, 'dave')] },
    });
    const v = h.dial(alice, '701');
    await h.run(50);
    assert.equal(v.failure, 486);
    const [gc] = h.groupcallIds();
    assert.equal((await h.gc(gc)).status, 'hangup');
    assert.deepEqual(h.gcEventsOf(gc), ['groupcall_created', 'groupcall_hangup']);
    await h.assertClean();
  });

  test('the caller cancels mid-ring: every member gets CANCEL, the groupcall hangs up', async () => {
    const { h, alice, carol, dave } = await setup();
    await h.callflow(['702'], {
      module: 'ring_group',
      data: { endpoints: [dev(h, 'carol'), dev(h, 'dave')] },
    });
    const v = h.dial(alice, '702');
    await h.run(50);
    v.out.cancel();
    await h.run(50);
    assert.equal(v.failure, 487);
    for (const p of [carol, dave]) assert.deepEqual(h.wire(RINGD, p.address), ['INVITE', 'CANCEL', 'ACK']);
    assert.equal(cancelsTo(h, '10.0.0.4')[0].get('Reason'), undefined, 'no "completed elsewhere"');
    const [gc] = h.groupcallIds();
    assert.equal((await h.gc(gc)).status, 'hangup');
    await h.assertClean();
    const rows = await h.rows();
    assert.ok(rows.every((r) => r.hangup_reason === 'cancel'));
  });

  test("the caller's own device and duplicates are dropped; nested groups are expanded", async () => {
    const { h, alice, carol, dave, desk, mobile, users } = await setup();
    const inner = await h.group('Inner', [[h.devices.dave.id, 'device']]);
    const outer = await h.group('Outer', [
      [inner, 'group'],
      [h.devices.alice.id, 'device'],
      [h.devices.carol.id, 'device'],
    ]);
    await h.callflow(['703'], {
      module: 'ring_group',
      data: {
        endpoints: [
          dev(h, 'alice'), // the caller itself
          dev(h, 'carol'),
          { id: outer, endpoint_type: 'group' }, // carol again (dropped), dave through the inner group
          { id: users.carol, endpoint_type: 'user' }, // carol a third time: nothing new, dropped
          { id: users.bob, endpoint_type: 'user' },
        ],
      },
    });
    h.dial(alice, '703');
    await h.run(50);
    assert.equal(alice.invites.length, 0, 'the calling device is never rung');
    for (const p of [carol, dave, desk, mobile])
      assert.equal(invitesTo(h, p.address), 1, `${p.name} rang once`);
    const [root] = h.groupcallIds();
    const r = await h.gc(root);
    assert.deepEqual(
      r.destinations.map((d) => d.type),
      ['device', 'group', 'user'],
      'the duplicate-only user is dropped',
    );
    const groupGc = await h.gc(r.groupcall_ids[0]);
    assert.deepEqual(
      groupGc.destinations.map((d) => d.target_name),
      ['dave'],
      'only what is new in the group',
    );
    await h.engine.hangup(h.tenantId, h.callerLeg());
    await h.assertClean();
  });
});

describe('ring_group single (linear)', () => {
  test('advances on 486 and on the member ring timeout; dial_index follows; the third answers', async () => {
    const { h, alice, carol, dave, desk } = await setup();
    carol.behaviour = 'busy';
    await h.callflow(['710'], {
      module: 'ring_group',
      data: {
        strategy: 'single',
        endpoints: [dev(h, 'carol'), { ...dev(h, 'dave'), timeout: 5 }, dev(h, 'bob-desk')],
      },
    });
    const v = h.dial(alice, '710');
    await h.run(50);
    const [gc] = h.groupcallIds();
    assert.equal(carol.invites.length, 1);
    assert.equal(dave.invites.length, 1, 'dave is rung after carol was busy');
    assert.equal(desk.invites.length, 0, 'one at a time');
    // Events in causal order: carol's leg is over (call_hangup) before dave's starts (call_created).
    const order = h.events.map((e) => `${e.type} ${e.data.id}`);
    assert.ok(
      order.indexOf(`call_hangup ${h.legTo('carol')}`) < order.indexOf(`call_created ${h.legTo('dave')}`),
      `carol's leg ends before dave's starts: ${order.join(', ')}`,
    );
    let r = await h.gc(gc);
    assert.equal(r.ring_method, 'linear');
    assert.equal(r.dial_index, 1);
    assert.deepEqual([r.call_count, r.groupcall_count], [1, 0]);
    assert.deepEqual(r.call_ids, [h.legTo('carol'), h.legTo('dave')]);
    await h.run(4_900);
    assert.equal(desk.invites.length, 0, 'dave still has his 5 s');
    await h.run(200);
    assert.deepEqual(h.wire(RINGD, '10.0.0.5'), ['INVITE', 'CANCEL', 'ACK'], 'dave timed out');
    assert.equal(desk.invites.length, 1, 'then the desk rings');
    r = await h.gc(gc);
    assert.equal(r.dial_index, 2);
    desk.answer(desk.invites[0]);
    await h.run(50);
    assert.ok(v.session);
    r = await h.gc(gc);
    assert.equal(r.answer_call_id, h.legTo('bob-desk'));
    void v.session!.bye();
    await h.assertClean();
    const rows = await h.rows();
    assert.equal(rows.find((x) => x.id === h.legTo('dave'))!.hangup_reason, 'noanswer');
  });

  test('nobody answers the last one: the failure branch "_" runs (here: another device)', async () => {
    const { h, alice, carol, mobile } = await setup();
    carol.behaviour = 'decline';
    await h.callflow(['711'], {
      module: 'ring_group',
      data: { strategy: 'single', endpoints: [dev(h, 'carol')] },
      children: { _: { module: 'device', data: { id: h.devices['bob-mobile'].id } } },
    });
    const v = h.dial(alice, '711');
    await h.run(50);
    assert.equal(mobile.invites.length, 1, 'the "_" branch rang the mobile');
    mobile.answer(mobile.invites[0]);
    await h.run(50);
    assert.ok(v.session);
    assert.equal(h.groupcallIds().length, 2, 'one groupcall per ringing action');
    void v.session!.bye();
    await h.assertClean();
  });
});

describe('ring_group options', () => {
  test('weighted_random: an order drawn by weight, then one at a time', async () => {
    // With u = 1 - random(): keys ln(u)/w. carol w=1 (u=0.9 → -0.105), dave w=9 (u=0.1 → -0.256):
    // carol first. The second call draws u=0.1 for carol (-2.30) and u=0.9 for dave (-0.0117): dave first.
    const draws = [0.1, 0.9, 0.9, 0.1];
    const { h, alice, carol, dave } = await setup({ random: () => draws.shift() ?? 0.5 });
    await h.callflow(['720'], {
      module: 'ring_group',
      data: {
        strategy: 'weighted_random',
        endpoints: [
          { ...dev(h, 'carol'), weight: 1 },
          { ...dev(h, 'dave'), weight: 9 },
        ],
      },
    });
    h.dial(alice, '720');
    await h.run(50);
    assert.deepEqual([carol.invites.length, dave.invites.length], [1, 0], 'carol drawn first');
    assert.equal((await h.gc(h.groupcallIds()[0])).ring_method, 'linear');
    await h.engine.hangup(h.tenantId, h.callerLeg());
    await h.run(50);
    h.dial(alice, '720');
    await h.run(50);
    assert.deepEqual([carol.invites.length, dave.invites.length], [1, 1], 'dave drawn first this time');
    await h.engine.hangup(h.tenantId, h.callerLeg(1));
    await h.assertClean();
  });

  test('per-member delay: the delayed member is dialed later; an answer before its delay means it never rings', async () => {
    const { h, alice, carol, dave } = await setup();
    await h.callflow(['721'], {
      module: 'ring_group',
      data: { endpoints: [dev(h, 'carol'), { ...dev(h, 'dave'), delay: 3 }] },
    });
    const v = h.dial(alice, '721');
    await h.run(50);
    const [gc] = h.groupcallIds();
    assert.equal(carol.invites.length, 1);
    assert.equal(dave.invites.length, 0, 'dave waits 3 s');
    let r = await h.gc(gc);
    assert.deepEqual([r.call_count, r.call_ids.length], [2, 1], 'counted in the step, no leg yet');
    await h.run(3_000);
    assert.equal(dave.invites.length, 1, 'dave rings after 3 s');
    r = await h.gc(gc);
    assert.equal(r.call_ids.length, 2);
    carol.answer(carol.invites[0]);
    await h.run(50);
    assert.ok(v.session);
    void v.session!.bye();
    await h.assertClean();

    const w = h.dial(alice, '721');
    await h.run(50);
    carol.answer(carol.invites[1]);
    await h.run(5_000);
    assert.ok(w.session);
    assert.equal(dave.invites.length, 1, 'dave was not rung for the second call');
    void w.session!.bye();
    await h.assertClean();
  });

  test('per-member timeout (3 s) and the group timeout (8 s)', async () => {
    const { h, alice, carol, dave } = await setup();
    await h.callflow(['722'], {
      module: 'ring_group',
      data: { timeout: 8, endpoints: [{ ...dev(h, 'carol'), timeout: 3 }, dev(h, 'dave')] },
    });
    const v = h.dial(alice, '722');
    await h.run(3_100);
    assert.deepEqual(h.wire(RINGD, carol.address), ['INVITE', 'CANCEL', 'ACK'], 'carol stops after 3 s');
    assert.deepEqual(h.wire(RINGD, dave.address), ['INVITE'], 'dave still rings');
    await h.run(5_000);
    assert.equal(v.failure, 480, 'dave stops at 8 s: nobody answered');
    await h.assertClean();
    const [caller] = await h.rows();
    assert.equal(caller.hangup_reason, 'noanswer');
  });

  test('repeats: the whole group is rung again before the failure branch', async () => {
    const { h, alice, carol } = await setup();
    await h.callflow(['723'], {
      module: 'ring_group',
      data: { repeats: 2, timeout: 5, endpoints: [dev(h, 'carol')] },
    });
    const v = h.dial(alice, '723');
    await h.run(5_100);
    assert.equal(carol.invites.length, 2, 'a second round');
    assert.equal(v.failure, undefined);
    await h.run(5_100);
    assert.equal(carol.invites.length, 2);
    assert.equal(v.failure, 480);
    assert.equal(h.groupcallIds().length, 2, 'one groupcall per round');
    await h.assertClean();
  });

  test('fail_on_single_reject: one decline ends the group (no repeat), the others are cancelled', async () => {
    const { h, alice, carol, dave } = await setup();
    carol.behaviour = (inv) => {
      inv.progress(180);
      h.clock.setTimer(1000, () => inv.reject(603, 'Decline'));
    };
    await h.callflow(['724'], {
      module: 'ring_group',
      data: { fail_on_single_reject: true, repeats: 3, endpoints: [dev(h, 'carol'), dev(h, 'dave')] },
      children: { CALL_REJECTED: { module: 'hangup', data: { code: 486 } } },
    });
    const v = h.dial(alice, '724');
    await h.run(1_100);
    assert.deepEqual(h.wire(RINGD, dave.address), ['INVITE', 'CANCEL', 'ACK'], 'dave cancelled');
    assert.equal(v.failure, 486, 'the CALL_REJECTED branch ran');
    assert.equal(h.groupcallIds().length, 1, 'no repeat after a rejection');
    await h.assertClean();
  });

  test("fail_on_single_reject counts the legs of nested groupcalls (a user's device declining)", async () => {
    const { h, alice, desk, mobile, carol, users } = await setup();
    desk.behaviour = 'decline';
    await h.callflow(['726'], {
      module: 'ring_group',
      data: {
        fail_on_single_reject: true,
        endpoints: [{ id: users.bob, endpoint_type: 'user' }, dev(h, 'carol')],
      },
    });
    const v = h.dial(alice, '726');
    await h.run(50);
    assert.equal(v.failure, 603, 'the decline ended the group');
    assert.deepEqual(h.wire(RINGD, mobile.address), ['INVITE', 'CANCEL', 'ACK'], 'the mobile was cancelled');
    assert.deepEqual(h.wire(RINGD, carol.address), ['INVITE', 'CANCEL', 'ACK'], 'carol was cancelled');
    await h.assertClean();
  });

  test('without fail_on_single_reject a decline only drops that member', async () => {
    const { h, alice, carol, dave } = await setup();
    carol.behaviour = 'decline';
    await h.callflow(['725'], {
      module: 'ring_group',
      data: { endpoints: [dev(h, 'carol'), dev(h, 'dave')] },
    });
    const v = h.dial(alice, '725');
    await h.run(50);
    dave.answer(dave.invites[0]);
    await h.run(50);
    assert.ok(v.session, 'dave still answered');
    void v.session!.bye();
    await h.assertClean();
  });
});

describe('device and user actions are groupcalls too', () => {
  test('device: one groupcall with the leg; user: a groupcall of its devices; both name the caller call', async () => {
    const { h, alice, desk, mobile } = await setup();
    const v = h.dial(alice, '201'); // user Bob
    await h.run(50);
    const [gc] = h.groupcallIds();
    const r = await h.gc(gc);
    assert.equal(r.master_call_id, h.callerLeg());
    assert.deepEqual(
      r.destinations.map((d) => d.target_name),
      ['bob-desk', 'bob-mobile'],
    );
    desk.answer(desk.invites[0]);
    await h.run(50);
    assert.equal(cancelsTo(h, mobile.address)[0].get('Reason'), COMPLETED_ELSEWHERE);
    void v.session!.bye();
    await h.assertClean();
  });

  test('user strategy single rings the devices one after the other', async () => {
    const { h, alice, desk, mobile } = await setup();
    await h.callflow(['730'], {
      module: 'user',
      data: { id: h.devices['bob-desk'].ownerId, strategy: 'single', timeout: 4 },
    });
    const v = h.dial(alice, '730');
    await h.run(50);
    assert.deepEqual([desk.invites.length, mobile.invites.length], [1, 0]);
    await h.run(4_000);
    assert.deepEqual([desk.invites.length, mobile.invites.length], [1, 1]);
    await h.run(4_000);
    assert.equal(v.failure, 480);
    await h.assertClean();
  });
});
