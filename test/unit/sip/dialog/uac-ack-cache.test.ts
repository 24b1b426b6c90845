import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Dialog, UacAckCache, UacDialogSet } from '../../../../src/sip/dialog/index.ts';
import { FakeClock } from '../../../../src/sip/testing/fake-clock.ts';
import { invite, response } from './helpers.ts';

describe('UacAckCache (§13.2.2.4)', () => {
  test('each retransmitted 2xx of a dialog gets the same ACK again; other responses get none', () => {
    const clock = new FakeClock();
    const cache = new UacAckCache({ clock });
    const set = new UacDialogSet(invite({ cseq: 3 }));
    const a = set.onResponse(response(200, { toTag: 'a', cseq: 3 })) as Dialog;
    const b = set.onResponse(response(200, { toTag: 'b', cseq: 3 })) as Dialog;
    const ackA = a.createAck(3);
    const ackB = b.createAck(3);
    cache.remember(a.key, 3, ackA);
    cache.remember(b.key, 3, ackB);
    assert.equal(cache.size, 2);
    assert.equal(cache.ackFor(response(200, { toTag: 'a', cseq: 3 })), ackA);
    assert.equal(cache.ackFor(response(200, { toTag: 'b', cseq: 3 })), ackB);
    assert.equal(cache.ackFor(response(200, { toTag: 'c', cseq: 3 })), undefined);
    assert.equal(cache.ackFor(response(200, { toTag: 'a', cseq: 4 })), undefined);
    assert.equal(cache.ackFor(response(180, { toTag: 'a', cseq: 3 })), undefined);
    assert.equal(cache.ackFor(response(200, { toTag: 'a', cseq: 3, method: 'UPDATE' })), undefined);
    assert.equal(cache.get(a.key, 3), ackA);
  });

  test('entries expire after 64·T1; forget, forgetDialog and clear cancel their timers', () => {
    const clock = new FakeClock();
    const cache = new UacAckCache({ clock });
    const d = Dialog.fromUac(invite(), response(200));
    cache.remember(d.key, 1, d.createAck(1));
    clock.advance(31_999);
    assert.ok(cache.get(d.key, 1));
    clock.advance(1);
    assert.equal(cache.get(d.key, 1), undefined);
    assert.equal(cache.size, 0);
    assert.equal(clock.pendingTimers(), 0);

    cache.remember(d.key, 1, d.createAck(1));
    cache.remember(d.key, 1, d.createAck(1));
    cache.remember(d.key, 2, d.createAck(2));
    assert.equal(cache.size, 2);
    assert.equal(clock.pendingTimers(), 2);
    assert.equal(cache.forget(d.key, 2), true);
    assert.equal(cache.forget(d.key, 2), false);
    cache.forgetDialog(d.key);
    assert.equal(cache.size, 0);
    assert.equal(clock.pendingTimers(), 0);
    cache.remember('k1', 1, d.createAck(1));
    cache.remember('k2', 1, d.createAck(1));
    cache.clear();
    assert.equal(cache.size, 0);
    assert.equal(clock.pendingTimers(), 0);
  });
});
