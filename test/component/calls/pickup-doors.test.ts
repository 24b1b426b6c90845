/**
 * Call pickup through each front door (pickup.md §1–4) on real calls in virtual time: the picker's final
 * answer on the wire (200 / 403 / 404 / 480 with their phrases), the media bridge, the members' CANCEL
 * reason, the `call_pickup` event; scope precedence, each `approved_*` allowed and denied, nested groups,
 * the named call/pickup groups, the permission to monitor, `*87`'s search order, the queue steps through a
 * fake `QueueCallSource`.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { QueueCallSource } from '../../../src/pbx/pickup/types.ts';
import type { CallerView, Harness, HarnessOptions } from './harness.ts';
import {
  assertBridged,
  byeIfUp,
  cancelReasonTo,
  COMPLETED_ELSEWHERE,
  finalTo,
  finish,
  hangUpCallers,
  incoming,
  world,
  type World,
} from './pickup-support.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setup(opts: HarnessOptions = {}): Promise<World> {
  const w = await world(opts);
  h = w.h;
  return w;
}

const PICKED = '200 OK';
const NOT_PERMITTED = '403 Pickup Not Permitted';
const NO_TARGET = '404 No Pickup Target';
const NO_CALL = '480 No Call To Pick Up';

/** The picker dials `code`; returns its view once answered either way. */
async function pick(w: World, code: string, from = w.phones.erin): Promise<CallerView> {
  const v = w.h.dial(from, code);
  await w.h.run(50);
  return v;
}

/** Ends every call and checks nothing is left. */
/** Asserts `picker` got 200 and is bridged to the caller call `callerView` placed (nth incoming call). */
function assertPicked(w: World, picker: CallerView, caller: CallerView, callerNth: number): void {
  assert.equal(finalTo(w.h, w.phones.erin) ?? '', PICKED);
  assert.ok(picker.session, 'the picker is answered');
  assert.ok(caller.session, 'the caller is answered');
  const ids = incoming(w.h);
  assertBridged(w.h, ids[callerNth], ids[ids.length - 1]);
}

