/** Overload control's queue-delay logic, in virtual time, with a fake probe the test delivers by hand. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OverloadGuard, refuseOptionsWhileShedding } from '../../../../src/pbx/calls/overload-guard.ts';
import { parseMessage, type SipRequest, type SipResponse } from '../../../../src/sip/message/index.ts';
import { FakeClock } from '../../../../src/sip/testing/index.ts';

/** A guard (threshold 100 ms, sustained 200 ms, a probe every 100 ms), its probes in flight, its first read. */
function guard(opts: { probeOk?: () => boolean } = {}) {
  const clock = new FakeClock();
  const changes: Array<[boolean, number]> = [];
  const inFlight: Array<{ sentAt: number; arrive: () => void }> = [];
  const g = new OverloadGuard({
    clock,
    probe: (arrive) => {
      if (opts.probeOk?.() === false) return false;
      inFlight.push({ sentAt: clock.now(), arrive });
      return true;
    },
    thresholdMs: 100,
    onChange: (s, d) => changes.push([s, d]),
  });
  g.start(); // the first probe goes now (at 0)…
  /** The oldest probe in flight is read now. */
  const read = () => inFlight.shift()!.arrive();
  read(); // …and is read at once: the next one goes at 100
  return { clock, g, changes, inFlight, read };
}

