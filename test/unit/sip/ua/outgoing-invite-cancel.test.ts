/**
 * `OutgoingInvite.cancel(headers)`: extra headers on the CANCEL (RFC 3326 Reason), sent at once when a
 * provisional arrived, held until the first one otherwise (§9.1), once only, never after a final.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sequentialIds } from '../../../../src/sip/ids.ts';
import type { SipRequest } from '../../../../src/sip/message/index.ts';
import { FakeClock, FakeNetwork } from '../../../../src/sip/testing/index.ts';
import { UserAgent, type IncomingInvite } from '../../../../src/sip/ua/index.ts';

const REASON: [string, string] = ['Reason', 'SIP;cause=200;text="Call completed elsewhere"'];

function setup(answer: (inv: IncomingInvite) => void) {
  const clock = new FakeClock();
  const net = new FakeNetwork({ clock });
  const a = new UserAgent({ transport: net.attach({ address: '10.0.0.1' }), clock, ids: sequentialIds('a') });
  const invites: IncomingInvite[] = [];
  const b = new UserAgent({
    transport: net.attach({ address: '10.0.0.2' }),
    clock,
    ids: sequentialIds('b'),
    delegate: {
      onInvite: (inv) => {
        invites.push(inv);
        answer(inv);
      },
    },
  });
  const out = a.invite({ uri: 'sip:b@10.0.0.2', body: 'v=0\r\n' });
  const cancels = () =>
    net.sent
      .map((p) => p.message)
      .filter((m): m is SipRequest => m?.kind === 'request' && (m as SipRequest).method === 'CANCEL');
  return { clock, a, b, out, invites, cancels, net };
}

describe('OutgoingInvite.cancel(headers)', () => {
  test('after a provisional: the CANCEL carries the headers and matches the INVITE', () => {
    const s = setup((inv) => inv.progress(180));
    const failures: number[] = [];
    s.out.onFailure = (f) => failures.push(f.status);
    s.clock.advance(10);
    s.out.cancel([REASON]);
    s.out.cancel([REASON]); // idempotent
    s.out.cancel();
    s.clock.advance(10);
    const c = s.cancels();
    assert.equal(c.length, 1, 'one CANCEL');
    assert.equal(c[0].get('Reason'), REASON[1]);
    assert.equal(c[0].branch, s.out.request.branch, 'same branch as the INVITE (§9.1)');
    assert.equal(c[0].cseq.seq, s.out.request.cseq.seq);
    assert.deepEqual(failures, [487], 'the INVITE ended with 487');
    s.clock.runUntilIdle();
    assert.equal(s.a.stats().transactions, 0, 'the CANCEL transaction ended');
  });

  test('before any provisional: held, then sent with the headers on the 100 Trying', () => {
    const s = setup(() => {});
    s.out.cancel([REASON]);
    s.clock.advance(10);
    assert.equal(s.cancels().length, 0, 'held back');
    s.clock.advance(300); // 100 Trying after 200 ms
    assert.equal(s.cancels().length, 1);
    assert.equal(s.cancels()[0].get('Reason'), REASON[1]);
    assert.equal(s.out.state, 'failed');
  });

  test('after a final response: nothing is sent', () => {
    const s = setup((inv) => inv.reject(486));
    s.clock.advance(10);
    s.out.cancel([REASON]);
    s.clock.advance(10);
    assert.equal(s.cancels().length, 0);
  });

  test('without headers: the transaction’s own CANCEL, as before', () => {
    const s = setup((inv) => inv.progress(180));
    s.clock.advance(10);
    s.out.cancel();
    s.clock.advance(10);
    assert.equal(s.cancels().length, 1);
    assert.equal(s.cancels()[0].get('Reason'), undefined);
  });
});

describe('OutgoingInvite: a callee that ignores our CANCEL (§9.1)', () => {
  for (const withHeaders of [false, true]) {
    test(`given up 64·T1 after the CANCEL: one failure 487/timeout, nothing left${withHeaders ? ' (with headers)' : ''}`, () => {
      const s = setup((inv) => inv.progress(180));
      const failures: Array<[number, string]> = [];
      s.out.onFailure = (f) => failures.push([f.status, f.cause]);
      s.clock.advance(10);
      assert.equal(s.out.state, 'early');
      s.net.partition('10.0.0.1', '10.0.0.2'); // the CANCEL and anything after it are lost
      s.out.cancel(withHeaders ? [REASON] : undefined);
      s.clock.advance(10);
      assert.equal(s.cancels().length, 1, 'a CANCEL was sent');
      s.clock.advance(64 * 500 - 11);
      assert.deepEqual(failures, [], 'still waiting just before 64·T1');
      assert.equal(s.a.stats().transactions, 2, 'the INVITE and CANCEL transactions are alive');
      s.clock.advance(1);
      assert.deepEqual(failures, [[487, 'timeout']], 'given up at 64·T1, reported once');
      assert.equal(s.out.state, 'failed');
      s.clock.runUntilIdle();
      assert.deepEqual(failures, [[487, 'timeout']], 'reported exactly once');
      assert.deepEqual(
        s.a.stats(),
        { sessions: 0, pendingInvites: 0, awaitingAck: 0, transactions: 0 },
        'caller UA: nothing left',
      );
      s.net.heal();
    });
  }

  test('a final response before 64·T1 still wins', () => {
    let invite: IncomingInvite | undefined;
    const s = setup((inv) => {
      invite = inv;
      inv.progress(180);
    });
    const failures: Array<[number, string]> = [];
    s.out.onFailure = (f) => failures.push([f.status, f.cause]);
    s.clock.advance(10);
    s.net.partition('10.0.0.1', '10.0.0.2');
    s.out.cancel();
    s.clock.advance(20_000);
    s.net.heal();
    invite!.reject(486, 'Busy Here'); // the callee never saw the CANCEL
    s.clock.advance(100);
    assert.deepEqual(failures, [[486, 'rejected']]);
    s.clock.runUntilIdle();
    assert.deepEqual(failures, [[486, 'rejected']], 'no give-up after the final');
    assert.equal(s.a.stats().transactions, 0, 'caller transactions ended');
  });
});