describe('group_pickup (KAZOO, §1)', () => {
  test('device_id before user_id before group_id', async () => {
    const w = await setup();
    const g = await w.h.group('Bobs', [[w.users.bob, 'user']]);
    await w.h.callflow(['7001'], {
      module: 'group_pickup',
      data: { device_id: w.h.devices.carol.id, user_id: w.users.bob, group_id: g },
    });
    await w.h.callflow(['7002'], { module: 'group_pickup', data: { user_id: w.users.carol, group_id: g } });
    const toBob = w.h.dial(w.phones.alice, '201'); // older: Bob's desk and mobile ring
    await w.h.run(50);
    const toCarol = w.h.dial(w.phones.dave, '103');
    await w.h.run(50);
    const p = await pick(w, '7001');
    assertPicked(w, p, toCarol, 1);
    assert.equal(toBob.session, undefined, "Bob's call still rings");
    const ev = w.h.pickups.at(-1)!.data;
    assert.equal(ev.kind, 'group');
    assert.equal(ev.caller_call_id, incoming(w.h)[1]);
    assert.equal(ev.picker_device_id, w.h.devices.erin.id);
    assert.equal(ev.picker_user_id, w.users.erin);
    await finish(w, p, toBob, toCarol);
  });

  test('user_id before group_id; group_id with nested groups; oldest first', async () => {
    const w = await setup();
    const inner = await w.h.group('Inner', [[w.users.dave, 'user']]);
    const outer = await w.h.group('Outer', [[inner, 'group']]);
    await w.h.callflow(['7002'], {
      module: 'group_pickup',
      data: { user_id: w.users.carol, group_id: outer },
    });
    await w.h.callflow(['7003'], { module: 'group_pickup', data: { group_id: outer } });
    const a = w.h.dial(w.phones.alice, '104'); // Dave, older
    await w.h.run(50);
    const b = w.h.dial(w.phones.mobile, '104'); // Dave again
    await w.h.run(50);
    const c = w.h.dial(w.phones.desk, '103'); // Carol
    await w.h.run(50);
    const p1 = await pick(w, '7002');
    assertPicked(w, p1, c, 2);
    byeIfUp(p1);
    await w.h.run(50);
    const p2 = await pick(w, '7003');
    assert.ok(p2.session && a.session, 'the oldest call to Dave (through the nested group) is picked');
    assert.equal(b.session, undefined);
    await finish(w, p2, a, b, c);
  });

  test('approved_device_id / approved_user_id / approved_group_id: allowed and denied; only the first defined counts', async () => {
    const w = await setup();
    const erinDev = w.h.devices.erin.id;
    const daveDev = w.h.devices.dave.id;
    const withErin = await w.h.group('With Erin', [[w.users.erin, 'user']]);
    const withoutErin = await w.h.group('Without Erin', [[w.users.dave, 'user']]);
    const scope = { device_id: w.h.devices.carol.id };
    const cases: Array<[string, Record<string, string>, string]> = [
      ['7101', { approved_device_id: erinDev }, PICKED],
      ['7102', { approved_device_id: daveDev }, NOT_PERMITTED],
      ['7103', { approved_user_id: w.users.erin }, PICKED],
      ['7104', { approved_user_id: w.users.dave }, NOT_PERMITTED],
      ['7105', { approved_group_id: withErin }, PICKED],
      ['7106', { approved_group_id: withoutErin }, NOT_PERMITTED],
      // only the first defined (device, then user, then group) is checked
      ['7107', { approved_device_id: erinDev, approved_user_id: w.users.dave }, PICKED],
      ['7108', { approved_device_id: daveDev, approved_user_id: w.users.erin }, NOT_PERMITTED],
      ['7109', { approved_user_id: w.users.erin, approved_group_id: withoutErin }, PICKED],
    ];
    for (const [n, approved] of cases)
      await w.h.callflow([n], { module: 'group_pickup', data: { ...scope, ...approved } });
    for (const [n, , expected] of cases) {
      const caller = w.h.dial(w.phones.alice, '103');
      await w.h.run(50);
      const p = await pick(w, n);
      assert.equal(finalTo(w.h, w.phones.erin), expected, `${n}`);
      if (expected === PICKED) assert.ok(caller.session, `${n}: the caller is answered`);
      else assert.equal(caller.session, undefined, `${n}: the call keeps ringing`);
      byeIfUp(p);
      byeIfUp(caller);
      await w.h.run(50);
      await hangUpCallers(w.h);
      await w.h.run(50);
    }
    await w.h.assertClean();
  });

  test('an empty scope is 404, nothing ringing is 480; terminal (children never run); skip_module skips it', async () => {
    const w = await setup();
    const empty = await w.h.group('Empty', []);
    await w.h.callflow(['7201'], { module: 'group_pickup', data: { group_id: empty } });
    await w.h.callflow(['7202'], {
      module: 'group_pickup',
      data: { device_id: w.h.devices.carol.id },
      children: { _: { module: 'hangup', data: { code: 486 } } },
    });
    await w.h.callflow(['7203'], {
      module: 'group_pickup',
      data: { device_id: w.h.devices.carol.id, skip_module: true },
      children: { _: { module: 'hangup', data: { code: 486 } } },
    });
    await assert.rejects(
      w.h.dir.callflows.create(w.h.tenantId, {
        numbers: ['7204'],
        flow: { module: 'group_pickup', data: {} },
      }),
      /scope/,
      'a group_pickup without scope is refused at save',
    );
    const a = await pick(w, '7201');
    assert.equal(a.failure, 404);
    assert.equal(finalTo(w.h, w.phones.erin), NO_TARGET);
    const b = await pick(w, '7202');
    assert.equal(b.failure, 480, 'the 486 child never runs');
    assert.equal(finalTo(w.h, w.phones.erin), NO_CALL);
    const c = await pick(w, '7203');
    assert.equal(c.failure, 486, 'skipped to its _ child');
    await w.h.assertClean();
  });
});

