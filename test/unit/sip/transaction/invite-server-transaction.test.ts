import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { InviteServerTransaction } from '../../../../src/sip/transaction/invite-server-transaction.ts';
import type { InviteServerState } from '../../../../src/sip/transaction/invite-server-transaction.ts';
import { IllegalTransitionError } from '../../../../src/sip/transaction/transaction.ts';
import { ALICE, inbound, invite, respond, rig } from './helpers.ts';

function start(reliable = false) {
  const r = rig(reliable);
  const log: string[] = [];
  const request = invite();
  const txn = new InviteServerTransaction({ env: r.env, timers: r.timers, inbound: inbound(request) });
  txn.onTimeout = () => log.push('timeout');
  txn.onTransportError = () => log.push('transport-error');
  txn.onTerminated = () => log.push('terminated');
  txn.start();
  return { ...r, log, request, txn };
}
type Fx = ReturnType<typeof start>;

/** Drives a fresh UDP transaction into a state (the TU answers at t=0, before the 100 Trying delay). */
const into: Record<Exclude<InviteServerState, 'Terminated'>, (f: Fx) => void> = {
  Proceeding: (f) => f.txn.respond(respond(f.request, 180)),
  Completed: (f) => f.txn.respond(respond(f.request, 486)),
  Confirmed: (f) => {
    f.txn.respond(respond(f.request, 486));
    f.txn.receiveAck();
  },
  Accepted: (f) => f.txn.respond(respond(f.request, 200)),
};

const events = {
  'INVITE retransmission': (f: Fx) => f.txn.receiveRequest(),
  ACK: (f: Fx) => f.log.push(`ack ${f.txn.receiveAck() ? 'absorbed' : 'to TU'}`),
  'TU 1xx': (f: Fx) => f.log.push(`respond ${f.txn.respond(respond(f.request, 183))}`),
  'TU 2xx': (f: Fx) => f.log.push(`respond ${f.txn.respond(respond(f.request, 200))}`),
  'TU 3xx-6xx': (f: Fx) => f.log.push(`respond ${f.txn.respond(respond(f.request, 603))}`),
  'all timers': (f: Fx) => f.clock.advance(64_000),
  'transport error': (f: Fx) =>
    f.txn.transportError({ dest: ALICE, message: f.txn.lastResponse, cause: new Error('EHOSTUNREACH') }),
};

const G_RETRANSMITS = ['500', '1500', '3500', '7500', '11500', '15500', '19500', '23500', '27500', '31500'];

// Every state × event of RFC 6026 Figure 7 (RFC 3261 Figure 7 + Accepted; transport errors loop), UDP.
const rows: Array<{
  from: keyof typeof into;
  event: keyof typeof events;
  to: InviteServerState;
  sent: string[];
  tu: string[];
}> = [
  { from: 'Proceeding', event: 'INVITE retransmission', to: 'Proceeding', sent: ['180@0'], tu: [] },
  { from: 'Proceeding', event: 'ACK', to: 'Proceeding', sent: [], tu: ['ack absorbed'] },
  { from: 'Proceeding', event: 'TU 1xx', to: 'Proceeding', sent: ['183@0'], tu: ['respond true'] },
  { from: 'Proceeding', event: 'TU 2xx', to: 'Accepted', sent: ['200@0'], tu: ['respond true'] },
  { from: 'Proceeding', event: 'TU 3xx-6xx', to: 'Completed', sent: ['603@0'], tu: ['respond true'] },
  { from: 'Proceeding', event: 'all timers', to: 'Proceeding', sent: [], tu: [] },
  { from: 'Proceeding', event: 'transport error', to: 'Proceeding', sent: [], tu: ['transport-error'] },
  { from: 'Completed', event: 'INVITE retransmission', to: 'Completed', sent: ['486@0'], tu: [] },
  { from: 'Completed', event: 'ACK', to: 'Confirmed', sent: [], tu: ['ack absorbed'] },
  { from: 'Completed', event: 'TU 1xx', to: 'Completed', sent: [], tu: ['respond false'] },
  { from: 'Completed', event: 'TU 2xx', to: 'Completed', sent: [], tu: ['respond false'] },
  { from: 'Completed', event: 'TU 3xx-6xx', to: 'Completed', sent: [], tu: ['respond false'] },
  {
    from: 'Completed',
    event: 'all timers',
    to: 'Terminated',
    sent: G_RETRANSMITS.map((t) => `486@${t}`),
    tu: ['timeout', 'terminated'],
  },
  { from: 'Completed', event: 'transport error', to: 'Completed', sent: [], tu: ['transport-error'] },
  { from: 'Confirmed', event: 'INVITE retransmission', to: 'Confirmed', sent: [], tu: [] },
  { from: 'Confirmed', event: 'ACK', to: 'Confirmed', sent: [], tu: ['ack absorbed'] },
  { from: 'Confirmed', event: 'TU 1xx', to: 'Confirmed', sent: [], tu: ['respond false'] },
  { from: 'Confirmed', event: 'TU 2xx', to: 'Confirmed', sent: [], tu: ['respond false'] },
  { from: 'Confirmed', event: 'TU 3xx-6xx', to: 'Confirmed', sent: [], tu: ['respond false'] },
  { from: 'Confirmed', event: 'all timers', to: 'Terminated', sent: [], tu: ['terminated'] },
  { from: 'Confirmed', event: 'transport error', to: 'Confirmed', sent: [], tu: [] },
  { from: 'Accepted', event: 'INVITE retransmission', to: 'Accepted', sent: [], tu: [] },
  { from: 'Accepted', event: 'ACK', to: 'Accepted', sent: [], tu: ['ack to TU'] },
  { from: 'Accepted', event: 'TU 1xx', to: 'Accepted', sent: [], tu: ['respond false'] },
  { from: 'Accepted', event: 'TU 2xx', to: 'Accepted', sent: ['200@0'], tu: ['respond true'] },
  { from: 'Accepted', event: 'TU 3xx-6xx', to: 'Accepted', sent: [], tu: ['respond false'] },
  { from: 'Accepted', event: 'all timers', to: 'Terminated', sent: [], tu: ['terminated'] },
  { from: 'Accepted', event: 'transport error', to: 'Accepted', sent: [], tu: ['transport-error'] },
];

