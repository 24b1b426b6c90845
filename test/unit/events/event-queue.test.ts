/** The bounded per-subscriber queue: deferred batches, overflow, a throwing drain, close. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventBus, EventQueue, type BusEvent } from '../../../src/events/index.ts';
import { ev, ManualScheduler, TENANT_A } from './helpers.ts';

describe('EventQueue', () => {
  test('push only appends; the drain runs later with everything that arrived meanwhile', () => {
    const s = new ManualScheduler();
    const batches: string[][] = [];
    const q = new EventQueue(
      (events) => batches.push(events.map((e) => e.type)),
      () => assert.fail('no overflow'),
      { schedule: s.schedule },
    );
    q.push(ev('call_created'));
    q.push(ev('call_ringing'));
    assert.deepEqual(batches, [], 'nothing runs on the publisher stack');
    assert.equal(s.size, 1, 'one drain scheduled for the batch');
    assert.equal(q.size, 2);
    s.run();
    assert.deepEqual(batches, [['call_created', 'call_ringing']]);
    q.push(ev('call_hangup'));
    s.run();
    assert.deepEqual(batches[1], ['call_hangup']);
    assert.equal(q.size, 0);
  });

  test('events pushed during a drain go to the next drain', () => {
    const s = new ManualScheduler();
    const batches: string[][] = [];
    const q: EventQueue = new EventQueue(
      (events) => {
        batches.push(events.map((e) => e.type));
        if (batches.length === 1) q.push(ev('call_hangup'));
      },
      () => {},
      { schedule: s.schedule },
    );
    q.push(ev('call_created'));
    s.run();
    assert.deepEqual(batches, [['call_created'], ['call_hangup']]);
  });

  test('one event over the bound: the queue drops its events, stops, and reports the overflow later', () => {
    const s = new ManualScheduler();
    const drained: BusEvent[] = [];
    const overflows: number[] = [];
    const q = new EventQueue(
      (events) => drained.push(...events),
      (max) => overflows.push(max),
      { maxEvents: 3, schedule: s.schedule },
    );
    for (let i = 0; i < 3; i++) q.push(ev('call_ringing'));
    assert.equal(q.overflowed, false);
    q.push(ev('call_ringing'));
    assert.equal(q.overflowed, true);
    assert.equal(q.size, 0, 'memory is released at once');
    assert.deepEqual(overflows, [], 'not reported on the publisher stack');
    for (let i = 0; i < 100; i++) q.push(ev('call_ringing'));
    assert.equal(q.size, 0, 'nothing more is held');
    s.run();
    assert.deepEqual(overflows, [3], 'reported once');
    assert.deepEqual(drained, [], 'the dropped events are never drained');
  });

  test('behind the bus: a subscriber that never drains costs the publisher a bounded queue', () => {
    const s = new ManualScheduler();
    const bus = new EventBus();
    let overflowed = 0;
    const q = new EventQueue(
      () => {},
      () => overflowed++,
      { maxEvents: 1000, schedule: s.schedule },
    );
    bus.subscribe(TENANT_A, q.push);
    for (let i = 0; i < 100_000; i++) bus.publish(ev('call_ringing'));
    assert.equal(q.size, 0);
    assert.equal(q.overflowed, true);
    s.run();
    assert.equal(overflowed, 1);
  });

  test('a throwing drain is reported and the queue goes on', () => {
    const s = new ManualScheduler();
    const errors: unknown[] = [];
    let calls = 0;
    const q = new EventQueue(
      () => {
        calls++;
        throw new Error('drain bug');
      },
      () => {},
      { schedule: s.schedule, onError: (e) => errors.push(e) },
    );
    q.push(ev('call_created'));
    assert.doesNotThrow(() => s.run());
    q.push(ev('call_ringing'));
    s.run();
    assert.equal(calls, 2);
    assert.equal(errors.length, 2);
  });

  test('close drops what waits and accepts nothing more', () => {
    const s = new ManualScheduler();
    const drained: BusEvent[] = [];
    const q = new EventQueue(
      (events) => drained.push(...events),
      () => {},
      { schedule: s.schedule },
    );
    q.push(ev('call_created'));
    q.close();
    q.push(ev('call_ringing'));
    s.run();
    assert.deepEqual(drained, []);
    assert.equal(q.size, 0);
  });
});