describe('group_pickup_feature (§2)', () => {
  test('type device (SIP username), user and group (id or name); unknown target 404', async () => {
    const w = await setup();
    const team = await w.h.group('Team', [[w.h.devices.carol.id, 'device']]);
    const feature = (pattern: string, data: Record<string, unknown>) =>
      w.h.callflow([], { module: 'group_pickup_feature', data }, [pattern]);
    await feature('^\\*91(.+)$', { type: 'device' });
    await feature('^\\*92(.+)$', { type: 'user' });
    await feature('^\\*93(.+)$', { type: 'group' });
    for (const code of ['*91carol', '*92Carol', `*92${w.users.carol}`, '*93Team', `*93${team}`]) {
      const caller = w.h.dial(w.phones.alice, '103');
      await w.h.run(50);
      const p = await pick(w, code);
      assert.equal(finalTo(w.h, w.phones.erin), PICKED, code);
      assert.ok(caller.session, code);
      assert.equal(w.h.pickups.at(-1)!.data.kind, 'feature');
      byeIfUp(p);
      await w.h.run(50);
    }
    for (const code of ['*91nobody', '*92Nobody', '*93Nobody']) {
      const p = await pick(w, code);
      assert.equal(p.failure, 404, code);
    }
    await w.h.assertClean();
  });

  test('type extension: a ring group number takes every endpoint of the group, through sub-callflows', async () => {
    const w = await setup();
    await w.h.callflow(['620'], { module: 'callflow', data: { id: w.frontDesk } });
    const caller = w.h.dial(w.phones.alice, '620');
    await w.h.run(50);
    const p = await pick(w, '*87620');
    assertPicked(w, p, caller, 0);
    assert.equal(cancelReasonTo(w.h, w.phones.carol), COMPLETED_ELSEWHERE);
    assert.equal(cancelReasonTo(w.h, w.phones.desk), COMPLETED_ELSEWHERE);
    const ev = w.h.pickups[0].data;
    assert.equal(ev.kind, 'directed');
    assert.ok([w.h.legTo('carol'), w.h.legTo('bob-desk')].includes(ev.picked_call_id));
    assert.equal(ev.groupcall_id, w.h.groupcallIds()[0]);
    const gc = await w.h.gc(ev.groupcall_id);
    assert.equal(gc.answer_call_id, ev.picker_call_id, 'the groupcall records the picker');
    assert.deepEqual(w.h.gcEventsOf(gc.id), [
      'groupcall_created',
      'groupcall_progressing',
      'groupcall_hangup',
    ]);
    await finish(w, p, caller);
    const rows = await w.h.rows();
    const legs = rows.filter((r) => r.direction === 'outgoing');
    assert.deepEqual(
      legs.map((r) => [r.hangup_by, r.hangup_reason]),
      [
        ['local', 'pickedup'],
        ['local', 'pickedup'],
      ],
    );
  });

  test('approved_* in its data; an unknown extension is 404, a known one with nothing ringing 480', async () => {
    const w = await setup();
    await w.h.callflow([], { module: 'group_pickup_feature', data: { approved_user_id: w.users.dave } }, [
      '^\\*94([0-9]+)$',
    ]);
    const caller = w.h.dial(w.phones.alice, '600');
    await w.h.run(50);
    assert.equal((await pick(w, '*94600')).failure, 403);
    assert.equal(finalTo(w.h, w.phones.erin), NOT_PERMITTED);
    const dave = await pick(w, '*94600', w.phones.dave);
    assert.ok(dave.session && caller.session, 'the approved user picks up');
    assert.equal((await pick(w, '*879999')).failure, 404);
    assert.equal(finalTo(w.h, w.phones.erin), NO_TARGET);
    assert.equal((await pick(w, '*87600%23')).failure, 480, 'trailing # ignored; nothing rings 600 now');
    assert.equal(finalTo(w.h, w.phones.erin), NO_CALL);
    await finish(w, dave, caller);
  });
});

describe('*87<ext>: direct calls of a user, with the permission to monitor (§4)', () => {
  async function carolRings(w: World): Promise<CallerView> {
    const v = w.h.dial(w.phones.alice, '103');
    await w.h.run(50);
    return v;
  }

  test('denied without permission; allowed by user id, by a group the picker is in, by "*", by monitor_all', async () => {
    const w = await setup();
    const erinsGroup = await w.h.group('Erins', [[w.h.devices.erin.id, 'device']]);
    const otherGroup = await w.h.group('Others', [[w.users.dave, 'user']]);
    const attempts: Array<[string, () => Promise<void>, string]> = [
      ['no monitor', async () => {}, NOT_PERMITTED],
      [
        'another group',
        async () => void (await w.h.dir.users.update(w.h.tenantId, w.users.carol, { monitor: [otherGroup] })),
        NOT_PERMITTED,
      ],
      [
        'user id',
        async () =>
          void (await w.h.dir.users.update(w.h.tenantId, w.users.carol, { monitor: [w.users.erin] })),
        PICKED,
      ],
      [
        'group',
        async () => void (await w.h.dir.users.update(w.h.tenantId, w.users.carol, { monitor: [erinsGroup] })),
        PICKED,
      ],
      [
        '*',
        async () => void (await w.h.dir.users.update(w.h.tenantId, w.users.carol, { monitor: ['*'] })),
        PICKED,
      ],
      [
        'monitor_all',
        async () => {
          await w.h.dir.users.update(w.h.tenantId, w.users.carol, { monitor: [] });
          await w.h.dir.customers.update(w.h.tenantId, { settings: { monitor_all: true } });
        },
        PICKED,
      ],
    ];
    for (const [what, grant, expected] of attempts) {
      await grant();
      const caller = await carolRings(w);
      const p = await pick(w, '*87103');
      assert.equal(finalTo(w.h, w.phones.erin), expected, what);
      assert.equal(caller.session !== undefined, expected === PICKED, what);
      byeIfUp(p);
      await w.h.run(50);
      await hangUpCallers(w.h);
      await w.h.run(50);
    }
    await w.h.assertClean();
  });

  test('only direct calls: a call ringing the user as a ring-group member is not picked by *87<ext>', async () => {
    const w = await setup();
    await w.h.dir.users.update(w.h.tenantId, w.users.carol, { monitor: [w.users.erin] });
    const group = w.h.dial(w.phones.alice, '600'); // rings carol as a member
    await w.h.run(50);
    assert.equal((await pick(w, '*87103')).failure, 480);
    const direct = w.h.dial(w.phones.dave, '103');
    await w.h.run(50);
    const p = await pick(w, '*87103');
    assert.ok(p.session && direct.session, 'the direct call is picked');
    assert.equal(group.session, undefined);
    await finish(w, p, group, direct);
  });
});