describe('OverloadGuard', () => {
  test('probes every 100 ms while they come back fast, and never refuses', () => {
    const { clock, g, inFlight, read } = guard();
    for (let i = 0; i < 20; i++) {
      clock.advance(100);
      assert.equal(inFlight.length, 1, 'one probe in flight at a time');
      clock.advance(0);
      read(); // read at once: the queue is empty
      assert.equal(g.refuse(), false);
    }
    assert.equal(g.refused, 0);
    assert.equal(g.lastDelayMs, 0);
  });

  test('a standing queue (each probe ≥ 100 ms) is refused once it lasted 200 ms; a fast probe ends it', () => {
    const { clock, g, changes, inFlight, read } = guard();
    clock.advance(100); // probe 1 sent at 100
    clock.advance(150);
    read(); // read at 250: 150 ms delay, above the threshold since 200
    assert.equal(g.refuse(), false, 'one slow probe is not yet a standing queue');
    assert.equal(g.lastDelayMs, 150);
    clock.advance(50); // tick at 300 sends probe 2
    assert.equal(inFlight.length, 1);
    clock.advance(99);
    assert.equal(g.refuse(), false);
    clock.advance(1); // tick at 400: probe 2 has waited 100 ms, so the delay has stayed above since 200
    assert.equal(g.shedding, true);
    clock.advance(20);
    read(); // read at 420: 120 ms, still a queue
    assert.equal(g.shedding, true);
    assert.equal(g.refuse(), true);
    assert.equal(g.refuse(), true);
    clock.advance(80); // tick at 500 sends probe 3
    clock.advance(10);
    read(); // 10 ms: the queue is gone
    assert.equal(g.refuse(), false);
    assert.equal(g.refused, 2, 'only refusals are counted');
    assert.deepEqual(changes, [
      [true, 100],
      [false, 10],
    ]);
    assert.equal(g.retryAfter, '2');
    g.close();
  });

  test('single slow probes between fast ones (bursts, a GC pause) refuse nothing', () => {
    const { clock, g, read } = guard();
    for (let i = 0; i < 10; i++) {
      clock.advance(100); // probe sent
      clock.advance(i % 2 === 0 ? 180 : 5);
      read();
      assert.equal(g.refuse(), false, `round ${i}`);
    }
  });

  test('a blocked loop (its tick fires 350 ms late, then the backlog is read) refuses nothing: the stop is not a queue', () => {
    const { clock, g, changes, read } = guard();
    clock.advance(100); // probe 1 sent at 100…
    clock.stall(350); // …then nothing runs until 450
    clock.advance(0); // the overdue tick runs first (timers before I/O), late by 250 ms
    assert.equal(g.refuse(), false, 'the probe’s age is the stop, not a queue');
    read(); // the backlog is read: probe 1 waited 350 ms
    assert.equal(g.lastDelayMs, 350);
    assert.equal(g.refuse(), false, 'the calls in the backlog are taken');
    clock.advance(100); // tick at 550 sends probe 2
    clock.advance(3);
    read(); // read in 3 ms: the backlog is gone
    assert.equal(g.refuse(), false);
    assert.deepEqual(changes, [], 'never refused');
  });

  test('a blocked loop whose backlog is read before its tick runs refuses nothing either', () => {
    const { clock, g, changes, read } = guard();
    clock.advance(100); // probe 1 sent at 100
    clock.stall(2000); // blocked for 2 s inside an I/O callback…
    read(); // …which goes on reading the socket before the timers run: probe 1 waited 2 s
    assert.equal(g.refuse(), false);
    clock.advance(0); // the overdue tick: probe 2
    clock.advance(2);
    read();
    assert.equal(g.refuse(), false);
    assert.deepEqual(changes, []);
  });

  test('a queue that outlasts the drain after a stop is refused, 200 ms after the loop runs again', () => {
    const { clock, g, changes, inFlight, read } = guard();
    clock.advance(100); // probe 1 sent at 100
    clock.stall(400); // blocked until 500
    clock.advance(0); // the late tick at 500
    read(); // probe 1: 400 ms (the stop), and what came after it still waits
    assert.equal(g.shedding, false, 'the loop has only just resumed');
    clock.advance(100); // tick at 600: probe 2 goes behind what the backlog still holds
    clock.advance(99);
    assert.equal(g.shedding, false);
    clock.advance(1); // tick at 700: probe 2 unread for 100 ms, the loop behind for 200 ms since it resumed
    assert.equal(g.shedding, true);
    assert.deepEqual(changes, [[true, 100]]);
    assert.equal(inFlight.length, 1);
  });

  test('a queue seen before the loop stops is still counted after it', () => {
    const { clock, g, inFlight } = guard();
    clock.advance(100); // probe 1 sent at 100, unread
    clock.advance(150); // tick at 200: unread for 100 ms, a queue since 200
    assert.equal(g.shedding, false);
    clock.stall(300); // blocked until 550
    clock.advance(0); // the late tick: the queue has lasted since 200
    assert.equal(g.shedding, true);
    assert.equal(inFlight.length, 1);
  });

  test('a probe still unread counts with its age: a growing queue is refused before its probe is read', () => {
    const { clock, g, changes, inFlight } = guard();
    clock.advance(100); // probe sent at 100, never read for now
    clock.advance(200); // ticks at 200 (age 100: above since 200) and 300 (age 200)
    assert.equal(g.refuse(), false, 'above the threshold for 100 ms only');
    assert.equal(g.delayMs, 200, 'the delay now is the unread probe’s age');
    clock.advance(100); // tick at 400: above since 200 for 200 ms
    assert.equal(g.refuse(), true);
    assert.deepEqual(changes, [[true, 300]]);
    assert.equal(inFlight.length, 1, 'no second probe while one is in flight');
    inFlight[0].arrive(); // read at 400: 300 ms
    assert.equal(g.shedding, true, 'a slow read keeps it refusing');
    assert.equal(g.lastDelayMs, 300);
  });

  test('a probe lost (full receive buffer) is given up after 1 s for a new one; the overload then ends', () => {
    const { clock, g, inFlight, read } = guard();
    clock.advance(100); // probe 1 at 100: it will never be read
    clock.advance(1000); // tick at 1100: age 1000 → resent
    assert.equal(g.shedding, true);
    assert.equal(inFlight.length, 2);
    const lost = inFlight.shift()!;
    clock.advance(5);
    read(); // probe 2 read after 5 ms
    assert.equal(g.shedding, false);
    lost.arrive(); // a superseded probe read late changes nothing
    assert.equal(g.shedding, false);
    assert.equal(g.lastDelayMs, 5);
  });

  test('nothing is probed or refused before start(); a probe that cannot be sent is tried again', () => {
    const clock = new FakeClock();
    let probes = 0;
    let ok = false;
    const g = new OverloadGuard({
      clock,
      thresholdMs: 100,
      probe: () => (probes++, ok),
    });
    clock.advance(5000);
    assert.equal(probes, 0);
    assert.equal(clock.nextTimerAt(), undefined);
    g.start();
    assert.equal(probes, 1, 'the first probe goes at start');
    clock.advance(300);
    assert.equal(probes, 4, 'not sent (no socket yet): tried on every tick');
    assert.equal(g.refuse(), false, 'no probe in flight is no delay');
    ok = true;
    clock.advance(100);
    assert.equal(probes, 5);
    clock.advance(1000);
    assert.equal(g.refuse(), true, 'a probe never read: refusing');
    g.close();
    assert.equal(g.refuse(), false, 'closed: never refuses');
    assert.equal(clock.nextTimerAt(), undefined, 'no timer left');
  });

  test('OPTIONS gets 503 + Retry-After while refusing (RFC 3261 §11.2: what an INVITE would get), else goes on', () => {
    const options = (method = 'OPTIONS') =>
      parseMessage(
        Buffer.from(
          [
            `${method} sip:ringd.example.com SIP/2.0`,
            'Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bKping1',
            'Max-Forwards: 70',
            'From: <sip:dispatcher@lb.example.com>;tag=lb1',
            'To: <sip:ringd.example.com>',
            'Call-ID: ping-1@lb',
            `CSeq: 1 ${method}`,
            'Content-Length: 0',
            '',
            '',
          ].join('\r\n'),
        ),
      ) as SipRequest;
    const sent: SipResponse[] = [];
    const txn = { respond: (r: SipResponse) => sent.push(r) };
    const { clock, g, read } = guard();
    assert.equal(
      refuseOptionsWhileShedding(options(), txn, g, () => 't1'),
      false,
      'not overloaded',
    );
    assert.equal(
      refuseOptionsWhileShedding(options(), txn, undefined, () => 't1'),
      false,
      'overload control off',
    );
    clock.advance(100); // a probe goes out and stays unread: a queue
    clock.advance(300);
    assert.equal(g.shedding, true);
    assert.equal(
      refuseOptionsWhileShedding(options('MESSAGE'), txn, g, () => 't1'),
      false,
      'only OPTIONS',
    );
    assert.equal(
      refuseOptionsWhileShedding(options(), txn, g, () => 't1'),
      true,
    );
    assert.equal(sent.length, 1);
    assert.equal(sent[0].status, 503);
    assert.equal(sent[0].get('Retry-After'), '2');
    assert.equal(sent[0].toTag, 't1');
    assert.equal(g.refused, 0, 'an OPTIONS is not a refused call');
    read(); // the slow probe read at 400…
    clock.advance(100); // …the next one goes at 500…
    clock.advance(5);
    read(); // …and comes back in 5 ms
    assert.equal(
      refuseOptionsWhileShedding(options(), txn, g, () => 't1'),
      false,
      'recovered',
    );
  });
});
