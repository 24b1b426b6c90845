/**
 * The engine's rules (pickup.md "The pickup request") and its races in virtual time: never the picker's
 * own call, never an answered call, never another tenant's; the index's orders; the tenant's failure tone;
 * two pickers for one call, a picker and a member answering at once, the caller leaving while a pickup is
 * in flight; and the REST door (`POST /v1.0/calls/{id}/pickup` through the engine).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { PickupIndex } from '../../../src/pbx/pickup/pickup-index.ts';
import type { IndexedLeg } from '../../../src/pbx/pickup/types.ts';
import type { FakeEndpoint } from '../../support/fake-media.ts';
import type { CallerView, Harness } from './harness.ts';
import { RINGD } from './harness.ts';
import {
  assertBridged,
  byeIfUp,
  cancelReasonTo,
  COMPLETED_ELSEWHERE,
  finalTo,
  finish,
  incoming,
  world,
  type World,
} from './pickup-support.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setup(): Promise<World> {
  const w = await world();
  h = w.h;
  return w;
}

describe('what is never picked up', () => {
  test('another tenant’s call, whatever the door: the same ring-group number, a shared call-group name, the REST door', async () => {
    const w = await setup();
    await w.h.dir.users.update(w.h.tenantId, w.users.carol, { call_groups: ['sales'] });
    const other = await w.h.dir.customers.create({ name: 'Other', domain: 'other.example' });
    const zed = await w.h.foreignPhone(other.id, 'other.example', 'zed', '10.0.1.1');
    const yan = await w.h.foreignPhone(other.id, 'other.example', 'yan', '10.0.1.2');
    yan.behaviour = 'ring';
    const zedUser = await w.h.dir.users.create(other.id, { name: 'Zed', call_groups: ['sales'] });
    await w.h.dir.devices.update(other.id, w.h.dir.cache.deviceBySipUsername(other.id, 'zed')!.id, {
      owner_id: zedUser.id,
    });
    await w.h.dir.callflows.create(other.id, {
      numbers: ['600'],
      flow: {
        module: 'ring_group',
        data: {
          name: 'Front desk',
          endpoints: [
            { id: w.h.dir.cache.deviceBySipUsername(other.id, 'yan')!.id, endpoint_type: 'device' },
          ],
        },
      },
    });
    const caller = w.h.dial(w.phones.alice, '600'); // rings carol (call group sales) and bob-desk, tenant Acme
    await w.h.run(50);
    for (const code of ['*87600', '*87', '88sales', '*87103']) {
      const v = await pickAt(w, code, zed);
      assert.ok(v.failure !== undefined && v.failure >= 400, `${code} from the other tenant: ${v.failure}`);
      assert.equal(v.session, undefined, `${code}: not answered`);
    }
    await assert.rejects(
      w.h.engine.pickupCall(other.id, incoming(w.h)[0], {
        device_id: w.h.dir.cache.deviceBySipUsername(other.id, 'zed')!.id,
      }),
      { status: 404, reason: 'CALL_NOT_FOUND' },
    );
    assert.equal(w.h.pickups.length, 0, 'no pickup happened');
    assert.equal(caller.session, undefined, 'Acme’s call still rings');
    assert.equal(yan.invites.length, 0, 'nothing rang in the other tenant');
    assert.equal(cancelReasonTo(w.h, w.phones.carol), undefined, 'carol still rings');
    await finish(w, caller);
  });

  test('the picker’s own call (placed from its device) and an answered call', async () => {
    const w = await setup();
    const own = w.h.dial(w.phones.erin, '600');
    await w.h.run(50);
    assert.equal((await pickAt(w, '*87600')).failure, 480, 'erin’s own call to 600 is not hers to pick');
    byeIfUp(own);
    own.out.cancel();
    await w.h.run(50);
    const v = w.h.dial(w.phones.alice, '600');
    await w.h.run(50);
    w.phones.carol.answer(w.phones.carol.invites.at(-1)!);
    await w.h.run(50);
    assert.ok(v.session, 'carol answered');
    assert.equal((await pickAt(w, '*87600')).failure, 480, 'an answered call is not pickable');
    assert.equal(w.h.pickups.length, 0);
    await finish(w, v);
  });

  test('another tenant’s legs: the index never answers them (same keys, other tenant)', () => {
    const index = new PickupIndex();
    const leg = (id: string, customerId: string, master: string): IndexedLeg => ({
      id,
      customerId,
      masterCallId: master,
      groupcallId: 'gc',
      deviceId: 'dev-1',
      userId: 'user-1',
      ring: { why: 'ring_group', ringGroupName: 'Sales', callflowId: 'cf-1' },
      callGroups: ['sales'],
    });
    index.add(leg('l1', 'tenant-b', 'call-b'));
    for (const scopes of [
      [{ kind: 'device' as const, id: 'dev-1' }],
      [{ kind: 'user' as const, id: 'user-1' }],
      [{ kind: 'call_group' as const, name: 'sales' }],
      [{ kind: 'call' as const, id: 'call-b' }],
    ]) {
      assert.deepEqual(index.candidates({ customerId: 'tenant-a', scopes }), []);
      assert.equal(index.candidates({ customerId: 'tenant-b', scopes }).length, 1);
    }
  });

  test('index orders: oldest, newest, random (injected); one candidate per caller call; O(1) removal', () => {
    const index = new PickupIndex();
    const mk = (id: string, master: string, device: string): IndexedLeg => ({
      id,
      customerId: 't',
      masterCallId: master,
      groupcallId: 'gc',
      deviceId: device,
      userId: '',
      ring: { why: 'direct' },
      callGroups: [],
    });
    index.add(mk('a1', 'A', 'd1'));
    index.add(mk('b1', 'B', 'd2'));
    index.add(mk('a2', 'A', 'd2'));
    index.add(mk('c1', 'C', 'd1'));
    const scopes = [
      { kind: 'device' as const, id: 'd1' },
      { kind: 'device' as const, id: 'd2' },
    ];
    const ids = (order: 'oldest' | 'newest' | 'random', random?: () => number) =>
      index.candidates({ customerId: 't', scopes, order, random }).map((c) => `${c.callId}:${c.leg.id}`);
    assert.deepEqual(ids('oldest'), ['A:a1', 'B:b1', 'C:c1']);
    assert.deepEqual(ids('newest'), ['C:c1', 'A:a2', 'B:b1']);
    assert.deepEqual(
      ids('random', () => 0),
      ['B:b1', 'C:c1', 'A:a1'],
    );
    index.remove('a1');
    assert.deepEqual(ids('oldest'), ['B:b1', 'A:a2', 'C:c1']);
    for (const id of ['b1', 'a2', 'c1']) index.remove(id);
    assert.deepEqual(index.stats(), { legs: 0, keys: 0 });
  });
});

async function pickAt(w: World, code: string, from = w.phones.erin): Promise<CallerView> {
  const v = w.h.dial(from, code);
  await w.h.run(50);
  return v;
}

describe('the tenant’s failure tone', () => {
  test('pickup_failure_mode tone: the picker is answered, hears the failure tone, then BYE', async () => {
    const w = await setup();
    await w.h.dir.customers.update(w.h.tenantId, { settings: { pickup_failure_mode: 'tone' } });
    const p = w.h.dial(w.phones.erin, '*87600');
    await w.h.run(50);
    assert.ok(p.session, 'answered instead of 480');
    const leg = w.h.engine.legs.get(incoming(w.h)[0])!;
    assert.deepEqual((leg.media.endpoint as FakeEndpoint).playing(), ['failure']);
    await w.h.run(5000);
    assert.deepEqual(p.ended, ['remote-bye'], 'ringd hung up after the tone');
    await w.h.assertClean();
  });
});

describe('races (virtual time)', () => {
  test('two pickers for one call at the same instant: exactly one wins, the other gets 480', async () => {
    const w = await setup();
    const caller = w.h.dial(w.phones.alice, '600');
    await w.h.run(50);
    const erin = w.h.dial(w.phones.erin, '*87600');
    const dave = w.h.dial(w.phones.dave, '*87600');
    await w.h.run(50);
    const answers = [finalTo(w.h, w.phones.erin), finalTo(w.h, w.phones.dave)].sort();
    assert.deepEqual(answers, ['200 OK', '480 No Call To Pick Up']);
    assert.equal(w.h.pickups.length, 1);
    assert.ok(caller.session);
    await finish(w, caller, erin, dave);
  });

  test('two pickers, two calls: the loser of the first takes the next call', async () => {
    const w = await setup();
    const c1 = w.h.dial(w.phones.alice, '600');
    await w.h.run(50);
    const c2 = w.h.dial(w.phones.mobile, '600'); // rings carol only (bob-mobile's own desk is a member)
    await w.h.run(50);
    const erin = w.h.dial(w.phones.erin, '*87600');
    const dave = w.h.dial(w.phones.dave, '*87600');
    await w.h.run(50);
    assert.equal(finalTo(w.h, w.phones.erin), '200 OK');
    assert.equal(finalTo(w.h, w.phones.dave), '200 OK');
    assert.deepEqual(w.h.pickups.map((e) => e.data.caller_call_id).sort(), incoming(w.h).slice(0, 2).sort());
    assert.ok(c1.session && c2.session);
    await finish(w, c1, c2, erin, dave);
  });

  test('a member’s 200 and a picker’s INVITE in the same tick, the 200 read first: the member wins, the picker gets 480', async () => {
    const w = await setup();
    const caller = w.h.dial(w.phones.alice, '600');
    await w.h.run(50);
    w.phones.carol.answer(w.phones.carol.invites[0]);
    const erin = w.h.dial(w.phones.erin, '*87600');
    await w.h.run(50);
    assert.equal(finalTo(w.h, w.phones.erin), '480 No Call To Pick Up');
    assert.ok(caller.session, 'bridged to carol');
    assert.equal(w.h.pickups.length, 0);
    await finish(w, caller, erin);
  });

  test('picker claims first, the member’s 200 crosses the CANCEL: ACK + BYE to the member; exactly one bridged', async () => {
    const w = await setup();
    const caller = w.h.dial(w.phones.alice, '600');
    await w.h.run(50);
    // carol answers at the very moment ringd stops her leg (just before its CANCEL goes out): they cross
    const carolLeg = w.h.legTo('carol');
    w.h.engine.legs.observe({
      stoppedRinging: (leg) => {
        if (leg.id === carolLeg) w.phones.carol.answer(w.phones.carol.invites[0]);
      },
    });
    const erin = w.h.dial(w.phones.erin, '*87600');
    await w.h.run(50);
    assert.equal(finalTo(w.h, w.phones.erin), '200 OK');
    assert.deepEqual(w.h.wire(RINGD, w.phones.carol.address), ['INVITE', 'CANCEL', 'ACK', 'BYE']);
    assert.equal(cancelReasonTo(w.h, w.phones.carol), COMPLETED_ELSEWHERE);
    const [callerLeg, pickerLeg] = incoming(w.h);
    assertBridged(w.h, callerLeg, pickerLeg);
    await finish(w, caller, erin);
  });

  test('the caller’s CANCEL and a picker’s INVITE in the same tick, the CANCEL read first: the picker gets 480, nothing is left', async () => {
    const w = await setup();
    const caller = w.h.dial(w.phones.alice, '600');
    await w.h.run(50);
    caller.out.cancel();
    const erin = w.h.dial(w.phones.erin, '*87600');
    await w.h.run(50);
    assert.equal(caller.failure, 487);
    assert.equal(finalTo(w.h, w.phones.erin), '480 No Call To Pick Up');
    await finish(w, erin);
  });

  test('after a pickup, the caller hanging up ends the picker (and the other way round)', async () => {
    const w = await setup();
    const caller = w.h.dial(w.phones.alice, '600');
    await w.h.run(50);
    const erin = w.h.dial(w.phones.erin, '*87600');
    await w.h.run(50);
    void caller.session!.bye();
    await w.h.run(50);
    assert.deepEqual(erin.ended, ['remote-bye']);
    await w.h.assertClean();
  });
});

describe('REST door: POST /v1.0/calls/{id}/pickup (engine)', () => {
  test('rings the picker; on answer the call is picked up and bridged; kind api', async () => {
    const w = await setup();
    w.phones.erin.behaviour = 'ring';
    const caller = w.h.dial(w.phones.alice, '600');
    await w.h.run(50);
    const callerId = incoming(w.h)[0];
    const gc = await w.h.engine.pickupCall(w.h.tenantId, callerId, { user_id: w.users.erin });
    assert.equal(gc.status, 'progressing');
    await w.h.run(50);
    assert.equal(w.phones.erin.invites.length, 1, 'erin’s phone rings');
    assert.equal(caller.session, undefined);
    w.phones.erin.answer(w.phones.erin.invites[0]);
    await w.h.run(50);
    assert.ok(caller.session, 'the caller is answered');
    assert.equal(cancelReasonTo(w.h, w.phones.carol), COMPLETED_ELSEWHERE);
    const ev = w.h.pickups[0].data;
    assert.equal(ev.kind, 'api');
    assert.equal(ev.caller_call_id, callerId);
    assert.equal(ev.picker_device_id, w.h.devices.erin.id);
    assertBridged(w.h, callerId, ev.picker_call_id);
    void w.phones.erin.sessions[0].bye();
    await w.h.run(50);
    assert.deepEqual(caller.ended, ['remote-bye']);
    await w.h.assertClean();
  });

  test('404 unknown call, 409 not pickable, 400 unknown picker; the picker’s phone stops when the call is answered elsewhere', async () => {
    const w = await setup();
    w.phones.erin.behaviour = 'ring';
    const e = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (err: { status: number; reason: string }) => `${err.status} ${err.reason}`,
      );
    assert.equal(
      await e(
        w.h.engine.pickupCall(w.h.tenantId, '00000000-0000-4000-8000-0000000000ff', {
          device_id: w.h.devices.erin.id,
        }),
      ),
      '404 CALL_NOT_FOUND',
    );
    const caller = w.h.dial(w.phones.alice, '600');
    await w.h.run(50);
    const callerId = incoming(w.h)[0];
    assert.equal(
      await e(
        w.h.engine.pickupCall(w.h.tenantId, callerId, { device_id: '00000000-0000-4000-8000-0000000000ee' }),
      ),
      '400 REFERENCE_NOT_FOUND',
    );
    await w.h.engine.pickupCall(w.h.tenantId, callerId, { device_id: w.h.devices.erin.id });
    await w.h.run(50);
    assert.equal(w.phones.erin.invites.length, 1);
    w.phones.carol.answer(w.phones.carol.invites[0]);
    await w.h.run(50);
    assert.ok(caller.session, 'carol answered');
    assert.ok(w.h.wire(RINGD, w.phones.erin.address).includes('CANCEL'), 'erin’s phone stops ringing');
    assert.equal(
      await e(w.h.engine.pickupCall(w.h.tenantId, callerId, { device_id: w.h.devices.erin.id })),
      '409 CALL_NOT_PICKABLE',
    );
    await finish(w, caller);
  });

  test('answered after the call stopped being pickable: the picker is hung up (BYE)', async () => {
    const w = await setup();
    w.phones.erin.behaviour = 'ring';
    w.phones.dave.behaviour = 'ring';
    const caller = w.h.dial(w.phones.alice, '600');
    await w.h.run(50);
    const callerId = incoming(w.h)[0];
    await w.h.engine.pickupCall(w.h.tenantId, callerId, { device_id: w.h.devices.erin.id });
    await w.h.run(50);
    // erin answers when the caller stops being pickable (dave's claim), as ringd stops her phone
    const carolLeg = w.h.legTo('carol');
    w.h.engine.legs.observe({
      stoppedRinging: (leg) => {
        if (leg.id === carolLeg) w.phones.erin.answer(w.phones.erin.invites[0]);
      },
    });
    const sip = w.h.dial(w.phones.dave, '*87600'); // someone else picks it up by SIP
    await w.h.run(50);
    assert.equal(finalTo(w.h, w.phones.dave), '200 OK');
    assert.equal(w.h.pickups.length, 1, 'only dave picked up');
    assert.ok(w.h.wire(RINGD, w.phones.erin.address).includes('BYE'), 'erin is hung up');
    await finish(w, caller, sip);
  });
});
