/**
 * Call pickup through the real ringd process, SIPp on every side (issue 6, pickup.md): three SIPp members
 * registered with digest ring in a ring group for a SIPp caller; a fourth registered device (the picker)
 * dials a pickup code with digest (support/pickup-suite.ts). Checked on the wire: the picker's final answer
 * (status and reason phrase exactly), the CANCEL `Reason` the members get, the caller being answered and hung
 * up; over REST and the WebSocket `/v1.0/events`: the `call_pickup` event, the groupcall's `answer_call_id`,
 * the legs' hang-up reasons. The races of pickup.md step 4 are in pickup-races.test.ts.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { TIMESTAMP_PATTERN } from '../../src/store/timestamp.ts';
import type { EventClient } from '../support/event-client.ts';
import {
  assertPassed,
  cancelReason,
  COMPLETED_ELSEWHERE,
  eventOf,
  type GroupNode,
  NIL_UUID,
  summary,
  timeline,
  type GroupcallJson,
  type Phone,
} from './support/group-node.ts';
import {
  finalAnswer,
  NO_CALL,
  NO_TARGET,
  NOT_PERMITTED,
  pick,
  PICKED,
  ringing,
  startCancellingCaller,
  startPickedCaller,
} from './support/pickup.ts';
import { GROUP, pickupSuite } from './support/pickup-suite.ts';

describe('call pickup through ringd, SIPp on every side', { timeout: 300_000 }, () => {
  const suite = pickupSuite();
  let g: GroupNode;
  let picker: Phone;
  let events: EventClient;
  const { ringMembers, bound, incomingCallOf } = suite;
  beforeEach(() => {
    ({ g, picker, events } = suite);
  });

  it('*87<group>: the picker gets 200 and is bridged; members get CANCEL "Call completed elsewhere"; the caller is answered', async (t) => {
    const members = await ringMembers(t);
    const caller = await startPickedCaller(g, GROUP);
    bound(t, [caller]);
    const { callerCallId, legIds } = await ringing(events, GROUP, 3, { caller, g });
    assert.equal(legIds.length, 3, 'all three members ring');

    const run = await pick(g, picker, `*87${GROUP}`, 500);
    assertPassed('picker (407, 200, ACK, BYE)', run);
    assert.equal(finalAnswer(run), PICKED);

    const callerRun = await caller.done;
    assertPassed('caller (180, 200 from the pickup, ACK, BYE from ringd)', callerRun);
    assert.deepEqual(callerRun.logs, ['ANSWERED', 'BYE']);
    const runs = await Promise.all(members.map((m) => m.done));
    runs.forEach((r, i) => {
      assertPassed(`m${i + 1} (180, CANCEL → 200 + 487, ACK)`, r);
      assert.equal(cancelReason(r), COMPLETED_ELSEWHERE, `m${i + 1}'s CANCEL says why`);
    });

    const pickerCallId = await incomingCallOf(picker);
    const pickup = await eventOf(events, (m) => m.type === 'call_pickup');
    const created = await eventOf(
      events,
      (m) => m.type === 'groupcall_created' && m.data.master_call_id === callerCallId,
    );
    const id = created.data.id as string;
    const { tm_create, picked_call_id, ...rest } = pickup.data;
    assert.deepEqual(rest, {
      id: callerCallId,
      customer_id: g.customerId,
      caller_call_id: callerCallId,
      picker_call_id: pickerCallId,
      groupcall_id: id,
      kind: 'directed',
      picker_device_id: picker.id,
      picker_user_id: NIL_UUID,
    });
    assert.ok(
      legIds.includes(picked_call_id),
      `the picked leg is one of the ringing legs: ${picked_call_id}`,
    );
    assert.match(tm_create, TIMESTAMP_PATTERN);

    await eventOf(events, (m) => m.type === 'groupcall_hangup' && m.data.id === id);
    const gc = await g.api<GroupcallJson>('GET', `/v1.0/groupcalls/${id}`);
    assert.equal(
      gc.answer_call_id,
      pickerCallId,
      `the groupcall records the picker's call: ${JSON.stringify(gc)}`,
    );
    assert.deepEqual([...gc.call_ids].sort(), legIds, 'the groupcall rang the three members');
    assert.deepEqual(timeline(events.messages, id), [
      'groupcall_created',
      'groupcall_progressing',
      'groupcall_hangup',
    ]);
    for (const legId of legIds) {
      const leg = await g.finishedCall(legId);
      assert.deepEqual([leg.hangup_by, leg.hangup_reason], ['local', 'pickedup'], `leg ${legId}`);
    }
    const callerLeg = await g.finishedCall(callerCallId);
    assert.equal(callerLeg.status, 'hangup');
    assert.deepEqual(
      [callerLeg.hangup_by, callerLeg.hangup_reason],
      ['local', 'normal'],
      "ringd hung up the caller's leg when the picker hung up",
    );
    const pickerLeg = await g.finishedCall(pickerCallId);
    assert.deepEqual([pickerLeg.hangup_by, pickerLeg.hangup_reason], ['remote', 'normal']);

    // GET /metrics: the pickup is counted, and its latency (INVITE received → 200 sent) observed once.
    const metrics = await (await fetch(`${g.http}/metrics`)).text();
    const series = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    assert.equal(series('ringd_pickups_total\\{result="picked"\\}'), 1, metrics);
    assert.equal(series('ringd_pickup_latency_seconds_count'), 1);
    const seconds = series('ringd_pickup_latency_seconds_sum');
    assert.ok(seconds > 0 && seconds < 0.5, `pickup latency ${seconds} s`);
  });

  it('a picker the group_pickup action does not approve gets 403 Pickup Not Permitted; the call keeps ringing', async (t) => {
    const members = await ringMembers(t);
    const caller = await startCancellingCaller(g, GROUP, 3_000);
    bound(t, [caller]);
    await ringing(events, GROUP, 3, { caller, g });

    const run = await pick(g, picker, '7001');
    assertPassed('picker (407, 403, ACK)', run);
    assert.equal(finalAnswer(run), NOT_PERMITTED);

    assertPassed('caller (rings, then cancels itself)', await caller.done);
    const runs = await Promise.all(members.map((m) => m.done));
    runs.forEach((r, i) => {
      assertPassed(`m${i + 1} (rings until the caller cancels)`, r);
      assert.equal(cancelReason(r), '', 'not picked up: no "completed elsewhere"');
    });
    assert.equal(
      events.messages.filter((m) => m.type === 'call_pickup').length,
      0,
      `no call_pickup event: ${summary(events.messages)}`,
    );
  });

  it('*87 + an extension nothing answers to gets 404 No Pickup Target', async () => {
    const run = await pick(g, picker, '*879999');
    assertPassed('picker (407, 404, ACK)', run);
    assert.equal(finalAnswer(run), NO_TARGET);
  });

  it('*87<group> while nothing rings gets 480 No Call To Pick Up', async () => {
    const run = await pick(g, picker, `*87${GROUP}`);
    assertPassed('picker (407, 480, ACK)', run);
    assert.equal(finalAnswer(run), NO_CALL);
  });
});
