import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { NonInviteServerTransaction } from '../../../../src/sip/transaction/non-invite-server-transaction.ts';
import type { NonInviteServerState } from '../../../../src/sip/transaction/non-invite-server-transaction.ts';
import { ALICE, inbound, invite, respond, rig } from './helpers.ts';

function start(reliable = false) {
  const r = rig(reliable);
  const log: string[] = [];
  const request = invite({ method: 'BYE' });
  const txn = new NonInviteServerTransaction({ env: r.env, timers: r.timers, inbound: inbound(request) });
  txn.onTransportError = () => log.push('transport-error');
  txn.onTerminated = () => log.push('terminated');
  return { ...r, log, request, txn };
}
type Fx = ReturnType<typeof start>;

const into: Record<Exclude<NonInviteServerState, 'Terminated'>, (f: Fx) => void> = {
  Trying: () => {},
  Proceeding: (f) => f.txn.respond(respond(f.request, 100)),
  Completed: (f) => f.txn.respond(respond(f.request, 200)),
};

const events = {
  'request retransmission': (f: Fx) => f.txn.receiveRequest(),
  'TU 1xx': (f: Fx) => f.log.push(`respond ${f.txn.respond(respond(f.request, 183))}`),
  'TU 200-699': (f: Fx) => f.log.push(`respond ${f.txn.respond(respond(f.request, 481))}`),
  'all timers': (f: Fx) => f.clock.advance(64_000),
  'transport error': (f: Fx) =>
    f.txn.transportError({ dest: ALICE, message: f.txn.lastResponse, cause: new Error('ECONNRESET') }),
};

// Every state × event of RFC 3261 Figure 8, UDP.
const rows: Array<{
  from: keyof typeof into;
  event: keyof typeof events;
  to: NonInviteServerState;
  sent: string[];
  tu: string[];
}> = [
  { from: 'Trying', event: 'request retransmission', to: 'Trying', sent: [], tu: [] },
  { from: 'Trying', event: 'TU 1xx', to: 'Proceeding', sent: ['183@0'], tu: ['respond true'] },
  { from: 'Trying', event: 'TU 200-699', to: 'Completed', sent: ['481@0'], tu: ['respond true'] },
  { from: 'Trying', event: 'all timers', to: 'Trying', sent: [], tu: [] },
  { from: 'Trying', event: 'transport error', to: 'Trying', sent: [], tu: [] },
  { from: 'Proceeding', event: 'request retransmission', to: 'Proceeding', sent: ['100@0'], tu: [] },
  { from: 'Proceeding', event: 'TU 1xx', to: 'Proceeding', sent: ['183@0'], tu: ['respond true'] },
  { from: 'Proceeding', event: 'TU 200-699', to: 'Completed', sent: ['481@0'], tu: ['respond true'] },
  { from: 'Proceeding', event: 'all timers', to: 'Proceeding', sent: [], tu: [] },
  {
    from: 'Proceeding',
    event: 'transport error',
    to: 'Terminated',
    sent: [],
    tu: ['transport-error', 'terminated'],
  },
  { from: 'Completed', event: 'request retransmission', to: 'Completed', sent: ['200@0'], tu: [] },
  { from: 'Completed', event: 'TU 1xx', to: 'Completed', sent: [], tu: ['respond false'] },
  { from: 'Completed', event: 'TU 200-699', to: 'Completed', sent: [], tu: ['respond false'] },
  { from: 'Completed', event: 'all timers', to: 'Terminated', sent: [], tu: ['terminated'] },
  {
    from: 'Completed',
    event: 'transport error',
    to: 'Terminated',
    sent: [],
    tu: ['transport-error', 'terminated'],
  },
];

describe('NonInviteServerTransaction: state × event table (RFC 3261 Fig. 8)', () => {
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

describe('NonInviteServerTransaction timers', () => {
  test('UDP: Timer J = 64·T1 in Completed', () => {
    const f = start(false);
    f.clock.advance(10);
    f.txn.respond(respond(f.request, 200));
    f.clock.advance(31_999);
    assert.equal(f.txn.state, 'Completed');
    f.clock.advance(1);
    assert.equal(f.txn.state, 'Terminated');
    assert.equal(f.clock.pendingTimers(), 0);
  });

  test('TCP: Timer J = 0 — terminated as soon as the final is sent', () => {
    const f = start(true);
    f.txn.respond(respond(f.request, 200));
    assert.equal(f.txn.state, 'Terminated');
    assert.deepEqual(f.log, ['terminated']);
    assert.equal(f.txn.respond(respond(f.request, 500)), false, 'discarded after Terminated');
    assert.deepEqual(f.sender.trace(), ['200@0']);
  });

  test('responses go out on the connection the request came on', () => {
    const f = start(true);
    (f.txn.inbound as { connectionId?: number }).connectionId = 7;
    f.txn.respond(respond(f.request, 200));
    assert.equal(f.sender.sent[0].connectionId, 7);
  });
});