describe('InviteServerTransaction: state × event table (RFC 3261 Fig. 7, RFC 6026)', () => {
  for (const row of rows) {
    test(`${row.from} + ${row.event} → ${row.to}`, () => {
      const f = start();
      into[row.from](f);
      assert.equal(f.txn.state, row.from);
      const s0 = f.sender.sent.length;
      const l0 = f.log.length;
      events[row.event](f);
      assert.equal(f.txn.state, row.to);
      assert.deepEqual(f.sender.trace(s0), row.sent);
      assert.deepEqual(f.log.slice(l0), row.tu);
      if (row.to === 'Terminated') assert.equal(f.env.counters.timers, 0);
    });
  }
});

describe('InviteServerTransaction: 100 Trying (§17.2.1)', () => {
  test('sent after 200 ms when the TU is silent, and retransmitted on INVITE retransmission', () => {
    const f = start();
    f.clock.advance(199);
    assert.deepEqual(f.sender.trace(), []);
    f.clock.advance(1);
    assert.deepEqual(f.sender.trace(), ['100@200']);
    const trying = f.sender.sent[0].message;
    assert.equal(trying.toTag, undefined);
    assert.deepEqual(trying.getAll('via'), f.request.getAll('via'));
    f.clock.advance(300);
    f.txn.receiveRequest();
    assert.deepEqual(f.sender.trace(), ['100@200', '100@500']);
    assert.equal(f.txn.state, 'Proceeding');
  });

  test('not sent when the TU sent a provisional within 200 ms', () => {
    const f = start();
    f.clock.advance(150);
    f.txn.respond(respond(f.request, 180));
    f.clock.advance(10_000);
    assert.deepEqual(f.sender.trace(), ['180@150']);
  });

  test('not sent when the TU sent a final within 200 ms (TCP)', () => {
    const f = start(true);
    f.txn.respond(respond(f.request, 404));
    f.clock.advance(10_000);
    assert.deepEqual(f.sender.trace(), ['404@0']);
  });
});

describe('InviteServerTransaction timers', () => {
  test('UDP: G from T1 doubling capped at T2 until ACK; then Timer I = T4', () => {
    const f = start();
    f.clock.advance(50);
    f.txn.respond(respond(f.request, 480));
    f.clock.advance(8_000); // retransmits at +500, +1500, +3500, +7500
    f.txn.receiveAck();
    assert.equal(f.txn.state, 'Confirmed');
    f.clock.advance(4_999);
    assert.deepEqual(f.sender.trace(), ['480@50', '480@550', '480@1550', '480@3550', '480@7550']);
    assert.equal(f.txn.state, 'Confirmed');
    f.clock.advance(1);
    assert.equal(f.txn.state, 'Terminated');
    assert.deepEqual(f.log, ['terminated']);
    assert.equal(f.clock.pendingTimers(), 0);
  });

  test('UDP: Timer H at 64·T1 without ACK → timeout', () => {
    const f = start();
    f.txn.respond(respond(f.request, 486));
    f.clock.advance(31_999);
    assert.equal(f.txn.state, 'Completed');
    f.clock.advance(1);
    assert.deepEqual(f.log, ['timeout', 'terminated']);
  });

  test('TCP: no retransmission of the final; H still 32 s; I = 0', () => {
    const f = start(true);
    f.txn.respond(respond(f.request, 486));
    f.clock.advance(31_999);
    assert.deepEqual(f.sender.trace(), ['486@0']);
    f.clock.advance(1);
    assert.deepEqual(f.log, ['timeout', 'terminated']);
    const g = start(true);
    g.txn.respond(respond(g.request, 486));
    assert.equal(g.txn.receiveAck(), true);
    assert.equal(g.txn.state, 'Terminated');
  });

  test('RFC 6026: Accepted lasts Timer L = 64·T1 on UDP and TCP', () => {
    for (const reliable of [false, true]) {
      const f = start(reliable);
      f.txn.respond(respond(f.request, 200));
      f.clock.advance(31_999);
      assert.equal(f.txn.state, 'Accepted');
      f.clock.advance(1);
      assert.equal(f.txn.state, 'Terminated');
      assert.deepEqual(f.sender.trace(), ['200@0'], 'the transaction never retransmits a 2xx itself');
    }
  });
});

describe('transition guard', () => {
  test('illegal transitions throw IllegalTransitionError', () => {
    const f = start();
    f.txn.respond(respond(f.request, 200));
    const guard = (f.txn as unknown as { transition(s: string): void }).transition.bind(f.txn);
    assert.throws(() => guard('Completed'), IllegalTransitionError);
    assert.throws(
      () => guard('Proceeding'),
      /InviteServerTransaction: illegal transition Accepted -> Proceeding/,
    );
    assert.equal(f.txn.state, 'Accepted');
  });
});
