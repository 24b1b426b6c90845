import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { SipRequest } from '../../../../src/sip/message/index.ts';
import { InviteClientTransaction } from '../../../../src/sip/transaction/invite-client-transaction.ts';
import type { InviteClientState } from '../../../../src/sip/transaction/invite-client-transaction.ts';
import { BOB, clientListener, invite, respond, rig } from './helpers.ts';
import type { Rig } from './helpers.ts';

function start(reliable = false, routes?: string[], opts: { cancelTimeoutHook?: boolean } = {}) {
  const r: Rig = rig(reliable);
  const log: string[] = [];
  const cancels: SipRequest[] = [];
  const request = invite({ routes });
  const listener = opts.cancelTimeoutHook
    ? { ...clientListener(log), onCancelTimeout: () => log.push('cancel-timeout') }
    : clientListener(log);
  const txn = new InviteClientTransaction({
    env: r.env,
    timers: r.timers,
    request,
    destination: BOB,
    listener,
    sendCancel: (c) => cancels.push(c),
  });
  txn.start();
  return { ...r, log, cancels, request, txn };
}

type Fx = ReturnType<typeof start>;

/** Drives a fresh UDP transaction into a state. */
const into: Record<Exclude<InviteClientState, 'Terminated'>, (f: Fx) => void> = {
  Calling: () => {},
  Proceeding: (f) => f.txn.receiveResponse(respond(f.request, 180)),
  Completed: (f) => f.txn.receiveResponse(respond(f.request, 486)),
  Accepted: (f) => f.txn.receiveResponse(respond(f.request, 200)),
};

type Event = { name: string; run: (f: Fx) => void };
const events: Record<string, Event> = {
  '1xx': { name: '180', run: (f) => f.txn.receiveResponse(respond(f.request, 180)) },
  '2xx': { name: '200', run: (f) => f.txn.receiveResponse(respond(f.request, 200)) },
  '2xx-fork': { name: '200 other tag', run: (f) => f.txn.receiveResponse(respond(f.request, 200, 'fork2')) },
  '3xx-6xx': { name: '486', run: (f) => f.txn.receiveResponse(respond(f.request, 486)) },
  timer: { name: 'next timer', run: (f) => f.clock.advance(64_000) },
  'transport-error': {
    name: 'transport error',
    run: (f) => f.txn.transportError({ dest: BOB, message: f.request, cause: new Error('ECONNREFUSED') }),
  },
};

// Every state × event of RFC 3261 Figure 5 + RFC 6026 (Accepted), UDP. `sent` = messages sent by the event.
const rows: Array<{
  from: keyof typeof into;
  event: keyof typeof events;
  to: InviteClientState;
  sent: string[];
  tu: string[];
}> = [
  { from: 'Calling', event: '1xx', to: 'Proceeding', sent: [], tu: ['provisional 180'] },
  { from: 'Calling', event: '2xx', to: 'Accepted', sent: [], tu: ['final 200 to1'] },
  { from: 'Calling', event: '3xx-6xx', to: 'Completed', sent: ['ACK@0'], tu: ['final 486 to1'] },
  {
    from: 'Calling',
    event: 'transport-error',
    to: 'Terminated',
    sent: [],
    tu: ['transport-error', 'terminated'],
  },
  {
    from: 'Calling',
    event: 'timer',
    to: 'Terminated',
    sent: ['INVITE@500', 'INVITE@1500', 'INVITE@3500', 'INVITE@7500', 'INVITE@15500', 'INVITE@31500'],
    tu: ['timeout', 'terminated'],
  },
  { from: 'Proceeding', event: '1xx', to: 'Proceeding', sent: [], tu: ['provisional 180'] },
  { from: 'Proceeding', event: '2xx', to: 'Accepted', sent: [], tu: ['final 200 to1'] },
  { from: 'Proceeding', event: '3xx-6xx', to: 'Completed', sent: ['ACK@0'], tu: ['final 486 to1'] },
  { from: 'Proceeding', event: 'transport-error', to: 'Proceeding', sent: [], tu: [] },
  { from: 'Proceeding', event: 'timer', to: 'Proceeding', sent: [], tu: [] },
  { from: 'Completed', event: '1xx', to: 'Completed', sent: [], tu: [] },
  { from: 'Completed', event: '2xx', to: 'Completed', sent: [], tu: [] },
  { from: 'Completed', event: '3xx-6xx', to: 'Completed', sent: ['ACK@0'], tu: [] },
  {
    from: 'Completed',
    event: 'transport-error',
    to: 'Terminated',
    sent: [],
    tu: ['transport-error', 'terminated'],
  },
  { from: 'Completed', event: 'timer', to: 'Terminated', sent: [], tu: ['terminated'] },
  { from: 'Accepted', event: '1xx', to: 'Accepted', sent: [], tu: [] },
  { from: 'Accepted', event: '2xx', to: 'Accepted', sent: [], tu: ['final 200 to1'] },
  { from: 'Accepted', event: '2xx-fork', to: 'Accepted', sent: [], tu: ['final 200 fork2'] },
  { from: 'Accepted', event: '3xx-6xx', to: 'Accepted', sent: [], tu: [] },
  { from: 'Accepted', event: 'transport-error', to: 'Accepted', sent: [], tu: [] },
  { from: 'Accepted', event: 'timer', to: 'Terminated', sent: [], tu: ['terminated'] },
];

