import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Invite2xxRetransmitter } from '../../../../src/sip/dialog/index.ts';
import type { SipResponse } from '../../../../src/sip/message/index.ts';
import { FakeClock } from '../../../../src/sip/testing/fake-clock.ts';
import { response } from './helpers.ts';

function setup(reliable = false) {
  const clock = new FakeClock();
  const ok = response(200, { toTag: 'bobtag' });
  const sentAt: number[] = [];
  const sent: SipResponse[] = [];
  let noAckAt: number | undefined;
  const r = new Invite2xxRetransmitter({
    clock,
    response: ok,
    reliable,
    send: (res) => {
      sentAt.push(clock.now());
      sent.push(res);
    },
    onNoAck: () => {
      assert.equal(noAckAt, undefined, 'onNoAck reported once');
      noAckAt = clock.now();
    },
  });
  return { clock, ok, sentAt, sent, r, noAck: () => noAckAt };
}

describe('Invite2xxRetransmitter (§13.3.1.4)', () => {
  test('retransmits at T1 doubling up to T2, gives up at 64·T1 and reports it; nothing left scheduled', () => {
    const { clock, ok, sentAt, sent, r, noAck } = setup();
    r.start();
    assert.equal(r.state, 'waiting');
    clock.advance(40_000);
    assert.deepEqual(sentAt, [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.ok(sent.every((s) => s === ok));
    assert.equal(r.retransmissions, 10);
    assert.equal(noAck(), 32_000);
    assert.equal(r.state, 'timedOut');
    assert.equal(clock.pendingTimers(), 0);
    assert.equal(r.ackReceived(), false, 'a late ACK changes nothing');
  });

  test('stops on ACK; a repeated ACK is harmless', () => {
    const { clock, sentAt, r, noAck } = setup();
    r.start();
    clock.advance(2000);
    assert.deepEqual(sentAt, [500, 1500]);
    assert.equal(r.ackReceived(), true);
    assert.equal(r.ackReceived(), false);
    assert.equal(r.state, 'acked');
    assert.equal(clock.pendingTimers(), 0);
    clock.advance(60_000);
    assert.deepEqual(sentAt, [500, 1500]);
    assert.equal(noAck(), undefined);
  });

  test('reliable transport: no retransmission, still gives up at 64·T1', () => {
    const { clock, sentAt, r, noAck } = setup(true);
    r.start();
    clock.advance(31_999);
    assert.equal(noAck(), undefined);
    clock.advance(1);
    assert.deepEqual(sentAt, []);
    assert.equal(noAck(), 32_000);
    assert.equal(clock.pendingTimers(), 0);
  });

  test('custom T1/T2; start twice throws; stop clears the timers', () => {
    const clock = new FakeClock();
    const at: number[] = [];
    const r = new Invite2xxRetransmitter({
      clock,
      response: response(200),
      t1: 100,
      t2: 300,
      send: () => at.push(clock.now()),
      onNoAck: () => assert.fail('stopped'),
    });
    r.start();
    assert.throws(() => r.start(), { code: 'bad-state' });
    clock.advance(1000);
    assert.deepEqual(at, [100, 300, 600, 900]);
    r.stop();
    r.stop();
    assert.equal(r.state, 'stopped');
    assert.equal(clock.pendingTimers(), 0);
    clock.advance(10_000);
    assert.deepEqual(at, [100, 300, 600, 900]);
  });
});
