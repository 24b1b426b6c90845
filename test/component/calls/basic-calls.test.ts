/**
 * The call engine's core flows on the wire, in virtual time: answer, hang-up from either side, caller
 * CANCEL, busy, decline, no answer, refusals (404, 480, 488, 407), the Call records and events — and
 * nothing left behind after each.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { parseAudio } from '../../../src/media/sdp/index.ts';
import { NIL_UUID, NOT_YET, TIMESTAMP_PATTERN } from '../../../src/store/timestamp.ts';
import { DOMAIN, Harness, phoneSdp, RINGD } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setup(opts?: Parameters<typeof Harness.create>[0]) {
  h = await Harness.create(opts);
  const alice = h.phone('alice', '10.0.0.1', 'alice');
  const bob = h.phone('bob', '10.0.0.2', 'bob-desk');
  return { h, alice, bob };
}

describe('a call answered and hung up', () => {
  test('caller → 180 → 200 → ACK → BYE from the caller; bridged media; records and events', async () => {
    const { h, alice, bob } = await setup();
    const v = h.dial(alice, '200');
    await h.run(50);
    assert.deepEqual(v.progress, [180], 'the caller heard 180 Ringing once');
    assert.ok(v.session, 'the caller got 200 OK');
    assert.equal(bob.invites.length, 1, 'bob-desk was rung');

    // What bob-desk received: From the caller identity, To the dialed number, an offer on our endpoint.
    const inv = h.request('INVITE', '10.0.0.2');
    assert.equal(inv.uriText, 'sip:bob@10.0.0.2:5060', 'R-URI is the registered contact');
    assert.match(inv.get('From')!, /^"Alice Smith" <sip:alice@acme\.example>;tag=/);
    assert.equal(inv.get('To'), `<sip:200@${DOMAIN}>`);
    const offer = parseAudio(inv.body);
    assert.ok(offer.ok, 'the callee INVITE carries SDP');
    const [callerEp, bobEp] = [h.media.facing('10.0.0.1'), h.media.facing('10.0.0.2')];
    assert.equal(offer.audio.address, h.media.address, 'offer on our relay address');
    assert.equal(offer.audio.port, bobEp.rtpPort, "offer on the callee leg's endpoint");
    assert.deepEqual(
      offer.audio.codecs.map((c) => c.name),
      ['PCMU', 'PCMA', 'telephone-event'],
      "the caller's codecs",
    );

    // What the caller got back: our caller endpoint, one codec + telephone-event.
    const answer = parseAudio(v.answerBody!);
    assert.ok(answer.ok);
    assert.equal(answer.audio.port, callerEp.rtpPort, "answer on the caller leg's endpoint");
    assert.deepEqual(
      answer.audio.codecs.map((c) => c.name),
      ['PCMU', 'telephone-event'],
    );
    assert.equal(callerEp.partner, bobEp, 'the two endpoints are bridged');
    assert.deepEqual(callerEp.remote, {
      address: '10.0.0.1',
      rtpPort: alice.rtpPort,
      rtcpPort: alice.rtpPort + 1,
    });
    assert.deepEqual(bobEp.remote, { address: '10.0.0.2', rtpPort: bob.rtpPort, rtcpPort: bob.rtpPort + 1 });

    const [callerId, calleeId] = [...h.events.map((e) => e.data.id)].filter((x, i, a) => a.indexOf(x) === i);
    assert.equal(h.engine.get(h.tenantId, callerId)?.status, 'progressing', 'live call readable from memory');
    assert.equal(h.engine.get('someone-else', callerId), undefined, 'not for another tenant');

    const bye = v.session!.bye();
    await h.run(50);
    assert.equal((await bye)?.status, 200);
    assert.deepEqual(
      h.wire(RINGD, '10.0.0.2'),
      ['INVITE', 'ACK', 'BYE'],
      'ringd sent INVITE, ACK and BYE to the callee',
    );
    assert.deepEqual(h.wire(RINGD, '10.0.0.1'), ['180 INVITE', '200 INVITE', '200 BYE']);
    assert.equal(bob.sessions[0].isEnded, true, 'the callee session ended');
    assert.equal(h.engine.get(h.tenantId, callerId), undefined, 'gone from memory');
    await h.assertClean();

    const rows = await h.rows();
    assert.equal(rows.length, 2);
    const [caller, callee] = rows;
    assert.equal(caller.id, callerId);
    assert.equal(callee.id, calleeId);
    assert.deepEqual(
      [caller.status, caller.direction, caller.hangup_by, caller.hangup_reason],
      ['hangup', 'incoming', 'remote', 'normal'],
    );
    assert.deepEqual(
      [callee.status, callee.direction, callee.hangup_by, callee.hangup_reason],
      ['hangup', 'outgoing', 'local', 'normal'],
    );
    assert.deepEqual(caller.chained_call_ids, [callee.id]);
    assert.equal(callee.master_call_id, caller.id);
    assert.equal(caller.master_call_id, NIL_UUID);
    assert.equal(caller.groupcall_id, NIL_UUID);
    assert.equal(caller.tm_delete, NOT_YET);
    assert.deepEqual(caller.source, {
      type: 'device',
      target: h.devices.alice.id,
      target_name: 'alice',
      name: 'Alice Smith',
      detail: '',
    });
    assert.deepEqual(caller.destination, {
      type: 'extension',
      target: '200',
      target_name: '200',
      name: '',
      detail: '',
    });
    assert.deepEqual(callee.destination, {
      type: 'device',
      target: h.devices['bob-desk'].id,
      target_name: 'bob-desk',
      name: '',
      detail: 'sip:bob@10.0.0.2:5060',
    });
    for (const r of rows) {
      for (const k of ['tm_ringing', 'tm_progressing', 'tm_hangup', 'tm_create', 'tm_update'] as const) {
        assert.match(r[k], TIMESTAMP_PATTERN, `${k} set`);
        assert.notEqual(r[k], NOT_YET, `${k} happened`);
      }
      assert.ok(
        r.tm_create <= r.tm_ringing && r.tm_ringing <= r.tm_progressing && r.tm_progressing <= r.tm_hangup,
      );
    }
    assert.deepEqual(h.eventsOf(caller.id), [
      'call_created',
      'call_ringing',
      'call_progressing',
      'call_hangup',
    ]);
    assert.deepEqual(h.eventsOf(callee.id), [
      'call_created',
      'call_dialing',
      'call_ringing',
      'call_progressing',
      'call_terminating',
      'call_hangup',
    ]);
  });

  test('BYE from the callee: the caller gets BYE; hangup_by remote on the callee leg', async () => {
    const { h, bob } = await setup();
    const alice = h.phones[0];
    const v = h.dial(alice, '200');
    await h.run(50);
    assert.ok(v.session);
    void bob.sessions[0].bye();
    await h.run(50);
    assert.deepEqual(v.ended, ['remote-bye'], 'the caller received BYE');
    await h.assertClean();
    const [caller, callee] = await h.rows();
    assert.deepEqual([caller.hangup_by, caller.hangup_reason], ['local', 'normal']);
    assert.deepEqual([callee.hangup_by, callee.hangup_reason], ['remote', 'normal']);
    assert.deepEqual(h.eventsOf(caller.id).slice(-2), ['call_terminating', 'call_hangup']);
  });

  test('caller cancels while ringing: the callee gets CANCEL, the caller 487; records canceling → hangup', async () => {
    const { h, alice, bob } = await setup();
    bob.behaviour = 'ring';
    const v = h.dial(alice, '200');
    await h.run(50);
    assert.deepEqual(v.progress, [180]);
    let cancelled = 0;
    bob.invites[0].onCancel = () => cancelled++;
    v.out.cancel();
    await h.run(50);
    assert.equal(v.failure, 487, 'the caller got 487');
    assert.equal(cancelled, 1, 'the callee got CANCEL');
    assert.deepEqual(h.wire(RINGD, '10.0.0.2'), ['INVITE', 'CANCEL', 'ACK']);
    await h.assertClean();
    const [caller, callee] = await h.rows();
    for (const r of [caller, callee]) {
      assert.equal(r.status, 'hangup');
      assert.equal(r.hangup_reason, 'cancel');
      assert.equal(r.tm_progressing, NOT_YET, 'never answered');
    }
    assert.equal(caller.hangup_by, 'remote');
    assert.equal(callee.hangup_by, 'local');
    assert.deepEqual(h.eventsOf(caller.id), [
      'call_created',
      'call_ringing',
      'call_canceling',
      'call_hangup',
    ]);
    assert.deepEqual(h.eventsOf(callee.id), [
      'call_created',
      'call_dialing',
      'call_ringing',
      'call_canceling',
      'call_hangup',
    ]);
  });

  test('caller cancels before any callee answered a provisional: CANCEL held, then sent', async () => {
    const { h, alice, bob } = await setup();
    bob.behaviour = 'silent';
    const v = h.dial(alice, '200');
    await h.run(10);
    v.out.cancel();
    await h.run(1000);
    assert.equal(v.failure, 487);
    assert.deepEqual(h.wire(RINGD, '10.0.0.2'), ['INVITE', 'CANCEL', 'ACK'], 'CANCEL after bob’s 100 Trying');
    await h.assertClean();
  });
});

describe('failures of an answered call', () => {
  test('the caller never ACKs: after 64·T1 the caller leg is ended and the callee gets BYE', async () => {
    const { h, alice, bob } = await setup();
    h.net.setLoss(
      (p) =>
        p.from.address === '10.0.0.1' &&
        p.message?.kind === 'request' &&
        (p.message as { method?: string }).method === 'ACK',
    );
    const v = h.dial(alice, '200');
    await h.run(31_000);
    assert.equal(bob.sessions[0].isEnded, false, 'still up while the 2xx is retransmitted');
    await h.run(2_000);
    assert.equal(bob.sessions[0].isEnded, true, 'the callee got BYE');
    assert.ok(v.session);
    h.net.setLoss(undefined);
    await h.assertClean();
    const [caller, callee] = await h.rows();
    assert.deepEqual([caller.hangup_by, caller.hangup_reason], ['local', 'failed']);
    assert.deepEqual([callee.hangup_by, callee.hangup_reason], ['local', 'failed']);
  });

  test('a CANCEL crossing the 200 of the only callee (API hangup of that leg): ACK + BYE, caller 480', async () => {
    const { h, alice, bob } = await setup();
    bob.behaviour = 'ring';
    const v = h.dial(alice, '200');
    await h.run(50);
    const calleeId = h.events.find((e) => e.data.direction === 'outgoing')!.data.id;
    await h.engine.hangup(h.tenantId, calleeId);
    bob.answer(bob.invites[0]); // crosses our CANCEL
    await h.run(50);
    assert.equal(v.failure, 480);
    assert.deepEqual(h.wire(RINGD, '10.0.0.2'), ['INVITE', 'CANCEL', 'ACK', 'BYE']);
    await h.assertClean();
  });
});

describe('callees that do not answer', () => {
  test('busy 486 → caller 486, hangup_reason busy', async () => {
    const { h, alice, bob } = await setup();
    bob.behaviour = 'busy';
    const v = h.dial(alice, '200');
    await h.run(50);
    assert.equal(v.failure, 486);
    await h.assertClean();
    const [caller, callee] = await h.rows();
    assert.deepEqual([caller.status, caller.hangup_reason, caller.hangup_by], ['hangup', 'busy', 'local']);
    assert.deepEqual([callee.status, callee.hangup_reason, callee.hangup_by], ['hangup', 'busy', 'remote']);
  });

  test('decline 603 → caller 603', async () => {
    const { h, alice, bob } = await setup();
    bob.behaviour = 'decline';
    const v = h.dial(alice, '200');
    await h.run(50);
    assert.equal(v.failure, 603);
    await h.assertClean();
  });

  test('no answer: CANCEL and 480 at the ring timeout (default 20 s), hangup_reason noanswer', async () => {
    const { h, alice, bob } = await setup();
    bob.behaviour = 'ring';
    const v = h.dial(alice, '200');
    await h.run(19_900);
    assert.equal(v.failure, undefined, 'still ringing before 20 s');
    await h.run(200);
    assert.equal(v.failure, 480);
    assert.deepEqual(h.wire(RINGD, '10.0.0.2'), ['INVITE', 'CANCEL', 'ACK']);
    await h.assertClean();
    const [caller, callee] = await h.rows();
    assert.deepEqual([caller.hangup_reason, callee.hangup_reason], ['noanswer', 'noanswer']);
  });

  test('the callflow timeout (5 s) wins over the default', async () => {
    const { h, alice, bob } = await setup();
    bob.behaviour = 'ring';
    const v = h.dial(alice, '202');
    await h.run(4_900);
    assert.equal(v.failure, undefined);
    await h.run(200);
    assert.equal(v.failure, 480);
    await h.assertClean();
  });

  test('an unreachable contact: Timer B (32 s, before a 60 s ring timeout) → 480 noanswer', async () => {
    const { h, alice } = await setup({ ringTimeout: 60 });
    h.net.partition(RINGD, '10.0.0.2');
    const v = h.dial(alice, '200');
    await h.run(33_000);
    assert.equal(v.failure, 480, 'Timer B (32 s) ended the only leg');
    await h.assertClean();
    const [caller, callee] = await h.rows();
    assert.deepEqual([callee.hangup_reason, callee.hangup_by], ['noanswer', 'local']);
    assert.equal(caller.hangup_reason, 'noanswer');
  });
});

describe('refused calls', () => {
  test('overload control: while it refuses, a new call gets 503 + Retry-After before authentication; the call already up goes on', async () => {
    let refusing = false;
    const { h, alice, bob } = await setup({
      overload: { refuse: () => refusing, retryAfter: '2' },
    });
    const up = h.dial(alice, '200');
    await h.run(50);
    assert.ok(up.session, 'admitted before the overload');
    refusing = true;
    const seenBefore = h.auth.seen.length;
    const refused = h.dial(alice, '200');
    await h.run(50);
    assert.equal(refused.failure, 503);
    const res = h.packets(RINGD, '10.0.0.1').at(-1)!.message!;
    assert.ok(res.kind === 'response' && res.status === 503);
    assert.equal(res.get('Retry-After'), '2');
    assert.equal(h.auth.seen.length, seenBefore, 'refused before the digest check');
    assert.equal(bob.invites.length, 1, 'nothing rang for the refused call');
    // The call in progress still works: alice's BYE reaches bob.
    void up.session!.bye();
    await h.run(50);
    assert.equal(bob.sessions[0].isEnded, true);
    refusing = false;
    const later = h.dial(alice, '200');
    await h.run(50);
    assert.ok(later.session, 'admitted again once the overload is over');
    void later.session!.bye();
    await h.assertClean();
    assert.equal((await h.rows()).length, 4, 'two calls of two legs each; none for the refused one');
  });

  test('404 for an unknown number, 404 No Pickup Target for a pickup with nothing in scope, no records', async () => {
    const { h, alice } = await setup();
    const a = h.dial(alice, '999');
    const b = h.dial(alice, '300');
    await h.run(50);
    assert.equal(a.failure, 404);
    assert.equal(b.failure, 404, 'general pickup: alice is in no ring group and may monitor nobody');
    await h.assertClean();
    assert.deepEqual(await h.rows(), []);
  });

  test('480 Temporarily Unavailable when the target device has no registration', async () => {
    const { h, alice } = await setup();
    const v = h.dial(alice, '201'); // user Bob: bob-desk registered … remove it
    h.registrar.bindings.clear();
    await h.run(50);
    assert.equal(v.failure, 480);
    const res = h.packets(RINGD, '10.0.0.1').at(-1)!.message!;
    assert.equal(res.kind, 'response');
    assert.match(res.kind === 'response' ? res.reason : '', /Temporarily Unavailable/);
    await h.assertClean();
  });

  test('488 when no codec is common (G.729 only) or the SDP is missing', async () => {
    const { h, alice } = await setup();
    const a = h.dial(alice, '200', { body: phoneSdp('10.0.0.1', 4000, { codecs: '18' }) });
    const b = h.dial(alice, '200', { body: '' });
    await h.run(50);
    assert.equal(a.failure, 488);
    assert.equal(b.failure, 488, 'late offer is not supported yet');
    assert.equal(h.phones[1].invites.length, 0, 'nobody was rung');
    await h.assertClean();
  });

  test('403 when the Request-URI domain is another tenant (or unknown)', async () => {
    const { h, alice } = await setup();
    await h.dir.customers.create({ name: 'Other', domain: 'other.example' });
    const a = h.dial(alice, '200', { host: 'other.example' });
    const b = h.dial(alice, '200', { host: 'nowhere.example' });
    await h.run(50);
    assert.equal(a.failure, 403);
    assert.equal(b.failure, 403);
    await h.assertClean();
  });

  test('407 challenge, then the authenticated INVITE goes through', async () => {
    const { h, alice } = await setup();
    h.auth.challenge = true;
    const first = h.dial(alice, '200');
    await h.run(50);
    assert.equal(first.failure, 407);
    const res = h.packets(RINGD, '10.0.0.1').at(-1)!.message!;
    assert.match(res.get('Proxy-Authenticate') ?? '', /^Digest realm="acme\.example"/);
    const second = h.dial(alice, '200', { headers: [['Proxy-Authorization', 'Digest username="alice"']] });
    await h.run(50);
    assert.ok(second.session, 'answered after authentication');
    assert.deepEqual(h.auth.seen[0], { address: '10.0.0.1', port: 5060, transport: 'UDP' });
    void second.session!.bye();
    await h.assertClean();
  });

  test('a Request-URI with an IP host maps to the default domain (here: the device tenant)', async () => {
    const { h, alice } = await setup();
    const v = h.dial(alice, '200', { host: RINGD });
    await h.run(50);
    assert.ok(v.session);
    void v.session!.bye();
    await h.assertClean();
  });

  test('503 when media ports run out; nothing allocated is kept', async () => {
    const { h, alice } = await setup({ capacity: 1 });
    const v = h.dial(alice, '200');
    await h.run(50);
    assert.equal(v.failure, 503);
    await h.assertClean();
  });
});

describe('API hangup and shutdown', () => {
  test('hangup() of an answered call BYEs both sides; unknown id → 404 CALL_NOT_FOUND', async () => {
    const { h, alice } = await setup();
    const v = h.dial(alice, '200');
    await h.run(50);
    const callerId = h.events[0].data.id;
    const c = await h.engine.hangup(h.tenantId, callerId);
    assert.equal(c.status, 'terminating');
    await h.run(50);
    assert.deepEqual(v.ended, ['remote-bye']);
    await assert.rejects(h.engine.hangup(h.tenantId, callerId), { status: 404, reason: 'CALL_NOT_FOUND' });
    await assert.rejects(h.engine.hangup('x', '00000000-0000-4000-8000-000000000999'), { status: 404 });
    await h.assertClean();
    const [caller, callee] = await h.rows();
    assert.deepEqual([caller.hangup_by, callee.hangup_by], ['local', 'local']);
  });

  test('hangup() of a ringing call: callee CANCEL, caller 480', async () => {
    const { h, alice, bob } = await setup();
    bob.behaviour = 'ring';
    const v = h.dial(alice, '200');
    await h.run(50);
    await h.engine.hangup(h.tenantId, h.events[0].data.id);
    await h.run(50);
    assert.equal(v.failure, 480);
    assert.deepEqual(h.wire(RINGD, '10.0.0.2'), ['INVITE', 'CANCEL', 'ACK']);
    await h.assertClean();
  });

  test('close() ends live calls and flushes the records', async () => {
    const { h, alice } = await setup();
    h.dial(alice, '200');
    await h.run(50);
    await h.engine.close();
    await h.run(100);
    assert.equal(h.engine.stats().calls, 0);
    const rows = await h.store.repos.calls.all(h.tenantId);
    assert.deepEqual(
      rows.map((r) => r.status),
      ['hangup', 'hangup'],
    );
    await h.assertClean();
  });
});
