/**
 * Groupcalls the API starts (groupcall.md), through the engine's API entry points on the fake network:
 * ring_all and linear, nested groupcalls for every address type (the seed's `target: "test11@test"` form
 * of `extension` included), `sip` and `tel` (trunk), the record before any leg, the REST ring timeout,
 * `flow_id` on the answered leg, hangup and soft delete, and `POST /v1.0/calls`.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { SipRequest } from '../../../src/sip/message/index.ts';
import { NIL_UUID, NOT_YET } from '../../../src/store/timestamp.ts';
import { DOMAIN, Harness, RINGD, type HarnessOptions } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const COMPLETED_ELSEWHERE = 'SIP;cause=200;text="Call completed elsewhere"';
const TRUNK = { id: 'trunk-1', uri: 'sip:10.0.0.9:5060', prefixes: ['+1'] };

async function setup(opts: HarnessOptions = {}) {
  h = await Harness.create({ trunks: async () => [TRUNK], ...opts });
  await h.device('carol');
  await h.device('dave');
  const phones = {
    alice: h.phone('alice', '10.0.0.1', 'alice'),
    desk: h.phone('desk', '10.0.0.2', 'bob-desk'),
    mobile: h.phone('mobile', '10.0.0.3', 'bob-mobile'),
    carol: h.phone('carol', '10.0.0.4', 'carol'),
    dave: h.phone('dave', '10.0.0.5', 'dave'),
    ext: h.phone('ext', '10.0.0.6'),
    gw: h.phone('gw', '10.0.0.9'),
  };
  for (const p of Object.values(phones)) p.behaviour = 'ring';
  return { h, bob: h.devices['bob-desk'].ownerId, ...phones };
}

function requests(h: Harness, to: string, method: string): SipRequest[] {
  return h
    .packets(RINGD, to)
    .filter((p) => p.message?.kind === 'request' && (p.message as SipRequest).method === method)
    .map((p) => p.message as SipRequest);
}

describe('POST /v1.0/groupcalls: ring_all', () => {
  test('extension (target_name and the seed form "carol@acme"), sip; the record first; answer; hangup', async () => {
    const { h, carol, dave, ext } = await setup();
    const gc = await h.engine.createGroupcall(h.tenantId, {
      source: { type: 'tel', target: '+15551234567' },
      destinations: [
        { type: 'extension', target_name: 'carol' },
        { type: 'extension', target: 'dave@acme' },
        { type: 'sip', target: 'sip:ext@10.0.0.6:5060' },
      ],
    });
    // The record as created is in the store (written before any leg was dialed: the legs are dialed only
    // once that write is done), and groupcall_created came before any leg's call_created.
    const stored = await h.store.repos.groupcalls.get(h.tenantId, gc.id);
    assert.deepEqual(stored, gc, 'stored before the response');
    assert.equal(h.timeline[0], `groupcall_created ${gc.id}`);
    assert.equal(gc.status, 'progressing');
    assert.equal(gc.tm_update, NOT_YET, 'as in the seed: not updated yet');
    assert.equal(gc.master_call_id, NIL_UUID);
    assert.equal(gc.ring_method, 'ring_all');
    assert.equal(gc.answer_method, 'hangup_others');
    assert.deepEqual(gc.source, {
      type: 'tel',
      target: '+15551234567',
      target_name: '',
      name: '',
      detail: '',
    });
    assert.deepEqual(gc.destinations[1], {
      type: 'extension',
      target: 'dave@acme',
      target_name: '',
      name: '',
      detail: '',
    });
    assert.equal(gc.call_ids.length, 1, 'the sip leg');
    assert.equal(gc.groupcall_ids.length, 2, 'one nested groupcall per extension');
    assert.deepEqual([gc.call_count, gc.groupcall_count, gc.dial_index], [1, 2, 0]);

    await h.run(50);
    for (const p of [carol, dave, ext]) assert.equal(p.invites.length, 1, `${p.name} rings`);
    const invite = h.request('INVITE', '10.0.0.6');
    assert.equal(invite.uriText, 'sip:ext@10.0.0.6:5060');
    assert.match(invite.get('From')!, new RegExp(`^<sip:\\+15551234567@${DOMAIN.replace('.', '\\.')}>;tag=`));
    const [carolGc, daveGc] = gc.groupcall_ids;
    const nested = await h.gc(carolGc);
    assert.equal(nested.master_groupcall_id, gc.id);
    assert.deepEqual(nested.destinations, [
      { type: 'sip', target: 'sip:carol@10.0.0.4:5060', target_name: 'carol', name: '', detail: '' },
    ]);

    dave.answer(dave.invites[0]);
    await h.run(50);
    const answered = await h.gc(gc.id);
    assert.equal(answered.answer_groupcall_id, daveGc, 'the winner is inside the dave groupcall');
    assert.equal((await h.gc(daveGc)).answer_call_id, h.legTo('dave'));
    assert.equal(requests(h, '10.0.0.4', 'CANCEL')[0].get('Reason'), COMPLETED_ELSEWHERE);
    assert.equal(requests(h, '10.0.0.6', 'CANCEL')[0].get('Reason'), COMPLETED_ELSEWHERE);
    assert.equal(answered.status, 'progressing');
    assert.deepEqual(h.gcEventsOf(gc.id), ['groupcall_created', 'groupcall_progressing']);
    assert.deepEqual(h.eventsOf(h.legTo('dave')).slice(-2), ['call_ringing', 'call_progressing'], 'answered');

    // No flow_id: the answered leg stays up until the groupcall is hung up.
    await h.run(10_000);
    assert.equal(dave.sessions[0].isEnded, false);
    const hanging = await h.engine.hangupGroupcall(h.tenantId, gc.id);
    assert.equal(hanging.status, 'hangingup', 'hangingup while the BYE is out');
    await h.run(50);
    assert.equal(dave.sessions[0].isEnded, true, 'the answered leg got BYE');
    const ended = await h.gc(gc.id);
    assert.equal(ended.status, 'hangup');
    assert.deepEqual(h.gcEventsOf(gc.id), ['groupcall_created', 'groupcall_progressing', 'groupcall_hangup']);
    assert.equal((await h.engine.hangupGroupcall(h.tenantId, gc.id)).status, 'hangup', 'idempotent');
    await h.assertClean();
    const legs = await h.rows();
    assert.ok(legs.every((l) => l.direction === 'outgoing' && l.master_call_id === NIL_UUID));
  });

  test('device, user, group and agent addresses are nested groupcalls; a device with one contact is a leg', async () => {
    const { h, bob, carol } = await setup();
    const group = await h.group('Ops', [[h.devices.dave.id, 'device']]);
    const agent = await h.dir.agents.create(h.tenantId, {
      name: 'Agent Carol',
      addresses: [{ type: 'extension', target_name: 'carol' }],
      ring_method: 'linear',
    });
    const gc = await h.engine.createGroupcall(h.tenantId, {
      destinations: [
        { type: 'device', target: h.devices['bob-desk'].id },
        { type: 'user', target: bob },
        { type: 'group', target: group },
        { type: 'agent', target: agent.id },
      ],
    });
    assert.deepEqual([gc.call_count, gc.groupcall_count], [1, 3]);
    await h.run(50);
    const [userGc, groupGc, agentGc] = gc.groupcall_ids;
    const a = await h.gc(agentGc);
    assert.deepEqual([a.owner_type, a.owner_id, a.ring_method], ['agent', agent.id, 'linear']);
    assert.deepEqual(
      (await h.gc(userGc)).destinations.map((d) => d.target_name),
      ['bob-desk', 'bob-mobile'],
    );
    assert.deepEqual(
      (await h.gc(groupGc)).destinations.map((d) => d.target_name),
      ['dave'],
    );
    assert.equal(carol.invites.length, 1, 'the agent rings through its extension');
    await h.engine.hangupGroupcall(h.tenantId, gc.id);
    await h.run(50);
    for (const id of [gc.id, ...gc.groupcall_ids]) assert.equal((await h.gc(id)).status, 'hangup');
    await h.assertClean();
  });

  test('a device registered twice is a nested groupcall of its two contacts', async () => {
    const { h } = await setup();
    h.phone('carol2', '10.0.0.7', 'carol').behaviour = 'ring';
    const gc = await h.engine.createGroupcall(h.tenantId, {
      destinations: [{ type: 'device', target: h.devices.carol.id }],
    });
    assert.deepEqual([gc.call_count, gc.groupcall_count], [0, 1]);
    await h.run(50);
    assert.equal((await h.gc(gc.groupcall_ids[0])).call_ids.length, 2);
    await h.engine.hangupGroupcall(h.tenantId, gc.id);
    await h.assertClean();
  });

  test('tel goes out through the trunk with the longest matching prefix', async () => {
    const { h, gw } = await setup();
    const gc = await h.engine.createGroupcall(h.tenantId, {
      destinations: [{ type: 'tel', target: '+15557654321' }],
    });
    await h.run(50);
    assert.equal(gw.invites.length, 1);
    assert.equal(h.request('INVITE', '10.0.0.9').uriText, 'sip:+15557654321@10.0.0.9:5060');
    const leg = h.events.find((e) => e.data.id === gc.call_ids[0])!.data;
    assert.deepEqual(leg.destination, {
      type: 'tel',
      target: '+15557654321',
      target_name: '',
      name: '',
      detail: 'sip:+15557654321@10.0.0.9:5060',
    });
    await h.engine.hangupGroupcall(h.tenantId, gc.id);
    await h.assertClean();
  });

  test('unknown targets, tel without a trunk, a bad sip URI and an unknown flow_id are 400s; nothing is created', async () => {
    const { h } = await setup({ trunks: async () => [] });
    const cases: Array<[unknown, number, string, string]> = [
      [{ type: 'tel', target: '+15557654321' }, 400, 'NO_TRUNK', '/destinations/0/target'],
      [
        { type: 'device', target: '7b3e2a10-5c4d-4e8f-9a1b-2c3d4e5f6a7b' },
        400,
        'REFERENCE_NOT_FOUND',
        '/destinations/0/target',
      ],
      [
        { type: 'user', target: '7b3e2a10-5c4d-4e8f-9a1b-2c3d4e5f6a7b' },
        400,
        'REFERENCE_NOT_FOUND',
        '/destinations/0/target',
      ],
      [
        { type: 'agent', target: '7b3e2a10-5c4d-4e8f-9a1b-2c3d4e5f6a7b' },
        400,
        'REFERENCE_NOT_FOUND',
        '/destinations/0/target',
      ],
      [{ type: 'extension', target: 'nobody@acme' }, 400, 'REFERENCE_NOT_FOUND', '/destinations/0/target'],
      [{ type: 'sip', target: 'mailto:x@y' }, 400, 'VALIDATION_FAILED', '/destinations/0/target'],
    ];
    for (const [dest, status, reason, path] of cases) {
      await assert.rejects(
        h.engine.createGroupcall(h.tenantId, { destinations: [dest as { type: 'sip' }] }),
        (e: { status: number; reason: string; details: Array<{ path: string }> }) =>
          e.status === status && e.reason === reason && e.details[0]?.path === path,
        JSON.stringify(dest),
      );
    }
    await assert.rejects(
      h.engine.createGroupcall(h.tenantId, {
        destinations: [{ type: 'extension', target_name: 'carol' }],
        flow_id: '7b3e2a10-5c4d-4e8f-9a1b-2c3d4e5f6a7b',
      }),
      { status: 400, reason: 'REFERENCE_NOT_FOUND' },
    );
    assert.deepEqual(h.gcEvents, []);
    await h.assertClean();
  });
});

describe('POST /v1.0/groupcalls: linear and timeouts', () => {
  test('linear: one destination at a time, dial_index, counters; the nested one answers', async () => {
    const { h, bob, carol, desk, mobile } = await setup();
    carol.behaviour = 'busy';
    const gc = await h.engine.createGroupcall(h.tenantId, {
      ring_method: 'linear',
      destinations: [
        { type: 'extension', target_name: 'carol' },
        { type: 'user', target: bob },
      ],
    });
    assert.deepEqual(
      [gc.dial_index, gc.call_count, gc.groupcall_count, gc.groupcall_ids.length],
      [0, 0, 1, 1],
    );
    await h.run(50);
    const r = await h.gc(gc.id);
    assert.equal(r.dial_index, 1);
    assert.deepEqual([r.call_count, r.groupcall_count], [0, 1]);
    assert.equal(r.groupcall_ids.length, 2);
    assert.deepEqual([desk.invites.length, mobile.invites.length], [1, 1]);
    mobile.answer(mobile.invites[0]);
    await h.run(50);
    assert.equal((await h.gc(gc.id)).answer_groupcall_id, r.groupcall_ids[1]);
    void mobile.sessions[0].bye();
    await h.run(50);
    assert.equal((await h.gc(gc.id)).status, 'hangup', 'the conversation ended: hangup');
    await h.assertClean();
  });

  test('the REST ring timeout is 60 s by default, ring_timeout when given', async () => {
    const { h, carol, dave } = await setup();
    const a = await h.engine.createGroupcall(h.tenantId, {
      destinations: [{ type: 'extension', target_name: 'carol' }],
    });
    const b = await h.engine.createGroupcall(h.tenantId, {
      destinations: [{ type: 'extension', target_name: 'dave' }],
      ring_timeout: 5,
    });
    await h.run(5_100);
    assert.deepEqual(h.wire(RINGD, dave.address), ['INVITE', 'CANCEL', 'ACK'], 'dave: 5 s');
    assert.equal((await h.gc(b.id)).status, 'hangup');
    await h.run(54_800);
    assert.deepEqual(h.wire(RINGD, carol.address), ['INVITE'], 'carol still rings at 59.9 s');
    await h.run(200);
    assert.deepEqual(h.wire(RINGD, carol.address), ['INVITE', 'CANCEL', 'ACK'], 'carol: 60 s');
    assert.equal((await h.gc(a.id)).status, 'hangup');
    await h.assertClean();
  });
});

describe('flow_id: the answered leg runs a callflow', () => {
  test('whoever answers is connected to the callflow target; it all ends with the conversation', async () => {
    const { h, carol, dave } = await setup();
    const flow = await h.callflow(['950'], { module: 'device', data: { id: h.devices.dave.id } });
    const gc = await h.engine.createGroupcall(h.tenantId, {
      source: { type: 'tel', target: '+15551234567', name: 'Ops' },
      destinations: [{ type: 'extension', target_name: 'carol' }],
      flow_id: flow,
    });
    assert.equal(gc.flow_id, flow);
    await h.run(50);
    carol.answer(carol.invites[0]);
    await h.run(50);
    assert.equal(dave.invites.length, 1, 'the flow rings dave');
    const toDave = h.request('INVITE', '10.0.0.5');
    assert.match(toDave.get('From')!, /^"Ops" <sip:\+15551234567@acme\.example>/);
    const carolLeg = h.legTo('carol');
    const [, , daveGc] = h.groupcallIds();
    assert.equal(
      (await h.gc(daveGc)).master_call_id,
      carolLeg,
      "the flow's groupcall: master call = the answered leg",
    );
    dave.answer(dave.invites[0]);
    await h.run(50);
    const carolEp = h.media.all.find((e) => e.remote?.address === '10.0.0.4')!;
    assert.equal(carolEp.partner?.remote?.address, '10.0.0.5', 'carol and dave are bridged');
    assert.equal((await h.gc(gc.id)).status, 'progressing');
    void dave.sessions[0].bye();
    await h.run(50);
    assert.equal(carol.sessions[0].isEnded, true, 'carol got BYE');
    assert.equal((await h.gc(gc.id)).status, 'hangup');
    assert.equal((await h.gc(daveGc)).status, 'hangup');
    await h.assertClean();
  });
});

describe('DELETE /v1.0/groupcalls/{id}', () => {
  test('a ringing groupcall is hung up first, then soft-deleted: hidden, groupcall_deleted', async () => {
    const { h, carol } = await setup();
    const gc = await h.engine.createGroupcall(h.tenantId, {
      destinations: [{ type: 'extension', target_name: 'carol' }],
    });
    await h.run(50);
    const deleted = await h.engine.deleteGroupcall(h.tenantId, gc.id);
    assert.equal(deleted.status, 'hangup');
    assert.notEqual(deleted.tm_delete, NOT_YET);
    assert.deepEqual(h.wire(RINGD, carol.address).slice(0, 2), ['INVITE', 'CANCEL']);
    assert.deepEqual(h.gcEventsOf(gc.id), ['groupcall_created', 'groupcall_hangup', 'groupcall_deleted']);
    assert.equal(await h.store.repos.groupcalls.get(h.tenantId, gc.id), undefined, 'hidden');
    assert.equal(h.engine.groupcall(h.tenantId, gc.id), undefined, 'not in memory either');
    await assert.rejects(h.engine.deleteGroupcall(h.tenantId, gc.id), {
      status: 404,
      reason: 'GROUPCALL_NOT_FOUND',
    });
    await assert.rejects(h.engine.hangupGroupcall(h.tenantId, gc.id), { status: 404 });
    await assert.rejects(h.engine.hangupGroupcall('other', gc.id), { status: 404 });
    await h.assertClean();
  });
});

describe('POST /v1.0/calls', () => {
  test('a sip destination is a plain call, a user a groupcall; the answered call runs flow_id', async () => {
    const { h, bob, ext, dave, desk } = await setup();
    const flow = await h.callflow(['960'], { module: 'device', data: { id: h.devices.dave.id } });
    const made = await h.engine.createCalls(h.tenantId, {
      destinations: [
        { type: 'sip', target: 'sip:ext@10.0.0.6:5060' },
        { type: 'user', target: bob },
      ],
      flow_id: flow,
    });
    assert.equal(made.calls.length, 1);
    assert.equal(made.groupcalls.length, 1);
    const call = made.calls[0];
    assert.deepEqual(
      [call.status, call.direction, call.groupcall_id, call.flow_id],
      ['dialing', 'outgoing', NIL_UUID, flow],
    );
    assert.ok(await h.store.repos.calls.get(h.tenantId, call.id), 'the call record is stored');
    assert.deepEqual(
      made.groupcalls[0].destinations.map((d) => d.target_name),
      ['bob-desk', 'bob-mobile'],
      "the user's devices",
    );
    await h.run(50);
    assert.equal(desk.invites.length, 1);
    ext.answer(ext.invites[0]);
    await h.run(50);
    assert.equal(dave.invites.length, 1, 'the answered call runs the flow');
    await h.engine.hangup(h.tenantId, call.id);
    await h.engine.hangupGroupcall(h.tenantId, made.groupcalls[0].id);
    await h.run(50);
    assert.equal(ext.sessions[0].isEnded, true);
    await h.assertClean();
  });
});
