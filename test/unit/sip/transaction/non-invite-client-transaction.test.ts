import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { NonInviteClientTransaction } from '../../../../src/sip/transaction/non-invite-client-transaction.ts';
import type { NonInviteClientState } from '../../../../src/sip/transaction/non-invite-client-transaction.ts';
import { BOB, clientListener, invite, respond, rig } from './helpers.ts';

function start(reliable = false) {
  const r = rig(reliable);
  const log: string[] = [];
  const request = invite({ method: 'OPTIONS' });
  const txn = new NonInviteClientTransaction({
    env: r.env,
    timers: r.timers,
    request,
    destination: BOB,
    listener: clientListener(log),
  });
  txn.start();
  return { ...r, log, request, txn };
}
type Fx = ReturnType<typeof start>;

const into: Record<Exclude<NonInviteClientState, 'Terminated'>, (f: Fx) => void> = {
  Trying: () => {},
  Proceeding: (f) => f.txn.receiveResponse(respond(f.request, 100)),
  Completed: (f) => f.txn.receiveResponse(respond(f.request, 200)),
};

const events = {
  '1xx': (f: Fx) => f.txn.receiveResponse(respond(f.request, 183)),
  '2xx': (f: Fx) => f.txn.receiveResponse(respond(f.request, 200)),
  '3xx-6xx': (f: Fx) => f.txn.receiveResponse(respond(f.request, 404)),
  'timer E (T1 from Trying, 1 s later)': (f: Fx) => f.clock.advance(1_000),
  'all timers': (f: Fx) => f.clock.advance(64_000),
  'transport error': (f: Fx) =>
    f.txn.transportError({ dest: BOB, message: f.request, cause: new Error('EPIPE') }),
};

// Every state × event of RFC 3261 Figure 6, UDP.
const rows: Array<{
  from: keyof typeof into;
  event: keyof typeof events;
  to: NonInviteClientState;
  sent: string[];
  tu: string[];
}> = [
  { from: 'Trying', event: '1xx', to: 'Proceeding', sent: [], tu: ['provisional 183'] },
  { from: 'Trying', event: '2xx', to: 'Completed', sent: [], tu: ['final 200 to1'] },
  { from: 'Trying', event: '3xx-6xx', to: 'Completed', sent: [], tu: ['final 404 to1'] },
  {
    from: 'Trying',
    event: 'timer E (T1 from Trying, 1 s later)',
    to: 'Trying',
    sent: ['OPTIONS@500'],
    tu: [],
  },
  {
    from: 'Trying',
    event: 'all timers',
    to: 'Terminated',
    sent: ['500', '1500', '3500', '7500', '11500', '15500', '19500', '23500', '27500', '31500'].map(
      (t) => `OPTIONS@${t}`,
    ),
    tu: ['timeout', 'terminated'],
  },
  {
    from: 'Trying',
    event: 'transport error',
    to: 'Terminated',
    sent: [],
    tu: ['transport-error', 'terminated'],
  },
  { from: 'Proceeding', event: '1xx', to: 'Proceeding', sent: [], tu: ['provisional 183'] },
  { from: 'Proceeding', event: '2xx', to: 'Completed', sent: [], tu: ['final 200 to1'] },
  { from: 'Proceeding', event: '3xx-6xx', to: 'Completed', sent: [], tu: ['final 404 to1'] },
  {
    from: 'Proceeding',
    event: 'timer E (T1 from Trying, 1 s later)',
    to: 'Proceeding',
    sent: ['OPTIONS@500'],
    tu: [],
  },
  {
    from: 'Proceeding',
    event: 'all timers',
    to: 'Terminated',
    // first E still T1 (armed in Trying), then T2 each time in Proceeding (§17.1.2.2)
    sent: ['500', '4500', '8500', '12500', '16500', '20500', '24500', '28500'].map((t) => `OPTIONS@${t}`),
    tu: ['timeout', 'terminated'],
  },
  {
    from: 'Proceeding',
    event: 'transport error',
    to: 'Terminated',
    sent: [],
    tu: ['transport-error', 'terminated'],
  },
  { from: 'Completed', event: '1xx', to: 'Completed', sent: [], tu: [] },
  { from: 'Completed', event: '2xx', to: 'Completed', sent: [], tu: [] },
  { from: 'Completed', event: '3xx-6xx', to: 'Completed', sent: [], tu: [] },
  { from: 'Completed', event: 'timer E (T1 from Trying, 1 s later)', to: 'Completed', sent: [], tu: [] },
  { from: 'Completed', event: 'all timers', to: 'Terminated', sent: [], tu: ['terminated'] },
  { from: 'Completed', event: 'transport error', to: 'Completed', sent: [], tu: [] },
];

describe('NonInviteClientTransaction: state × event table (RFC 3261 Fig. 6)', () => {
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

describe('NonInviteClientTransaction timers', () => {
  test('UDP: E doubles from T1 capped at T2; F at 64·T1 = 32 s', () => {
    const f = start(false);
    f.clock.advance(31_999);
    assert.deepEqual(f.sender.trace(), [
      'OPTIONS@0',
      'OPTIONS@500',
      'OPTIONS@1500',
      'OPTIONS@3500',
      'OPTIONS@7500',
      'OPTIONS@11500',
      'OPTIONS@15500',
      'OPTIONS@19500',
      'OPTIONS@23500',
      'OPTIONS@27500',
      'OPTIONS@31500',
    ]);
    assert.equal(f.txn.state, 'Trying');
    f.clock.advance(1);
    assert.equal(f.txn.state, 'Terminated');
    assert.equal(f.clock.pendingTimers(), 0);
  });

  test('a provisional switches E to T2', () => {
    const f = start(false);
    f.clock.advance(1_000); // sent at 0, 500; next E due at 1500 (interval 1000)
    f.txn.receiveResponse(respond(f.request, 100));
    f.clock.advance(9_000);
    assert.deepEqual(f.sender.trace(), [
      'OPTIONS@0',
      'OPTIONS@500',
      'OPTIONS@1500',
      'OPTIONS@5500',
      'OPTIONS@9500',
    ]);
  });

  test('TCP: no retransmission; F at 32 s; Timer K = 0', () => {
    const f = start(true);
    f.clock.advance(31_999);
    assert.deepEqual(f.sender.trace(), ['OPTIONS@0']);
    f.clock.advance(1);
    assert.deepEqual(f.log, ['timeout', 'terminated']);
    const g = start(true);
    g.txn.receiveResponse(respond(g.request, 200));
    assert.equal(g.txn.state, 'Terminated');
    assert.deepEqual(g.log, ['final 200 to1', 'terminated']);
  });

  test('UDP: Timer K = T4 (5 s) in Completed', () => {
    const f = start(false);
    f.clock.advance(100);
    f.txn.receiveResponse(respond(f.request, 200));
    f.clock.advance(4_999);
    assert.equal(f.txn.state, 'Completed');
    f.clock.advance(1);
    assert.equal(f.txn.state, 'Terminated');
    assert.deepEqual(f.sender.trace(), ['OPTIONS@0']);
  });
});
