/**
 * Nested groupcalls and REST groupcalls through the real ringd process with SIPp members (issue 5): a ring
 * group holding a user with two devices (a nested groupcall reporting its answer to its parent, which
 * cancels the siblings), and `POST /v1.0/groupcalls` with `flow_id`, whose answered leg runs a callflow that
 * dials a third party. Both groupcalls' JSON is checked field by field at the end, with the events.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { connectEvents, type EventClient } from '../support/event-client.ts';
import {
  addressOf,
  assertGroupcall,
  assertPassed,
  cancelReason,
  COMPLETED_ELSEWHERE,
  deviceAddress,
  eventOf,
  GroupNode,
  lastEvent,
  NIL_UUID,
  NOT_YET,
  timeline,
  type GroupcallJson,
  type Phone,
} from './support/group-node.ts';

const RANG_CANCELLED = ['call_created', 'call_dialing', 'call_ringing', 'call_canceling', 'call_hangup'];
const RANG_ANSWERED_BYE = [
  'call_created',
  'call_dialing',
  'call_ringing',
  'call_progressing',
  'call_terminating',
  'call_hangup',
];

describe('nested and REST groupcalls through ringd, SIPp members', { timeout: 120_000 }, () => {
  let g: GroupNode;
  let uma: string;
  let u1: Phone;
  let u2: Phone;
  let m1: Phone;
  let m2: Phone;
  let third: Phone;
  let flowId: string;
  let events: EventClient;

  before(async () => {
    g = await GroupNode.start();
    uma = await g.user('Uma');
    u1 = await g.phone('uma-desk', { ownerId: uma });
    u2 = await g.phone('uma-mobile', { ownerId: uma });
    m1 = await g.phone('m1');
    m2 = await g.phone('m2');
    third = await g.phone('third');
    await g.callflow(['3101'], {
      module: 'ring_group',
      data: {
        strategy: 'simultaneous',
        endpoints: [
          { id: uma, endpoint_type: 'user' },
          { id: m1.id, endpoint_type: 'device' },
        ],
      },
    });
    flowId = await g.callflow(['3199'], { module: 'device', data: { id: third.id } });
  });
  after(async () => {
    await g?.stop();
  });
  beforeEach(async () => {
    events = await connectEvents(g.http, { key: g.apiKey });
  });
  afterEach(async () => {
    await events?.close();
  });

  async function hungUp(id: string): Promise<GroupcallJson> {
    await eventOf(events, (m) => m.type === 'groupcall_hangup' && m.data.id === id);
    return g.api<GroupcallJson>('GET', `/v1.0/groupcalls/${id}`);
  }

  it('a ring group holding a user with two devices: the user’s second device answers; its sibling and the other member get CANCEL', async () => {
    const members = await Promise.all([
      g.member(u1, { kind: 'ring' }),
      g.member(u2, { kind: 'answer', afterMs: 400 }),
      g.member(m1, { kind: 'ring' }),
    ]);
    const caller = await g.call('3101', { kind: 'answered', holdMs: 300 });
    assertPassed('caller', caller);
    const [r1, r2, r3] = await Promise.all(members.map((m) => m.done));
    assertPassed('uma-desk (rings, CANCEL)', r1);
    assertPassed('uma-mobile (answers)', r2);
    assertPassed('m1 (rings, CANCEL)', r3);
    assert.equal(cancelReason(r1), COMPLETED_ELSEWHERE, 'the sibling inside the nested groupcall');
    assert.equal(cancelReason(r3), COMPLETED_ELSEWHERE, 'the member of the parent groupcall');

    const top = await eventOf(
      events,
      (m) => m.type === 'groupcall_created' && m.data.master_groupcall_id === NIL_UUID,
    );
    const topJson = await hungUp(top.data.id);
    assert.equal(topJson.groupcall_ids.length, 1, JSON.stringify(topJson));
    const nestedJson = await hungUp(topJson.groupcall_ids[0]);
    const callerLeg = await g.finishedCall(topJson.master_call_id);
    const [mLeg] = await Promise.all(topJson.call_ids.map((c) => g.finishedCall(c)));
    const [deskLeg, mobileLeg] = await Promise.all(nestedJson.call_ids.map((c) => g.finishedCall(c)));
    assert.deepEqual(
      [mLeg.destination.target, deskLeg.destination.target, mobileLeg.destination.target],
      [m1.id, u1.id, u2.id],
    );
    const common = {
      customer_id: g.customerId,
      owner_type: '',
      owner_id: NIL_UUID,
      status: 'hangup',
      flow_id: NIL_UUID,
      source: { type: 'device', target: g.caller.id, target_name: 'caller', name: '', detail: '' },
      master_call_id: callerLeg.id,
      ring_method: 'ring_all',
      answer_method: 'hangup_others',
      call_count: 0,
      groupcall_count: 0,
      dial_index: 0,
    };
    assertGroupcall(topJson, {
      ...common,
      id: top.data.id,
      destinations: [addressOf('user', { target: uma, target_name: 'Uma' }), deviceAddress(m1)],
      master_groupcall_id: NIL_UUID,
      answer_call_id: NIL_UUID,
      call_ids: [mLeg.id],
      answer_groupcall_id: nestedJson.id,
      groupcall_ids: [nestedJson.id],
    });
    assertGroupcall(nestedJson, {
      ...common,
      id: nestedJson.id,
      destinations: [deviceAddress(u1), deviceAddress(u2)],
      master_groupcall_id: topJson.id,
      answer_call_id: mobileLeg.id,
      call_ids: [deskLeg.id, mobileLeg.id],
      answer_groupcall_id: NIL_UUID,
      groupcall_ids: [],
    });
    assert.equal(mLeg.groupcall_id, topJson.id);
    for (const l of [deskLeg, mobileLeg]) assert.equal(l.groupcall_id, nestedJson.id);
    for (const l of [mLeg, deskLeg, mobileLeg]) assert.equal(l.master_call_id, callerLeg.id);
    assert.deepEqual([mobileLeg.hangup_by, mobileLeg.hangup_reason], ['local', 'normal']);
    for (const l of [mLeg, deskLeg]) assert.deepEqual([l.hangup_by, l.hangup_reason], ['local', 'cancel']);

    const msgs = events.messages;
    const gcTimeline = ['groupcall_created', 'groupcall_progressing', 'groupcall_hangup'];
    assert.deepEqual(timeline(msgs, topJson.id), gcTimeline);
    assert.deepEqual(timeline(msgs, nestedJson.id), gcTimeline);
    assert.deepEqual(timeline(msgs, mobileLeg.id), RANG_ANSWERED_BYE);
    assert.deepEqual(timeline(msgs, deskLeg.id), RANG_CANCELLED);
    assert.deepEqual(timeline(msgs, mLeg.id), RANG_CANCELLED);
    // The answer is recorded bottom-up: the nested groupcall first, then its parent.
    const at = (id: string, type: string) => msgs.findIndex((m) => m.data?.id === id && m.type === type);
    assert.ok(at(nestedJson.id, 'groupcall_progressing') < at(topJson.id, 'groupcall_progressing'));
    assert.ok(at(topJson.id, 'groupcall_created') < at(nestedJson.id, 'groupcall_created'));
    assert.deepEqual(lastEvent(msgs, topJson.id, 'groupcall_hangup').data, topJson);
    assert.deepEqual(lastEvent(msgs, nestedJson.id, 'groupcall_hangup').data, nestedJson);
  });

  it('POST /v1.0/groupcalls with flow_id: the answered leg runs a callflow that dials a third party', async () => {
    const members = await Promise.all([
      g.member(m1, { kind: 'ring' }),
      g.member(m2, { kind: 'answer', afterMs: 400 }),
      g.member(third, { kind: 'answer-hangup', holdMs: 500 }),
    ]);
    const source = addressOf('tel', { target: '+15550100', name: 'Ops desk' });
    const created = await g.api<GroupcallJson>('POST', '/v1.0/groupcalls', {
      source: { type: 'tel', target: '+15550100', name: 'Ops desk' },
      destinations: [
        { type: 'device', target: m1.id },
        { type: 'device', target: m2.id },
      ],
      flow_id: flowId,
      ring_timeout: 30,
    });
    assert.equal(created.status, 'progressing');
    assert.equal(created.call_ids.length, 2, 'the legs are planned in the record before they are dialed');
    assert.equal(created.call_count, 2);
    assert.equal(created.flow_id, flowId);

    const [r1, r2, r3] = await Promise.all(members.map((m) => m.done));
    assertPassed('m1 (rings, CANCEL)', r1);
    assertPassed('m2 (answers, then BYE from ringd)', r2);
    assertPassed('third party (answers, hangs up)', r3);
    assert.equal(cancelReason(r1), COMPLETED_ELSEWHERE);

    const json = await hungUp(created.id);
    const [l1, l2] = await Promise.all(json.call_ids.map((c) => g.finishedCall(c)));
    assert.deepEqual([l1.destination.target, l2.destination.target], [m1.id, m2.id]);
    assertGroupcall(json, {
      id: created.id,
      customer_id: g.customerId,
      owner_type: '',
      owner_id: NIL_UUID,
      status: 'hangup',
      flow_id: flowId,
      source,
      destinations: [addressOf('device', { target: m1.id }), addressOf('device', { target: m2.id })],
      master_call_id: NIL_UUID,
      master_groupcall_id: NIL_UUID,
      ring_method: 'ring_all',
      answer_method: 'hangup_others',
      answer_call_id: l2.id,
      call_ids: [l1.id, l2.id],
      answer_groupcall_id: NIL_UUID,
      groupcall_ids: [],
      call_count: 0,
      groupcall_count: 0,
      dial_index: 0,
    });
    assert.equal(json.tm_create, created.tm_create);

    // The answered leg became a call running the callflow: its `device` action rang the third party in a
    // groupcall of its own, whose master call is the answered leg.
    const flowGc = msgs().find((m) => m.type === 'groupcall_created' && m.data.master_call_id === l2.id);
    assert.ok(flowGc, 'a groupcall for the callflow’s device action');
    const flowJson = await hungUp(flowGc.data.id);
    const [tLeg] = await Promise.all(flowJson.call_ids.map((c) => g.finishedCall(c)));
    assertGroupcall(flowJson, {
      id: flowGc.data.id,
      customer_id: g.customerId,
      owner_type: '',
      owner_id: NIL_UUID,
      status: 'hangup',
      flow_id: NIL_UUID,
      source,
      destinations: [deviceAddress(third)],
      master_call_id: l2.id,
      master_groupcall_id: NIL_UUID,
      ring_method: 'ring_all',
      answer_method: 'hangup_others',
      answer_call_id: tLeg.id,
      call_ids: [tLeg.id],
      answer_groupcall_id: NIL_UUID,
      groupcall_ids: [],
      call_count: 0,
      groupcall_count: 0,
      dial_index: 0,
    });
    assert.equal(tLeg.destination.target, third.id);
    assert.equal(tLeg.master_call_id, l2.id);
    assert.deepEqual(l2.chained_call_ids, [tLeg.id], 'the answered leg chains the third party');
    for (const l of [l1, l2]) {
      assert.equal(l.groupcall_id, json.id);
      assert.equal(l.master_call_id, NIL_UUID, 'a REST groupcall has no caller call');
      assert.deepEqual(l.source, source);
    }
    assert.deepEqual([l1.hangup_by, l1.hangup_reason], ['local', 'cancel']);
    assert.deepEqual([tLeg.hangup_by, tLeg.hangup_reason], ['remote', 'normal'], 'the third party hung up');
    assert.deepEqual([l2.hangup_by, l2.hangup_reason], ['local', 'normal'], 'then ringd hung up m2');
    assert.notEqual(l2.tm_progressing, NOT_YET, 'the answered leg was progressing');
    assert.notEqual(tLeg.tm_progressing, NOT_YET, 'the third party was progressing');

    const all = msgs();
    const gcTimeline = ['groupcall_created', 'groupcall_progressing', 'groupcall_hangup'];
    // `groupcall_created` of the REST groupcall was published before the POST answered.
    assert.deepEqual(timeline(all, json.id), gcTimeline);
    assert.deepEqual(timeline(all, flowJson.id), gcTimeline);
    assert.deepEqual(timeline(all, l1.id), RANG_CANCELLED);
    assert.deepEqual(timeline(all, l2.id), RANG_ANSWERED_BYE);
    assert.deepEqual(timeline(all, tLeg.id), [
      'call_created',
      'call_dialing',
      'call_ringing',
      'call_progressing',
      'call_hangup',
    ]);
    assert.deepEqual(lastEvent(all, json.id, 'groupcall_hangup').data, json);
    assert.deepEqual(lastEvent(all, flowJson.id, 'groupcall_hangup').data, flowJson);
  });

  function msgs() {
    return events.messages;
  }
});