describe('named call groups and pickup groups: 88 (§3)', () => {
  test('88<name> and 88*<name> pick a random call of the call group; the picker needs the pickup group', async () => {
    // random() → 0.99 picks the last of the two candidates after the shuffle's single swap step
    const seq = [0.0, 0.99];
    let i = 0;
    const w = await setup({ random: () => seq[i++ % seq.length] });
    await w.h.dir.users.update(w.h.tenantId, w.users.carol, { call_groups: ['sales'] });
    await w.h.dir.users.update(w.h.tenantId, w.users.dave, { call_groups: 'sales,support' });
    const toCarol = w.h.dial(w.phones.alice, '103');
    await w.h.run(50);
    const toDave = w.h.dial(w.phones.mobile, '104');
    await w.h.run(50);
    assert.equal((await pick(w, '88sales')).failure, 403, 'no pickup group: not permitted');
    assert.equal(finalTo(w.h, w.phones.erin), NOT_PERMITTED);
    await w.h.dir.users.update(w.h.tenantId, w.users.erin, { pickup_groups: ['sales', 'ghost'] });
    const p1 = await pick(w, '88sales');
    assert.equal(finalTo(w.h, w.phones.erin), PICKED);
    assert.equal(w.h.pickups.at(-1)!.data.kind, 'named');
    // with random 0.0 the shuffle swaps the two: the newer call (to Dave) comes first
    assert.ok(toDave.session, 'random order: the injected random chose the call to Dave');
    assert.equal(toCarol.session, undefined);
    byeIfUp(p1);
    await w.h.run(50);
    const p2 = await pick(w, '88*sales');
    assert.ok(p2.session && toCarol.session, '88*<name> works too');
    byeIfUp(p2);
    await w.h.run(50);
    assert.equal((await pick(w, '88ghost')).failure, 404, 'nobody is pickable in ghost');
    assert.equal((await pick(w, '88sales')).failure, 480, 'nothing rings in sales now');
    await finish(w, toCarol, toDave);
  });

  test('88<digits> is directed pickup of that extension', async () => {
    const w = await setup();
    await w.h.dir.users.update(w.h.tenantId, w.users.carol, { monitor: [w.users.erin] });
    const caller = w.h.dial(w.phones.alice, '103');
    await w.h.run(50);
    const p = await pick(w, '88103');
    assert.ok(p.session && caller.session);
    assert.equal(w.h.pickups[0].data.kind, 'directed');
    await finish(w, p, caller);
  });

  test('behaviours: a named user’s *87 means its pickup groups; a legacy user’s *87 never takes a named user’s call', async () => {
    const w = await setup();
    // erin is a member of ring group 601, which rings dave (named: call group "sales") and erin later
    await w.h.callflow(['601'], {
      module: 'ring_group',
      data: {
        name: 'Support',
        endpoints: [
          { id: w.h.devices.dave.id, endpoint_type: 'device' },
          { id: w.h.devices.erin.id, endpoint_type: 'device', delay: 60 },
        ],
      },
    });
    await w.h.dir.users.update(w.h.tenantId, w.users.dave, { call_groups: ['sales'] });
    const caller = w.h.dial(w.phones.alice, '601');
    await w.h.run(50);
    assert.equal((await pick(w, '*87')).failure, 480, 'legacy erin cannot pick named dave’s group call');
    await w.h.dir.users.update(w.h.tenantId, w.users.erin, { pickup_groups: ['sales'] });
    const p = await pick(w, '*87');
    assert.ok(p.session && caller.session, 'named erin: *87 = any call in her pickup groups');
    assert.equal(w.h.pickups[0].data.kind, 'general');
    await finish(w, p, caller);
  });
});

