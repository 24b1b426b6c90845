/**
 * The TransactionLayer over the fake network (RFC 3261 §17, RFC 6026): Via and matching by branch, sent-by
 * and method, retransmissions absorbed (also by lingering records), INVITE rejected and accepted, Timer M,
 * CANCEL matched, held and refused. RFC 2543 matching, TCP, errors and shutdown: transaction-layer-edges.test.ts.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SipRequest } from '../../../../src/sip/message/index.ts';
import type { ServerTransaction } from '../../../../src/sip/transaction/transaction-user.ts';
import { clientListener } from './helpers.ts';
import { EMPTY, answer, request, setup } from './layer-harness.ts';

describe('TransactionLayer over FakeNetwork', () => {
  test('non-INVITE: Via added, response matched by branch + CSeq method, nothing left behind', () => {
    const f = setup();
    f.bobUser.onRequestDo = (req, txn) => txn.respond(answer(req, 200));
    const log: string[] = [];
    const txn = f.a.sendRequest(request('OPTIONS'), f.bobEp, clientListener(log));
    assert.equal(txn.request.get('via'), 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-a-b1;rport');
    assert.deepEqual(f.a.stats(), { ...EMPTY, clientNonInvite: 1, timers: 2 });
    f.clock.advance(0);
    // Completed only absorbs retransmissions (Timer K): the layer keeps a lingering record instead
    assert.deepEqual(log, ['final 200 bt1', 'terminated']);
    assert.equal(txn.state, 'Terminated');
    assert.deepEqual(f.a.stats(), { ...EMPTY, lingering: 1 });
    assert.deepEqual(f.b.stats(), { ...EMPTY, lingering: 1 }); // Timer J
    // the response carried bob's received/rport stamping of our Via back to us
    assert.deepEqual(f.wire(), ['A>OPTIONS', 'B>200']);
    f.finish();
    assert.deepEqual(f.a.stats(), EMPTY);
    assert.deepEqual(f.b.stats(), EMPTY);
  });

  test('a retransmitted request is absorbed: the TU sees it once, the final is re-sent', () => {
    const f = setup();
    let held: { req: SipRequest; txn: ServerTransaction } | undefined;
    f.bobUser.onRequestDo = (req, txn) => (held = { req, txn });
    const log: string[] = [];
    f.a.sendRequest(request('REGISTER'), f.bobEp, clientListener(log));
    f.clock.advance(1_600); // Trying: retransmissions at 500 and 1500 are absorbed silently
    assert.deepEqual(f.bobUser.log, ['request REGISTER']);
    assert.deepEqual(f.wire(), ['A>REGISTER', 'A>REGISTER', 'A>REGISTER']);
    f.net.dropNext((p) => p.message?.kind === 'response');
    held!.txn.respond(answer(held!.req, 200));
    f.clock.advance(2_000); // the 200 is lost; the retransmission at 3500 gets it again from Completed
    assert.deepEqual(f.wire(), [
      'A>REGISTER',
      'A>REGISTER',
      'A>REGISTER',
      'B>200 (dropped)',
      'A>REGISTER',
      'B>200',
    ]);
    assert.deepEqual(log, ['final 200 bt1', 'terminated']);
    assert.deepEqual(f.bobUser.log, ['request REGISTER']);
    // the lingering record keeps the final as its bytes: the re-sent 200 is byte for byte the first one
    assert.deepEqual(f.net.sent[5].bytes, f.net.sent[3].bytes);
    f.finish();
  });

  test('INVITE rejected, the ACK lost: the retransmitted 486 gets the same ACK again from the lingering record', () => {
    const f = setup();
    let held: { req: SipRequest; txn: ServerTransaction } | undefined;
    f.bobUser.onRequestDo = (req, txn) => (held = { req, txn });
    const log: string[] = [];
    const txn = f.a.sendRequest(request('INVITE'), f.bobEp, clientListener(log));
    f.clock.advance(0);
    held!.txn.respond(answer(held!.req, 486));
    f.net.dropNext((p) => p.message?.kind === 'request' && (p.message as SipRequest).method === 'ACK');
    f.clock.advance(0);
    assert.equal(txn.state, 'Terminated', 'Completed (Timer D) is held by a lingering record');
    assert.equal(f.a.stats().lingering, 1);
    f.clock.advance(600); // Timer G: bob's server transaction re-sends the 486 at 500 ms
    assert.deepEqual(f.wire(), ['A>INVITE', 'B>486', 'A>ACK (dropped)', 'B>486', 'A>ACK']);
    assert.deepEqual(f.net.sent[4].bytes, f.net.sent[2].bytes, 'the same ACK, byte for byte');
    assert.deepEqual(log, ['final 486 bt1', 'terminated'], 'the retransmission never reaches the TU');
    f.finish();
  });

  test('server matching keys on branch, sent-by and method (§17.2.3)', () => {
    const f = setup();
    const via = (sentBy: string, branch = 'z9hG4bK-same') => `SIP/2.0/UDP ${sentBy};branch=${branch}`;
    const send = (req: SipRequest) => f.alice.sendRequest(req, f.bobEp);
    const base = request('OPTIONS', { via: via('10.0.0.1:5060') });
    send(base);
    send(base.clone()); // retransmission: absorbed
    const otherSentBy = base.clone().replaceFirst('via', via('10.0.0.1:5062'));
    send(otherSentBy); // different sent-by: a new transaction
    const otherMethod = base.clone();
    otherMethod.method = 'INFO';
    otherMethod.set('cseq', `${base.cseq.seq} INFO`);
    send(otherMethod); // same branch, different method: a new transaction
    const otherBranch = base.clone().replaceFirst('via', via('10.0.0.1:5060', 'z9hG4bK-other'));
    send(otherBranch);
    f.clock.advance(0);
    assert.deepEqual(f.bobUser.log, [
      'request OPTIONS',
      'request OPTIONS',
      'request INFO',
      'request OPTIONS',
    ]);
    assert.equal(f.b.stats().serverNonInvite, 4);
    for (const { req, txn } of f.bobUser.requests) txn.respond(answer(req, 200));
    f.finish();
  });

  test('INVITE rejected: 100 Trying after 200 ms, 180, 486; ACK built by the client and absorbed by the server', () => {
    const f = setup();
    let held: { req: SipRequest; txn: ServerTransaction } | undefined;
    f.bobUser.onRequestDo = (req, txn) => (held = { req, txn });
    const log: string[] = [];
    const txn = f.a.sendRequest(request('INVITE'), f.bobEp, clientListener(log));
    f.clock.advance(250);
    assert.deepEqual(f.wire(), ['A>INVITE', 'B>100']);
    assert.equal(txn.state, 'Proceeding');
    held!.txn.respond(answer(held!.req, 180));
    f.clock.advance(0);
    held!.txn.respond(answer(held!.req, 486));
    f.clock.advance(0);
    assert.deepEqual(f.wire(), ['A>INVITE', 'B>100', 'B>180', 'B>486', 'A>ACK']);
    assert.deepEqual(log, ['provisional 100', 'provisional 180', 'final 486 bt1', 'terminated']);
    assert.equal(held!.txn.state, 'Terminated', 'Confirmed only absorbs: handed to a lingering record');
    assert.equal(f.b.stats().lingering, 1);
    const ack = f.net.sent[4].message as SipRequest;
    assert.equal(ack.branch, txn.request.branch);
    assert.equal(ack.toTag, 'bt1');
    assert.deepEqual(f.bobUser.log, ['request INVITE'], 'the ACK for a non-2xx never reaches the TU');
    f.finish();
    assert.deepEqual(f.b.stats(), EMPTY);
  });

  test('INVITE accepted (RFC 6026): retransmitted INVITE absorbed, ACK with the same branch goes to the TU', () => {
    const f = setup();
    f.bobUser.onRequestDo = (req, txn) => txn.respond(answer(req, 200));
    f.net.dropNext((p) => p.message?.kind === 'response');
    const log: string[] = [];
    const txn = f.a.sendRequest(request('INVITE'), f.bobEp, clientListener(log));
    f.clock.advance(600); // the 200 was lost; Timer A retransmits the INVITE at 500
    assert.deepEqual(f.wire(), ['A>INVITE', 'B>200 (dropped)', 'A>INVITE']);
    assert.deepEqual(f.bobUser.log, ['request INVITE']);
    // the UAS core retransmits its 2xx itself (§13.3.1.4); the Accepted transaction lingers, absorbing
    const server = f.bobUser.requests[0].txn;
    assert.equal(server.state, 'Terminated');
    assert.equal(f.b.stats().lingering, 1);
    f.b.sendStateless(server.lastResponse!, undefined);
    f.clock.advance(0);
    assert.deepEqual(log, ['final 200 bt1', 'terminated']);
    assert.equal(txn.state, 'Terminated');
    assert.equal(f.a.stats().lingering, 1, 'Accepted (Timer M) lingers');
    f.b.sendStateless(server.lastResponse!, undefined); // a 2xx retransmission reaches the TU again
    f.clock.advance(0);
    assert.deepEqual(log, ['final 200 bt1', 'terminated', 'final 200 bt1']);
    // an ACK reusing the INVITE's branch (RFC 2543-style UAs) matches the Accepted transaction → TU
    const ack = new SipRequest('ACK', 'sip:bob@10.0.0.2', [
      ['Via', txn.request.get('via')!],
      ['From', txn.request.get('from')!],
      ['To', '<sip:bob@example.com>;tag=bt1'],
      ['Call-ID', txn.request.callId],
      ['CSeq', `${txn.request.cseq.seq} ACK`],
    ]);
    f.a.sendStateless(ack, f.bobEp);
    // the end-to-end ACK with its own branch (§17.1.1.3) matches nothing → TU
    const ack2 = ack.clone().replaceFirst('via', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-e2e;rport');
    f.a.sendStateless(ack2, f.bobEp);
    f.clock.advance(0);
    assert.deepEqual(f.bobUser.log, ['request INVITE', 'ack', 'ack']);
    f.finish();
  });

  test('a 2xx after Timer M is a stray response for the TU', () => {
    const f = setup();
    f.bobUser.onRequestDo = (req, txn) => txn.respond(answer(req, 200));
    const log: string[] = [];
    f.a.sendRequest(request('INVITE'), f.bobEp, clientListener(log));
    f.clock.advance(0);
    const server = f.bobUser.requests[0].txn;
    f.clock.advance(32_000); // Timer M and Timer L
    assert.deepEqual(f.a.stats(), EMPTY);
    f.b.sendStateless(server.lastResponse!, undefined);
    f.clock.advance(0);
    assert.deepEqual(f.aliceUser.log, ['stray 200']);
    assert.equal(f.aliceUser.strays[0].toTag, 'bt1');
    f.finish();
  });

  test('CANCEL (§9.1/§9.2): held until a provisional, matched to the INVITE server transaction, 487', () => {
    const f = setup();
    f.bobUser.onRequestDo = () => {};
    f.bobUser.onCancelDo = (cancel, cancelTxn, inviteTxn) => {
      cancelTxn.respond(answer(cancel, 200));
      inviteTxn!.respond(answer(inviteTxn!.request, 487));
    };
    const log: string[] = [];
    const txn = f.a.sendRequest(request('INVITE'), f.bobEp, clientListener(log));
    assert.equal(txn.kind, 'invite');
    if (txn.kind !== 'invite') return;
    txn.cancel();
    f.clock.advance(100);
    assert.deepEqual(f.wire(), ['A>INVITE'], 'no CANCEL before a provisional');
    f.clock.advance(150); // 100 Trying at 200 → CANCEL goes out
    assert.deepEqual(f.wire(), ['A>INVITE', 'B>100', 'A>CANCEL', 'B>200', 'B>487', 'A>ACK']);
    assert.deepEqual(f.bobUser.log, ['request INVITE', 'cancel matched']);
    const { cancel, inviteTxn } = f.bobUser.cancels[0];
    assert.equal(inviteTxn, f.bobUser.requests[0].txn);
    assert.equal(cancel.branch, txn.request.branch);
    assert.deepEqual(log, ['provisional 100', 'final 487 bt1', 'terminated']);
    f.finish();
  });

  test('CANCEL matching no transaction is answered 481 by the layer', () => {
    const f = setup();
    const cancel = request('CANCEL', { via: 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-nothing' });
    f.alice.sendRequest(cancel, f.bobEp);
    f.clock.advance(0);
    assert.deepEqual(f.wire(), ['A>CANCEL', 'B>481']);
    assert.deepEqual(f.bobUser.log, []);
    assert.deepEqual(f.aliceUser.log, ['stray 481']);
    f.finish();
  });

  test('CANCEL after the final response: the TU decides (200 to the CANCEL only)', () => {
    const f = setup();
    f.bobUser.onRequestDo = (req, txn) => txn.respond(answer(req, 200));
    f.bobUser.onCancelDo = (cancel, cancelTxn, inviteTxn) => {
      assert.equal(inviteTxn, undefined, 'answered: the INVITE transaction only lingers, nothing to cancel');
      cancelTxn.respond(answer(cancel, 200));
    };
    const inv = request('INVITE', { via: 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-late' });
    f.alice.sendRequest(inv, f.bobEp);
    f.clock.advance(0);
    const cancel = request('CANCEL', {
      via: 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-late',
      callId: inv.callId,
    });
    cancel.set('cseq', `${inv.cseq.seq} CANCEL`);
    f.alice.sendRequest(cancel, f.bobEp);
    f.clock.advance(0);
    assert.deepEqual(f.bobUser.log, ['request INVITE', 'cancel unmatched']);
    assert.deepEqual(f.wire(), ['A>INVITE', 'B>200', 'A>CANCEL', 'B>200'], 'no 481: the INVITE is known');
    f.finish();
  });
});