describe('InviteClientTransaction: state × event table (RFC 3261 Fig. 5, RFC 6026)', () => {
  for (const row of rows) {
    test(`${row.from} + ${events[row.event].name} → ${row.to}`, () => {
      const f = start();
      into[row.from](f);
      assert.equal(f.txn.state, row.from);
      const sentBefore = f.sender.sent.length;
      const logBefore = f.log.length;
      const t0 = f.clock.now();
      events[row.event].run(f);
      assert.equal(f.txn.state, row.to);
      assert.deepEqual(
        f.sender.sent.slice(sentBefore).map((s) => `${s.what}@${s.at - t0}`),
        row.sent,
      );
      // the TU sees the callbacks in this order (onTerminated runs inside the transition)
      assert.deepEqual(f.log.slice(logBefore), row.tu);
      if (row.to === 'Terminated') assert.equal(f.env.counters.timers, 0);
    });
  }
});

describe('InviteClientTransaction timers', () => {
  test('UDP: INVITE at 0, Timer A retransmits at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; Timer B at 32 s', () => {
    const f = start(false);
    f.clock.advance(31_999);
    assert.equal(f.txn.state, 'Calling');
    assert.deepEqual(f.sender.trace(), [
      'INVITE@0',
      'INVITE@500',
      'INVITE@1500',
      'INVITE@3500',
      'INVITE@7500',
      'INVITE@15500',
      'INVITE@31500',
    ]);
    f.clock.advance(1);
    assert.equal(f.txn.state, 'Terminated');
    assert.deepEqual(f.log, ['timeout', 'terminated']);
    assert.equal(f.env.counters.timers, 0);
    assert.equal(f.clock.pendingTimers(), 0);
  });

  test('TCP: no retransmission, Timer B at 32 s', () => {
    const f = start(true);
    f.clock.advance(31_999);
    assert.deepEqual(f.sender.trace(), ['INVITE@0']);
    f.clock.advance(1);
    assert.equal(f.txn.state, 'Terminated');
    assert.deepEqual(f.log, ['timeout', 'terminated']);
  });

  test('a provisional stops retransmissions and Timer B (Proceeding has no timer)', () => {
    const f = start(false);
    f.clock.advance(600);
    f.txn.receiveResponse(respond(f.request, 100));
    f.clock.advance(100_000);
    assert.deepEqual(f.sender.trace(), ['INVITE@0', 'INVITE@500']);
    assert.equal(f.txn.state, 'Proceeding');
    assert.equal(f.env.counters.timers, 0);
  });

  test('UDP: Timer D holds Completed 32 s, absorbing and re-ACKing retransmitted finals', () => {
    const f = start(false);
    f.txn.receiveResponse(respond(f.request, 486));
    f.clock.advance(10_000);
    f.txn.receiveResponse(respond(f.request, 486));
    assert.deepEqual(f.sender.trace(), ['INVITE@0', 'ACK@0', 'ACK@10000']);
    assert.deepEqual(f.log, ['final 486 to1']);
    f.clock.advance(21_999);
    assert.equal(f.txn.state, 'Completed');
    f.clock.advance(1);
    assert.equal(f.txn.state, 'Terminated');
  });

  test('TCP: Timer D is 0 — Completed ends at once', () => {
    const f = start(true);
    f.txn.receiveResponse(respond(f.request, 603));
    assert.equal(f.txn.state, 'Terminated');
    assert.deepEqual(f.sender.trace(), ['INVITE@0', 'ACK@0']);
    assert.deepEqual(f.log, ['final 603 to1', 'terminated']);
  });

  test('RFC 6026: Accepted passes every 2xx up until Timer M (64·T1), also on TCP', () => {
    for (const reliable of [false, true]) {
      const f = start(reliable);
      f.txn.receiveResponse(respond(f.request, 200, 'a'));
      f.clock.advance(5_000);
      f.txn.receiveResponse(respond(f.request, 200, 'a'));
      f.txn.receiveResponse(respond(f.request, 200, 'b'));
      f.clock.advance(26_999);
      assert.equal(f.txn.state, 'Accepted');
      f.clock.advance(1);
      assert.equal(f.txn.state, 'Terminated');
      assert.deepEqual(f.log, ['final 200 a', 'final 200 a', 'final 200 b', 'terminated']);
      assert.deepEqual(f.sender.trace(), ['INVITE@0'], 'the transaction never ACKs a 2xx');
    }
  });
});