describe('*87 general pickup (§4)', () => {
  test('search order: ring groups the picker is a member of, before the extensions it may monitor', async () => {
    const w = await setup();
    await w.h.callflow(['601'], {
      module: 'ring_group',
      data: {
        name: 'Support',
        endpoints: [
          { id: w.h.devices.dave.id, endpoint_type: 'device' },
          { id: w.users.erin, endpoint_type: 'user', delay: 60 },
        ],
      },
    });
    await w.h.dir.users.update(w.h.tenantId, w.users.carol, { monitor: [w.users.erin] });
    const direct = w.h.dial(w.phones.alice, '103'); // older, monitorable
    await w.h.run(50);
    const group = w.h.dial(w.phones.mobile, '601');
    await w.h.run(50);
    const p1 = await pick(w, '*87');
    assert.ok(p1.session && group.session, 'step 1 (ring group) first');
    assert.equal(direct.session, undefined);
    byeIfUp(p1);
    await w.h.run(50);
    const p2 = await pick(w, '*87%23');
    assert.ok(p2.session && direct.session, 'then step 2 (monitored extension); trailing # ignored');
    byeIfUp(p2);
    await w.h.run(50);
    assert.equal((await pick(w, '*87')).failure, 480, 'in scope, nothing ringing');
    await finish(w, direct, group);
  });

  test('nothing in scope (no ring group, nobody to monitor, no agent group): 404', async () => {
    const w = await setup();
    const caller = w.h.dial(w.phones.alice, '103');
    await w.h.run(50);
    assert.equal((await pick(w, '*87')).failure, 404);
    assert.equal(finalTo(w.h, w.phones.erin), NO_TARGET);
    assert.equal(caller.session, undefined);
    await finish(w, caller);
  });
});

describe('queues through a fake QueueCallSource (§4)', () => {
  /** A stand-in for queues: calls "in" queue q are the live calls the test names. */
  function fakeQueues(): QueueCallSource & {
    ringingCalls: string[];
    waitingCalls: string[];
    agents: string[];
    queueId: string;
  } {
    const q = {
      ringingCalls: [] as string[],
      waitingCalls: [] as string[],
      agents: [] as string[],
      queueId: '',
      ringing: (_c: string, id: string) =>
        id === q.queueId ? q.ringingCalls.map((callId) => ({ callId })) : [],
      waiting: (_c: string, id: string) =>
        id === q.queueId ? q.waitingCalls.map((callId) => ({ callId })) : [],
      queuesOfAgent: (_c: string, user: string) => (q.agents.includes(user) ? [q.queueId] : []),
    };
    return q;
  }

  test('*87<queue number>: ringing first, else the first to enter the queue; *87 step 3 for an agent', async () => {
    const queues = fakeQueues();
    const w = await setup({ queues });
    const queue = await w.h.dir.queues.create(w.h.tenantId, { name: 'Support' });
    queues.queueId = queue.id;
    await w.h.callflow(['700'], { module: 'queue', data: { id: queue.id } });
    const first = w.h.dial(w.phones.alice, '103');
    await w.h.run(50);
    const second = w.h.dial(w.phones.mobile, '104');
    await w.h.run(50);
    const [c1, c2] = incoming(w.h);
    queues.waitingCalls = [c1];
    queues.ringingCalls = [c2];
    const p1 = await pick(w, '*87700');
    assert.ok(p1.session && second.session, 'the ringing queue call before the waiting one');
    byeIfUp(p1);
    await w.h.run(50);
    queues.ringingCalls = [];
    assert.equal((await pick(w, '*87')).failure, 404, 'erin is not an agent: nothing in scope');
    queues.agents = [w.users.erin];
    const p2 = await pick(w, '*87');
    assert.ok(p2.session && first.session, 'step 3: the waiting call of her queue');
    assert.equal(w.h.pickups.at(-1)!.data.picked_call_id, '00000000-0000-0000-0000-000000000000');
    await finish(w, p2, first, second);
  });
});
