/**
 * Forked calls: a user with two devices (and a device with two registrations) ring at once; the first 2xx
 * wins, the others get CANCEL with the RFC 3326 Reason header, and a 2xx losing the race is ACKed and
 * sent BYE. Failures combine into the caller's final (486 over 603 over 480).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { SipRequest } from '../../../src/sip/message/index.ts';
import { Harness, RINGD } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setup() {
  h = await Harness.create();
  const alice = h.phone('alice', '10.0.0.1', 'alice');
  const desk = h.phone('desk', '10.0.0.2', 'bob-desk');
  const mobile = h.phone('mobile', '10.0.0.3', 'bob-mobile');
  return { h, alice, desk, mobile };
}

describe('ringing a user with two devices', () => {
  test('both ring, one answers, the other gets CANCEL with Reason "Call completed elsewhere"', async () => {
    const { h, alice, desk, mobile } = await setup();
    desk.behaviour = 'ring';
    mobile.behaviour = 'ring';
    const v = h.dial(alice, '201');
    await h.run(50);
    assert.equal(desk.invites.length, 1, 'desk rings');
    assert.equal(mobile.invites.length, 1, 'mobile rings');
    assert.deepEqual(v.progress, [180], 'one 180 to the caller for two ringing phones');
    let mobileCancelled = 0;
    mobile.invites[0].onCancel = () => mobileCancelled++;
    desk.answer(desk.invites[0]);
    await h.run(50);
    assert.ok(v.session, 'the caller is connected');
    assert.equal(mobileCancelled, 1, 'the mobile was cancelled');
    const cancel = h.request('CANCEL', '10.0.0.3');
    assert.equal(cancel.get('Reason'), 'SIP;cause=200;text="Call completed elsewhere"');
    assert.deepEqual(h.wire(RINGD, '10.0.0.3'), ['INVITE', 'CANCEL', 'ACK']);
    const [deskEp, mobileEp] = h.media.all; // the callee legs, in ringing order
    const callerEp = h.media.facing('10.0.0.1');
    assert.equal(callerEp.partner, deskEp, 'caller bridged to the desk');
    assert.equal(mobileEp.closed, true, "the mobile leg's endpoint is closed");

    void v.session!.bye();
    await h.assertClean();
    const rows = await h.rows();
    const byDest = new Map(rows.map((r) => [r.destination.target_name, r]));
    const caller = rows.find((r) => r.direction === 'incoming')!;
    assert.deepEqual(caller.chained_call_ids.length, 2);
    assert.deepEqual(
      [byDest.get('bob-mobile')!.hangup_reason, byDest.get('bob-mobile')!.hangup_by],
      ['cancel', 'local'],
    );
    assert.equal(byDest.get('bob-mobile')!.tm_progressing, '9999-01-01 00:00:00.000000');
    assert.equal(byDest.get('bob-desk')!.hangup_reason, 'normal');
    assert.equal(byDest.get('bob-mobile')!.master_call_id, caller.id);
  });

  test('a CANCEL crossing the loser’s 200 OK: that 200 is ACKed and sent BYE', async () => {
    const { h, alice, desk, mobile } = await setup();
    const v = h.dial(alice, '201'); // both phones: 180 then 200 at once
    await h.run(50);
    assert.ok(v.session);
    assert.equal(desk.sessions.length + mobile.sessions.length, 2, 'both phones answered');
    assert.deepEqual(h.wire(RINGD, '10.0.0.3'), ['INVITE', 'CANCEL', 'ACK', 'BYE']);
    assert.equal(mobile.sessions[0].isEnded, true);
    void v.session!.bye();
    await h.assertClean();
  });

  test('two 200 OK at once: exactly one is bridged, the other is ACKed and sent BYE', async () => {
    const { h, alice, desk, mobile } = await setup();
    desk.behaviour = (inv) => desk.answer(inv); // straight 200, no provisional: no CANCEL can be sent
    mobile.behaviour = (inv) => mobile.answer(inv);
    const v = h.dial(alice, '201');
    await h.run(50);
    assert.ok(v.session);
    assert.equal(desk.sessions.length + mobile.sessions.length, 2, 'both phones answered');
    assert.deepEqual(
      h.wire(RINGD, '10.0.0.1').filter((l) => l === '200 INVITE'),
      ['200 INVITE'],
      'one answer',
    );
    assert.deepEqual(h.wire(RINGD, '10.0.0.3'), ['INVITE', 'ACK', 'BYE'], 'the loser: ACK + BYE');
    assert.deepEqual(h.wire(RINGD, '10.0.0.2'), ['INVITE', 'ACK'], 'the winner: ACK');
    assert.equal(mobile.sessions[0].isEnded, true);
    assert.equal(desk.sessions[0].isEnded, false);
    const [deskEp, mobileEp] = h.media.all; // the callee legs, in ringing order
    const callerEp = h.media.facing('10.0.0.1');
    assert.equal(callerEp.partner, deskEp);
    assert.equal(mobileEp.partner, undefined);
    void desk.sessions[0].bye();
    await h.run(50);
    assert.deepEqual(v.ended, ['remote-bye']);
    await h.assertClean();
    const rows = await h.rows();
    const mobileRow = rows.find((r) => r.destination.target_name === 'bob-mobile')!;
    assert.deepEqual([mobileRow.hangup_by, mobileRow.hangup_reason], ['local', 'cancel']);
    assert.deepEqual(h.eventsOf(mobileRow.id).slice(-2), ['call_terminating', 'call_hangup']);
  });

  test('API hangup of one ringing leg whose 200 crosses our CANCEL: that leg is ACKed + BYE, the other still rings', async () => {
    const { h, alice, desk, mobile } = await setup();
    desk.behaviour = 'ring';
    mobile.behaviour = 'ring';
    const v = h.dial(alice, '201');
    await h.run(50);
    const mobileLeg = h.events.find((e) => e.data.destination.target_name === 'bob-mobile')!.data.id;
    await h.engine.hangup(h.tenantId, mobileLeg);
    mobile.answer(mobile.invites[0]);
    await h.run(50);
    assert.equal(v.answerBody, undefined, 'the caller is not connected to the hung-up leg');
    assert.deepEqual(h.wire(RINGD, '10.0.0.3'), ['INVITE', 'CANCEL', 'ACK', 'BYE']);
    desk.answer(desk.invites[0]);
    await h.run(50);
    assert.ok(v.session, 'connected to the desk');
    assert.equal(h.media.facing('10.0.0.1').partner, h.media.facing('10.0.0.2'));
    void v.session!.bye();
    await h.assertClean();
  });

  test('a device registered twice: both contacts ring', async () => {
    const { h, alice, desk } = await setup();
    const desk2 = h.phone('desk2', '10.0.0.4', 'bob-desk');
    desk.behaviour = 'ring';
    desk2.behaviour = 'ring';
    const v = h.dial(alice, '200');
    await h.run(50);
    assert.equal(desk.invites.length + desk2.invites.length, 2);
    desk2.answer(desk2.invites[0]);
    await h.run(50);
    assert.ok(v.session);
    assert.equal(
      h.request('CANCEL', '10.0.0.2').get('Reason'),
      'SIP;cause=200;text="Call completed elsewhere"',
    );
    void v.session!.bye();
    await h.assertClean();
  });

  test('one busy, one answering: the call goes through', async () => {
    const { h, alice, desk, mobile } = await setup();
    desk.behaviour = 'busy';
    mobile.behaviour = (inv) => {
      inv.progress(180);
      h.clock.setTimer(1000, () => mobile.answer(inv));
    };
    const v = h.dial(alice, '201');
    await h.run(2000);
    assert.ok(v.session, 'answered by the mobile');
    void v.session!.bye();
    await h.assertClean();
  });

  test('one declines, one busy → 486; one declines, one unanswered until timeout → 480', async () => {
    const { h, alice, desk, mobile } = await setup();
    desk.behaviour = 'decline';
    mobile.behaviour = 'busy';
    const a = h.dial(alice, '201');
    await h.run(50);
    assert.equal(a.failure, 486, 'busy wins over decline');
    mobile.behaviour = 'ring';
    const b = h.dial(alice, '201');
    await h.run(25_000);
    assert.equal(b.failure, 480, 'the ring timeout');
    const cancels = h.packets(RINGD, '10.0.0.3').filter((p) => (p.message as SipRequest).method === 'CANCEL');
    assert.equal(cancels.length, 1);
    assert.equal(cancels[0].message!.get('Reason'), undefined, 'no "completed elsewhere" on a timeout');
    await h.assertClean();
  });

  test('both decline → 603', async () => {
    const { h, alice, desk, mobile } = await setup();
    desk.behaviour = 'decline';
    mobile.behaviour = 'decline';
    const v = h.dial(alice, '201');
    await h.run(50);
    assert.equal(v.failure, 603);
    await h.assertClean();
  });

  test('the caller cancels a forked call: every leg gets CANCEL', async () => {
    const { h, alice, desk, mobile } = await setup();
    desk.behaviour = 'ring';
    mobile.behaviour = 'ring';
    const v = h.dial(alice, '201');
    await h.run(50);
    v.out.cancel();
    await h.run(50);
    assert.equal(v.failure, 487);
    assert.deepEqual(h.wire(RINGD, '10.0.0.2'), ['INVITE', 'CANCEL', 'ACK']);
    assert.deepEqual(h.wire(RINGD, '10.0.0.3'), ['INVITE', 'CANCEL', 'ACK']);
    await h.assertClean();
    const rows = await h.rows();
    assert.deepEqual(
      rows.map((r) => [r.status, r.hangup_reason]),
      [
        ['hangup', 'cancel'],
        ['hangup', 'cancel'],
        ['hangup', 'cancel'],
      ],
    );
  });

  test('a callee that ignores our CANCEL is given up after 64·T1', async () => {
    const { h, alice, desk } = await setup();
    h.phones[2].behaviour = 'busy';
    desk.behaviour = 'ring';
    const v = h.dial(alice, '201');
    await h.run(50);
    h.net.partition(RINGD, '10.0.0.2'); // the CANCEL and anything after it are lost
    v.out.cancel();
    await h.run(50);
    assert.equal(v.failure, 487);
    assert.equal(h.engine.stats().calls, 1, 'waiting for the desk leg to end');
    assert.notEqual(h.ringd.stats().transactions, 0, 'the desk INVITE is still waiting');
    await h.run(40_000);
    assert.equal(h.engine.stats().calls, 0, 'given up');
    // §9.1: ringd's INVITE transaction towards the desk was destroyed 64·T1 after the CANCEL. (The desk
    // itself never saw the CANCEL and still rings, so the harness's assertClean does not apply to it.)
    assert.deepEqual(
      h.ringd.stats(),
      { sessions: 0, pendingInvites: 0, awaitingAck: 0, transactions: 0 },
      'ringd UA: nothing left',
    );
    assert.equal(h.engine.stats().timers, 0, 'no engine timer left');
    h.net.heal();
  });
});

describe('what a leg tells its media endpoint as it closes', () => {
  // A leg whose callee never answered the offer and had no reason to send media closes its endpoint
  // `unanswered`: the relay may then lend its ports to the next call at once instead of after a quarantine.
  test('a phone cancelled while it rang: unanswered, once its 487 came; the answered phone and the caller: not', async () => {
    const { h, alice, desk, mobile } = await setup();
    desk.behaviour = 'ring';
    mobile.behaviour = 'ring';
    const v = h.dial(alice, '201');
    await h.run(50);
    const [deskEp, mobileEp] = h.media.all;
    desk.answer(desk.invites[0]);
    await h.run(50);
    assert.deepEqual(h.wire(RINGD, '10.0.0.3'), ['INVITE', 'CANCEL', 'ACK'], 'mobile: 487 to the CANCEL');
    assert.deepEqual(mobileEp.closedWith, { unanswered: true });
    assert.equal(deskEp.closed, false);
    void v.session!.bye();
    await h.assertClean();
    assert.deepEqual(deskEp.closedWith, {}, 'the answered phone may still send: quarantined');
    assert.deepEqual(h.media.facing('10.0.0.1').closedWith, {}, "the caller's endpoint: quarantined");
  });

  test('a busy phone (486): unanswered', async () => {
    const { h, alice, desk, mobile } = await setup();
    desk.behaviour = 'busy';
    mobile.behaviour = 'answer';
    const v = h.dial(alice, '201');
    await h.run(50);
    assert.ok(v.session);
    const [deskEp] = h.media.all;
    assert.equal(deskEp.remote, undefined, "the desk's endpoint never learned a remote");
    assert.deepEqual(deskEp.closedWith, { unanswered: true });
    void v.session!.bye();
    await h.assertClean();
  });

  test('a 200 crossing the CANCEL: quarantined', async () => {
    const { h, alice } = await setup();
    const v = h.dial(alice, '201'); // both phones: 180 then 200 at once
    await h.run(50);
    assert.deepEqual(h.wire(RINGD, '10.0.0.3'), ['INVITE', 'CANCEL', 'ACK', 'BYE']);
    const [, mobileEp] = h.media.all;
    assert.deepEqual(mobileEp.closedWith, {}, 'it answered: its packets may still come');
    void v.session!.bye();
    await h.assertClean();
  });

  test('early media (183 with SDP) before the 487: quarantined', async () => {
    const { h, alice, desk, mobile } = await setup();
    desk.behaviour = 'ring';
    mobile.behaviour = (inv) => inv.progress(183, { body: mobile.sdp });
    const v = h.dial(alice, '201');
    await h.run(50);
    const [, mobileEp] = h.media.all;
    desk.answer(desk.invites[0]);
    await h.run(50);
    assert.deepEqual(h.wire(RINGD, '10.0.0.3'), ['INVITE', 'CANCEL', 'ACK']);
    assert.deepEqual(mobileEp.closedWith, {}, 'it offered early media: its packets may still come');
    void v.session!.bye();
    await h.assertClean();
  });
});