describe('InviteClientTransaction: ACK for non-2xx (§17.1.1.3)', () => {
  test('same R-URI, top Via, From, Call-ID, Routes; To of the response; CSeq number with ACK', () => {
    const f = start(false, ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    f.txn.receiveResponse(respond(f.request, 407, 'resp-tag'));
    const ack = f.sender.sent[1].message as SipRequest;
    assert.equal(ack.method, 'ACK');
    assert.equal(ack.uriText, 'sip:bob@example.com');
    assert.deepEqual(ack.getAll('via'), ['SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-abc1;rport']);
    assert.deepEqual(ack.getAll('route'), ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    assert.equal(ack.get('from'), '"Alice" <sip:alice@example.com>;tag=from1');
    assert.equal(ack.toTag, 'resp-tag');
    assert.equal(ack.to.uri.user, 'bob');
    assert.equal(ack.callId, 'call-1@10.0.0.1');
    assert.deepEqual(ack.cseq, { seq: 42, method: 'ACK' });
    assert.equal(ack.maxForwards, 70);
    assert.equal(ack.has('contact'), false);
    assert.equal(ack.has('require'), false);
    assert.equal(ack.body.length, 0);
    assert.equal(f.sender.sent[1].dest, BOB);
  });
});

describe('InviteClientTransaction: cancel() (§9.1)', () => {
  test('in Proceeding: CANCEL built from the INVITE and sent at once', () => {
    const f = start(false, ['<sip:p1.example.com;lr>']);
    f.txn.receiveResponse(respond(f.request, 180));
    f.txn.cancel();
    f.txn.cancel(); // idempotent
    assert.equal(f.cancels.length, 1);
    const c = f.cancels[0];
    assert.equal(c.method, 'CANCEL');
    assert.equal(c.uriText, 'sip:bob@example.com');
    assert.deepEqual(c.getAll('via'), ['SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-abc1;rport']);
    assert.deepEqual(c.getAll('route'), ['<sip:p1.example.com;lr>']);
    assert.equal(c.get('from'), f.request.get('from'));
    assert.equal(c.get('to'), f.request.get('to'));
    assert.equal(c.callId, f.request.callId);
    assert.deepEqual(c.cseq, { seq: 42, method: 'CANCEL' });
    assert.equal(c.has('require'), false);
    assert.equal(f.txn.cancelStatus, 'sent');
  });

  test('in Calling: held until a provisional arrives', () => {
    const f = start(false);
    f.txn.cancel();
    assert.equal(f.cancels.length, 0);
    assert.equal(f.txn.cancelStatus, 'pending');
    f.clock.advance(700);
    assert.equal(f.cancels.length, 0);
    f.txn.receiveResponse(respond(f.request, 100));
    assert.equal(f.cancels.length, 1);
  });

  test('after a final response: not sent', () => {
    const f = start(false);
    f.txn.receiveResponse(respond(f.request, 200));
    f.txn.cancel();
    assert.equal(f.cancels.length, 0);
    assert.equal(f.txn.cancelStatus, 'none');
  });
});

describe('InviteClientTransaction: no final response after CANCEL (§9.1, 64·T1)', () => {
  for (const reliable of [false, true]) {
    test(`${reliable ? 'TCP' : 'UDP'}: given up 64·T1 after the CANCEL — onCancelTimeout, then Terminated`, () => {
      const f = start(reliable, undefined, { cancelTimeoutHook: true });
      f.clock.advance(600);
      f.txn.receiveResponse(respond(f.request, 180));
      f.clock.advance(400);
      f.txn.cancel(); // at t = 1000
      assert.equal(f.cancels.length, 1);
      assert.equal(f.timers.cancelGiveUp, 64 * f.timers.T1);
      f.clock.advance(31_999);
      assert.equal(f.txn.state, 'Proceeding', 'still waiting 1 ms before 64·T1');
      assert.deepEqual(f.log, ['provisional 180']);
      f.clock.advance(1);
      assert.equal(f.txn.state, 'Terminated', 'given up at 1000 + 64·T1');
      assert.deepEqual(f.log, ['provisional 180', 'cancel-timeout', 'terminated'], 'reported once');
      assert.equal(f.env.counters.timers, 0, 'no transaction timer armed');
      assert.equal(f.clock.pendingTimers(), 0, 'no timer pending');
      assert.equal(f.cancels.length, 1, 'the CANCEL is not re-sent by the INVITE transaction');
      f.txn.receiveResponse(respond(f.request, 487));
      assert.deepEqual(f.log, ['provisional 180', 'cancel-timeout', 'terminated'], 'a late 487 is absorbed');
    });
  }

  test('a TU without onCancelTimeout gets onTimeout', () => {
    const f = start(false);
    f.txn.receiveResponse(respond(f.request, 180));
    f.txn.cancel();
    f.clock.advance(32_000);
    assert.deepEqual(f.log, ['provisional 180', 'timeout', 'terminated']);
  });

  test('a held CANCEL: the 64·T1 count starts when it is sent, Timer B no longer applies', () => {
    const f = start(false, undefined, { cancelTimeoutHook: true });
    f.txn.cancel();
    f.clock.advance(10_000);
    f.txn.receiveResponse(respond(f.request, 100)); // CANCEL sent at t = 10000
    assert.equal(f.cancels.length, 1);
    f.clock.advance(31_999);
    assert.equal(f.txn.state, 'Proceeding', 'Timer B (t = 32000) was stopped by the 100');
    f.clock.advance(1);
    assert.equal(f.txn.state, 'Terminated');
    assert.deepEqual(f.log, ['provisional 100', 'cancel-timeout', 'terminated']);
    assert.equal(f.clock.pendingTimers(), 0);
  });

  test('further provisionals after the CANCEL do not restart the count', () => {
    const f = start(false, undefined, { cancelTimeoutHook: true });
    f.txn.receiveResponse(respond(f.request, 180));
    f.txn.cancel();
    f.clock.advance(20_000);
    f.txn.receiveResponse(respond(f.request, 183));
    f.clock.advance(12_000);
    assert.equal(f.txn.state, 'Terminated');
    assert.deepEqual(f.log, ['provisional 180', 'provisional 183', 'cancel-timeout', 'terminated']);
  });

  test('a final response before 64·T1 wins: 487 → ACK, Completed, Timer D; no give-up', () => {
    const f = start(false, undefined, { cancelTimeoutHook: true });
    f.txn.receiveResponse(respond(f.request, 180));
    f.txn.cancel();
    f.clock.advance(31_999);
    f.txn.receiveResponse(respond(f.request, 487));
    assert.equal(f.txn.state, 'Completed');
    assert.deepEqual(f.sender.trace(), ['INVITE@0', 'ACK@31999']);
    f.clock.advance(32_000);
    assert.equal(f.txn.state, 'Terminated', 'Timer D, not the give-up, ended it');
    assert.deepEqual(f.log, ['provisional 180', 'final 487 to1', 'terminated']);
    assert.equal(f.env.counters.timers, 0);
    assert.equal(f.clock.pendingTimers(), 0);
  });

  test('a 2xx crossing the CANCEL wins: Accepted until Timer M; no give-up', () => {
    const f = start(true, undefined, { cancelTimeoutHook: true });
    f.txn.receiveResponse(respond(f.request, 180));
    f.txn.cancel();
    f.clock.advance(1_000);
    f.txn.receiveResponse(respond(f.request, 200));
    f.clock.advance(31_999);
    assert.equal(f.txn.state, 'Accepted', 'Timer M runs from the 2xx');
    f.clock.advance(1);
    assert.deepEqual(f.log, ['provisional 180', 'final 200 to1', 'terminated']);
    assert.equal(f.clock.pendingTimers(), 0);
  });

  test('cancel(headers): the headers are appended to the CANCEL, sent at once or held', () => {
    const reason: [string, string] = ['Reason', 'SIP;cause=200;text="Call completed elsewhere"'];
    const now = start(false);
    now.txn.receiveResponse(respond(now.request, 180));
    now.txn.cancel([reason]);
    now.txn.cancel(); // only the first call counts
    assert.equal(now.cancels.length, 1);
    assert.equal(now.cancels[0].get('Reason'), reason[1]);
    const held = start(false);
    held.txn.cancel([reason]);
    held.txn.receiveResponse(respond(held.request, 100));
    assert.equal(held.cancels.length, 1);
    assert.equal(held.cancels[0].get('Reason'), reason[1]);
    assert.deepEqual(held.cancels[0].cseq, { seq: 42, method: 'CANCEL' });
  });
});

describe('InviteClientTransaction: robustness', () => {
  test('a TU callback that throws does not break the state machine', () => {
    const f = rig(false);
    const req = invite();
    const logged: string[] = [];
    const env = { ...f.env, logger: (_l: string, e: string) => void logged.push(e) };
    const txn = new InviteClientTransaction({
      env,
      timers: f.timers,
      request: req,
      destination: BOB,
      listener: {
        onFinal() {
          throw new Error('TU bug');
        },
      },
      sendCancel: () => {},
    });
    txn.start();
    txn.receiveResponse(respond(req, 500));
    assert.equal(txn.state, 'Completed');
    assert.deepEqual(logged, ['transaction-callback-threw']);
  });
});
