/**
 * Ring groups through the real ringd process with SIPp members (issue 5): one SIPp UAS process per member
 * device (registered with digest), a SIPp caller dialing the group's number with digest. Every test checks
 * what each SIPp saw on the wire (its whole scenario ran: exit 0), the groupcall's JSON at the end field by
 * field, the Call records of its legs, and the events of the WebSocket `/v1.0/events`.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { connectEvents, type EventClient } from '../support/event-client.ts';
import {
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
  summary,
  timeline,
  type CallJson,
  type GroupcallJson,
  type Phone,
} from './support/group-node.ts';

/** Events of a leg ringd dialed that rang (180), by how it ended. */
const RANG_CANCELLED = ['call_created', 'call_dialing', 'call_ringing', 'call_canceling', 'call_hangup'];
const RANG_ANSWERED_BYE = [
  'call_created',
  'call_dialing',
  'call_ringing',
  'call_progressing',
  'call_terminating',
  'call_hangup',
];
const RANG_BUSY = ['call_created', 'call_dialing', 'call_ringing', 'call_hangup'];

describe('ring groups through ringd, SIPp members', { timeout: 180_000 }, () => {
  let g: GroupNode;
  let m1: Phone;
  let m2: Phone;
  let m3: Phone;
  let events: EventClient;

  before(async () => {
    g = await GroupNode.start();
    m1 = await g.phone('m1');
    m2 = await g.phone('m2');
    m3 = await g.phone('m3');
    const dev = (p: Phone, extra: object = {}) => ({ id: p.id, endpoint_type: 'device', ...extra });
    await g.callflow(['3001'], {
      module: 'ring_group',
      data: { name: 'Sales', strategy: 'simultaneous', endpoints: [dev(m1), dev(m2), dev(m3)] },
    });
    await g.callflow(['3002'], {
      module: 'ring_group',
      data: { strategy: 'single', endpoints: [dev(m1), dev(m2, { timeout: 1 }), dev(m3)] },
    });
    await g.callflow(['3003'], {
      module: 'ring_group',
      data: { strategy: 'simultaneous', endpoints: [dev(m1), dev(m2)] },
    });
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

  /** The groupcall of this test's call once it is over, its JSON, the caller's leg and the legs by member. */
  async function finished(number: string) {
    const created = await eventOf(
      events,
      (m) => m.type === 'groupcall_created' && m.data.master_groupcall_id === NIL_UUID,
    );
    const id: string = created.data.id;
    await eventOf(events, (m) => m.type === 'groupcall_hangup' && m.data.id === id);
    const json = await g.api<GroupcallJson>('GET', `/v1.0/groupcalls/${id}`);
    const callerEvent = events.messages.find(
      (m) =>
        m.type === 'call_created' && m.data.direction === 'incoming' && m.data.destination.target === number,
    );
    assert.ok(callerEvent, `a call_created event for the caller's leg: ${summary(events.messages)}`);
    const callerLeg = await g.finishedCall(callerEvent.data.id);
    const legs = await Promise.all(json.call_ids.map((c) => g.finishedCall(c)));
    const legOf = (p: Phone): CallJson => {
      const leg = legs.find((l) => l.destination.target === p.id);
      assert.ok(leg, `a leg to ${p.name} among ${JSON.stringify(legs.map((l) => l.destination))}`);
      return leg;
    };
    return { id, json, callerLeg, legs, legOf };
  }

  /** Checks that every leg of the groupcall points to it and to the caller's leg. */
  function assertLegsOf(json: GroupcallJson, callerLeg: CallJson, legs: CallJson[]): void {
    for (const l of legs) {
      assert.equal(l.groupcall_id, json.id, `leg ${l.id} belongs to the groupcall`);
      assert.equal(l.master_call_id, callerLeg.id, `leg ${l.id} rings for the caller's call`);
      assert.equal(l.direction, 'outgoing');
      assert.equal(l.source.target, g.caller.id, 'the leg presents the caller');
    }
    assert.deepEqual(
      [...callerLeg.chained_call_ids].sort(),
      legs.map((l) => l.id).sort(),
      "the caller's leg chains every leg it rang",
    );
  }

  function base(json: GroupcallJson, callerLeg: CallJson, members: Phone[]) {
    return {
      id: json.id,
      customer_id: g.customerId,
      owner_type: '',
      owner_id: NIL_UUID,
      status: 'hangup',
      flow_id: NIL_UUID,
      source: { type: 'device', target: g.caller.id, target_name: 'caller', name: '', detail: '' },
      destinations: members.map(deviceAddress),
      master_call_id: callerLeg.id,
      master_groupcall_id: NIL_UUID,
      answer_method: 'hangup_others',
      answer_groupcall_id: NIL_UUID,
      groupcall_ids: [],
      call_count: 0,
      groupcall_count: 0,
    };
  }

  it('ring_all: all three ring, the second answers; the others get CANCEL "Call completed elsewhere", 200 + 487', async () => {
    const members = await Promise.all([
      g.member(m1, { kind: 'ring' }),
      g.member(m2, { kind: 'answer', afterMs: 400 }),
      g.member(m3, { kind: 'ring' }),
    ]);
    const caller = await g.call('3001', { kind: 'answered', holdMs: 300 });
    assertPassed('caller (answered, BYE)', caller);
    const [r1, r2, r3] = await Promise.all(members.map((m) => m.done));
    assertPassed('m1 (rings, CANCEL → 200 + 487, ACK)', r1);
    assertPassed('m2 (answers, BYE)', r2);
    assertPassed('m3 (rings, CANCEL → 200 + 487, ACK)', r3);
    assert.equal(cancelReason(r1), COMPLETED_ELSEWHERE, "m1's CANCEL says why");
    assert.equal(cancelReason(r3), COMPLETED_ELSEWHERE, "m3's CANCEL says why");

    const { id, json, callerLeg, legs, legOf } = await finished('3001');
    assertGroupcall(json, {
      ...base(json, callerLeg, [m1, m2, m3]),
      ring_method: 'ring_all',
      answer_call_id: legOf(m2).id,
      call_ids: [legOf(m1).id, legOf(m2).id, legOf(m3).id],
      dial_index: 0,
    });
    assertLegsOf(json, callerLeg, legs);
    assert.deepEqual([legOf(m2).hangup_by, legOf(m2).hangup_reason], ['local', 'normal']);
    for (const p of [m1, m3]) {
      assert.deepEqual([legOf(p).hangup_by, legOf(p).hangup_reason], ['local', 'cancel'], p.name);
      assert.equal(legOf(p).tm_progressing, NOT_YET, `${p.name} never answered`);
    }
    assert.deepEqual([callerLeg.hangup_by, callerLeg.hangup_reason], ['remote', 'normal']);

    const msgs = events.messages;
    assert.deepEqual(timeline(msgs, id), ['groupcall_created', 'groupcall_progressing', 'groupcall_hangup']);
    assert.deepEqual(timeline(msgs, callerLeg.id), [
      'call_created',
      'call_ringing',
      'call_progressing',
      'call_hangup',
    ]);
    assert.deepEqual(timeline(msgs, legOf(m2).id), RANG_ANSWERED_BYE);
    assert.deepEqual(timeline(msgs, legOf(m1).id), RANG_CANCELLED);
    assert.deepEqual(timeline(msgs, legOf(m3).id), RANG_CANCELLED);
    assert.equal(lastEvent(msgs, id, 'groupcall_progressing').data.answer_call_id, legOf(m2).id);
    assert.deepEqual(
      lastEvent(msgs, id, 'groupcall_hangup').data,
      json,
      'the last event carries the final JSON',
    );
  });
  it('ring_all, every member busy: the caller gets 486; the groupcall ends unanswered', async () => {
    const members = await Promise.all([m1, m2, m3].map((p) => g.member(p, { kind: 'busy' })));
    const caller = await g.call('3001', { kind: 'busy' });
    assertPassed('caller (486, ACK)', caller);
    const runs = await Promise.all(members.map((m) => m.done));
    runs.forEach((r, i) => assertPassed(`m${i + 1} (180, 486, ACK)`, r));

    const { id, json, callerLeg, legs, legOf } = await finished('3001');
    assertGroupcall(json, {
      ...base(json, callerLeg, [m1, m2, m3]),
      ring_method: 'ring_all',
      answer_call_id: NIL_UUID,
      call_ids: [legOf(m1).id, legOf(m2).id, legOf(m3).id],
      dial_index: 0,
    });
    assertLegsOf(json, callerLeg, legs);
    for (const p of [m1, m2, m3])
      assert.deepEqual([legOf(p).hangup_by, legOf(p).hangup_reason], ['remote', 'busy'], p.name);
    assert.deepEqual([callerLeg.hangup_by, callerLeg.hangup_reason], ['local', 'busy']);
    assert.equal(callerLeg.tm_progressing, NOT_YET);

    const msgs = events.messages;
    assert.deepEqual(timeline(msgs, id), ['groupcall_created', 'groupcall_hangup']);
    assert.deepEqual(timeline(msgs, callerLeg.id), ['call_created', 'call_ringing', 'call_hangup']);
    for (const p of [m1, m2, m3]) assert.deepEqual(timeline(msgs, legOf(p).id), RANG_BUSY, p.name);
    assert.deepEqual(lastEvent(msgs, id, 'groupcall_hangup').data, json);
  });

  it('linear: 486 from the first advances to the second, its ring timeout (1 s) to the third, which answers', async () => {
    const members = await Promise.all([
      g.member(m1, { kind: 'busy' }),
      g.member(m2, { kind: 'ring' }),
      g.member(m3, { kind: 'answer', afterMs: 100 }),
    ]);
    const caller = await g.call('3002', { kind: 'answered', holdMs: 300 });
    assertPassed('caller (answered by the third, BYE)', caller);
    const [r1, r2, r3] = await Promise.all(members.map((m) => m.done));
    assertPassed('m1 (486)', r1);
    assertPassed('m2 (rings until ringd gives up: CANCEL → 200 + 487)', r2);
    assertPassed('m3 (answers)', r3);
    assert.notEqual(cancelReason(r2), COMPLETED_ELSEWHERE, 'a ring timeout is not "completed elsewhere"');

    const { id, json, callerLeg, legs, legOf } = await finished('3002');
    assertGroupcall(json, {
      ...base(json, callerLeg, [m1, m2, m3]),
      ring_method: 'linear',
      answer_call_id: legOf(m3).id,
      call_ids: [legOf(m1).id, legOf(m2).id, legOf(m3).id],
      dial_index: 2,
    });
    assertLegsOf(json, callerLeg, legs);
    assert.deepEqual([legOf(m1).hangup_by, legOf(m1).hangup_reason], ['remote', 'busy']);
    assert.deepEqual([legOf(m2).hangup_by, legOf(m2).hangup_reason], ['local', 'noanswer']);
    assert.deepEqual([legOf(m3).hangup_by, legOf(m3).hangup_reason], ['local', 'normal']);

    const msgs = events.messages;
    assert.deepEqual(timeline(msgs, id), ['groupcall_created', 'groupcall_progressing', 'groupcall_hangup']);
    assert.deepEqual(timeline(msgs, callerLeg.id), [
      'call_created',
      'call_ringing',
      'call_progressing',
      'call_hangup',
    ]);
    assert.deepEqual(timeline(msgs, legOf(m1).id), RANG_BUSY);
    assert.deepEqual(timeline(msgs, legOf(m2).id), RANG_CANCELLED);
    assert.deepEqual(timeline(msgs, legOf(m3).id), RANG_ANSWERED_BYE);
    // One after the other: each member is dialed once the previous one is out (busy; cancelled on timeout).
    const at = (callId: string, type: string) =>
      msgs.findIndex((m) => m.data?.id === callId && m.type === type);
    assert.ok(at(legOf(m1).id, 'call_hangup') < at(legOf(m2).id, 'call_created'), 'm2 after m1 was busy');
    assert.ok(at(legOf(m2).id, 'call_canceling') < at(legOf(m3).id, 'call_created'), 'm3 after m2 timed out');
    // dial_index moves with the step: 0 at creation, then 1, then 2 (the record is re-sent on each event).
    assert.equal(lastEvent(msgs, id, 'groupcall_created').data.dial_index, 0);
    assert.deepEqual(lastEvent(msgs, id, 'groupcall_created').data.call_ids, [legOf(m1).id]);
    assert.equal(lastEvent(msgs, id, 'groupcall_progressing').data.dial_index, 2);
    assert.deepEqual(lastEvent(msgs, id, 'groupcall_hangup').data, json);
  });

  it('two members answering in the same instant: exactly one is bridged, the other gets ACK + BYE', async (t) => {
    const members = await Promise.all([
      g.member(m1, { kind: 'answer-now' }),
      g.member(m2, { kind: 'answer-now' }),
    ]);
    const caller = await g.call('3003', { kind: 'answered', holdMs: 1_000 });
    assertPassed('caller (one answer, BYE)', caller);
    const runs = await Promise.all(members.map((m) => m.done));
    runs.forEach((r, i) => assertPassed(`m${i + 1} (200 at once, ACK, BYE)`, r));

    const { id, json, callerLeg, legs } = await finished('3003');
    const winner = legs.find((l) => l.id === json.answer_call_id);
    assert.ok(winner, `answer_call_id is one of the legs: ${JSON.stringify(json)}`);
    const loser = legs.find((l) => l.id !== winner.id)!;
    const byId = (l: CallJson) => (l.destination.target === m1.id ? m1 : m2);
    assertGroupcall(json, {
      ...base(json, callerLeg, [m1, m2]),
      ring_method: 'ring_all',
      answer_call_id: winner.id,
      call_ids: legs.map((l) => l.id),
      dial_index: 0,
    });
    assert.deepEqual(
      json.call_ids.map((c) => byId(legs.find((l) => l.id === c)!)),
      [m1, m2],
    );
    assertLegsOf(json, callerLeg, legs);
    assert.deepEqual([winner.hangup_by, winner.hangup_reason], ['local', 'normal']);
    assert.deepEqual([loser.hangup_by, loser.hangup_reason], ['local', 'cancel']);
    assert.notEqual(winner.tm_progressing, NOT_YET);
    assert.equal(loser.tm_progressing, NOT_YET, 'the loser was never connected');

    // On the wire: the loser's BYE follows its ACK at once, the winner's only when the caller hangs up.
    const gapOf = (r: (typeof runs)[number]) => {
      const tick = (what: string) => Number(/(\d+)$/.exec(r.logs.find((l) => l.startsWith(what)) ?? '')?.[1]);
      return tick('BYE at') - tick('ACK at');
    };
    const [winnerRun, loserRun] = winner.destination.target === m1.id ? runs : [runs[1], runs[0]];
    assert.ok(gapOf(loserRun) < 500, `the loser got BYE right after ACK: ${loserRun.logs.join(' | ')}`);
    assert.ok(gapOf(winnerRun) >= 900, `the winner's BYE came after the call: ${winnerRun.logs.join(' | ')}`);
    const lost =
      Date.parse(`${loser.tm_hangup.replace(' ', 'T')}Z`) -
      Date.parse(`${winner.tm_progressing.replace(' ', 'T')}Z`);
    t.diagnostic(
      `${byId(loser).name} lost to ${byId(winner).name}; its call ended ${lost} ms after the winner was connected`,
    );

    const msgs = events.messages;
    assert.deepEqual(timeline(msgs, id), ['groupcall_created', 'groupcall_progressing', 'groupcall_hangup']);
    assert.deepEqual(timeline(msgs, callerLeg.id), ['call_created', 'call_progressing', 'call_hangup']);
    assert.deepEqual(timeline(msgs, winner.id), [
      'call_created',
      'call_dialing',
      'call_progressing',
      'call_terminating',
      'call_hangup',
    ]);
    // The loser: ringd decided to cancel it (canceling), but with no provisional response no CANCEL may be
    // sent (RFC 3261 §9.1); its 200 then arrived, was ACKed and sent BYE (terminating).
    assert.deepEqual(timeline(msgs, loser.id), [
      'call_created',
      'call_dialing',
      'call_canceling',
      'call_terminating',
      'call_hangup',
    ]);
    assert.equal(msgs.filter((m) => m.type === 'groupcall_progressing').length, 1, 'one answer only');
    assert.deepEqual(lastEvent(msgs, id, 'groupcall_hangup').data, json);
  });

  it('the caller cancels while the group rings: every member gets CANCEL (not "completed elsewhere")', async () => {
    const members = await Promise.all([m1, m2, m3].map((p) => g.member(p, { kind: 'ring' })));
    const caller = await g.call('3001', { kind: 'cancel', afterMs: 500 });
    assertPassed('caller (180, CANCEL → 200 + 487, ACK)', caller);
    const runs = await Promise.all(members.map((m) => m.done));
    runs.forEach((r, i) => assertPassed(`m${i + 1} (rings, CANCEL → 200 + 487)`, r));
    for (const r of runs) assert.equal(cancelReason(r), '', 'nobody answered: no Reason');

    const { id, json, callerLeg, legs, legOf } = await finished('3001');
    assertGroupcall(json, {
      ...base(json, callerLeg, [m1, m2, m3]),
      ring_method: 'ring_all',
      answer_call_id: NIL_UUID,
      call_ids: [legOf(m1).id, legOf(m2).id, legOf(m3).id],
      dial_index: 0,
    });
    assertLegsOf(json, callerLeg, legs);
    for (const p of [m1, m2, m3])
      assert.deepEqual([legOf(p).hangup_by, legOf(p).hangup_reason], ['local', 'cancel'], p.name);
    assert.deepEqual([callerLeg.hangup_by, callerLeg.hangup_reason], ['remote', 'cancel']);

    const msgs = events.messages;
    assert.deepEqual(timeline(msgs, id), ['groupcall_created', 'groupcall_hangup']);
    assert.deepEqual(timeline(msgs, callerLeg.id), [
      'call_created',
      'call_ringing',
      'call_canceling',
      'call_hangup',
    ]);
    for (const p of [m1, m2, m3]) assert.deepEqual(timeline(msgs, legOf(p).id), RANG_CANCELLED, p.name);
    assert.deepEqual(lastEvent(msgs, id, 'groupcall_hangup').data, json);
  });
});
