/** The event bus: tenant routing and isolation, filters, throwing listeners, changes during delivery. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventBus, MATCH_ALL, type BusEvent } from '../../../src/events/index.ts';
import { CALL_1, CALL_2, ev, TENANT_A, TENANT_B } from './helpers.ts';

function collect(): { got: BusEvent[]; listener: (e: BusEvent) => void } {
  const got: BusEvent[] = [];
  return { got, listener: (e) => got.push(e) };
}

describe('EventBus', () => {
  test("delivers an event to its tenant's subscribers only, the same object to each", () => {
    const bus = new EventBus();
    const a1 = collect();
    const a2 = collect();
    const b = collect();
    bus.subscribe(TENANT_A, a1.listener);
    bus.subscribe(TENANT_A, a2.listener);
    bus.subscribe(TENANT_B, b.listener);
    const e = ev('call_created');
    bus.publish(e);
    assert.deepEqual(a1.got, [e]);
    assert.equal(a2.got[0], e, 'shared, not copied');
    assert.deepEqual(b.got, [], "tenant B never sees tenant A's events");
    bus.publish(ev('call_created', CALL_2, TENANT_B));
    assert.equal(a1.got.length, 1);
    assert.equal(b.got.length, 1);
  });

  test('publishing with no subscriber is a no-op; hasSubscribers says so', () => {
    const bus = new EventBus();
    assert.equal(bus.hasSubscribers(TENANT_A), false);
    bus.publish(ev('call_created'));
    const s = bus.subscribe(TENANT_B, () => {});
    assert.equal(bus.hasSubscribers(TENANT_A), false);
    assert.equal(bus.hasSubscribers(TENANT_B), true);
    s.close();
    assert.equal(bus.hasSubscribers(TENANT_B), false);
    assert.equal(bus.subscriberCount(), 0);
  });

  test('filters by type, by resource id, and by both', () => {
    const bus = new EventBus();
    const byType = collect();
    const byId = collect();
    const both = collect();
    bus.subscribe(TENANT_A, byType.listener, { types: ['call_hangup'], resourceIds: [] });
    bus.subscribe(TENANT_A, byId.listener, { types: [], resourceIds: [CALL_2] });
    bus.subscribe(TENANT_A, both.listener, { types: ['call_ringing'], resourceIds: [CALL_1] });
    bus.publish(ev('call_created', CALL_1));
    bus.publish(ev('call_ringing', CALL_1));
    bus.publish(ev('call_ringing', CALL_2));
    bus.publish(ev('call_hangup', CALL_2));
    const show = (c: { got: BusEvent[] }) => c.got.map((e) => `${e.type}/${e.data.id === CALL_1 ? 1 : 2}`);
    assert.deepEqual(show(byType), ['call_hangup/2']);
    assert.deepEqual(show(byId), ['call_ringing/2', 'call_hangup/2']);
    assert.deepEqual(show(both), ['call_ringing/1']);
  });

  test('setFilter applies from the next publish', () => {
    const bus = new EventBus();
    const c = collect();
    const s = bus.subscribe(TENANT_A, c.listener, { types: ['call_created'], resourceIds: [] });
    bus.publish(ev('call_hangup'));
    s.setFilter({ types: ['call_hangup'], resourceIds: [] });
    assert.deepEqual(s.filter.types, ['call_hangup']);
    bus.publish(ev('call_hangup'));
    bus.publish(ev('call_created'));
    assert.deepEqual(
      c.got.map((e) => e.type),
      ['call_hangup'],
    );
    s.setFilter(MATCH_ALL);
    bus.publish(ev('call_created'));
    assert.equal(c.got.length, 2);
  });

  test('a throwing listener reaches neither the publisher nor the other subscribers; it is reported', () => {
    const reported: Array<{ err: unknown; type: string }> = [];
    const bus = new EventBus({ onListenerError: (err, e) => reported.push({ err, type: e.type }) });
    const before = collect();
    const after = collect();
    bus.subscribe(TENANT_A, before.listener);
    bus.subscribe(TENANT_A, () => {
      throw new Error('listener bug');
    });
    bus.subscribe(TENANT_A, after.listener);
    assert.doesNotThrow(() => bus.publish(ev('call_created')));
    assert.equal(before.got.length, 1);
    assert.equal(after.got.length, 1);
    assert.equal(reported.length, 1);
    assert.equal((reported[0].err as Error).message, 'listener bug');
    // Even a throwing error reporter stays inside the bus.
    const bus2 = new EventBus({
      onListenerError: () => {
        throw new Error('reporter bug');
      },
    });
    bus2.subscribe(TENANT_A, () => {
      throw new Error('listener bug');
    });
    assert.doesNotThrow(() => bus2.publish(ev('call_created')));
  });

  test('closing or subscribing during a delivery does not disturb it', () => {
    const bus = new EventBus();
    const late = collect();
    const third = collect();
    // eslint-disable-next-line prefer-const
    let second: ReturnType<typeof bus.subscribe>;
    bus.subscribe(TENANT_A, () => {
      second.close(); // closes the next subscriber before it is reached
      bus.subscribe(TENANT_A, late.listener); // joins for the next publish only
    });
    const secondGot = collect();
    second = bus.subscribe(TENANT_A, secondGot.listener);
    bus.subscribe(TENANT_A, third.listener);
    bus.publish(ev('call_created'));
    assert.equal(secondGot.got.length, 0, 'closed before its turn: not delivered');
    assert.equal(third.got.length, 1, 'the rest still get it');
    assert.equal(late.got.length, 0, 'a subscriber added during delivery starts with the next event');
    bus.publish(ev('call_ringing'));
    assert.equal(late.got.length, 1);
  });

  test('a listener may publish (re-entrant) and close itself', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const s = bus.subscribe(TENANT_A, (e) => {
      seen.push(e.type);
      if (e.type === 'call_created') bus.publish(ev('call_dialing'));
      if (e.type === 'call_hangup') s.close();
    });
    bus.publish(ev('call_created'));
    bus.publish(ev('call_hangup'));
    bus.publish(ev('call_created'));
    assert.deepEqual(seen, ['call_created', 'call_dialing', 'call_hangup']);
    s.close();
    assert.equal(s.closed, true);
  });

  test('subscribeAll sees every tenant; close() ends every subscription', () => {
    const bus = new EventBus();
    const all = collect();
    const a = collect();
    bus.subscribeAll(all.listener, { types: ['call_created'], resourceIds: [] });
    bus.subscribe(TENANT_A, a.listener);
    assert.equal(bus.hasSubscribers(TENANT_B), true, 'an every-tenant subscriber counts for every tenant');
    bus.publish(ev('call_created', CALL_1, TENANT_A));
    bus.publish(ev('call_created', CALL_2, TENANT_B));
    bus.publish(ev('call_hangup', CALL_2, TENANT_B));
    assert.equal(all.got.length, 2);
    assert.equal(a.got.length, 1);
    assert.equal(bus.subscriberCount(), 2);
    assert.equal(bus.subscriberCount(TENANT_A), 1);
    bus.close();
    assert.equal(bus.subscriberCount(), 0);
    bus.publish(ev('call_created'));
    assert.equal(all.got.length, 2);
  });

  test('publish stays cheap on the hot path: 2 000 000 publishes to filtered and absent tenants', () => {
    const bus = new EventBus();
    for (let i = 0; i < 10; i++)
      bus.subscribe(TENANT_A, () => {}, { types: ['call_hangup'], resourceIds: [] });
    const e = ev('call_ringing');
    const other = ev('call_ringing', CALL_1, TENANT_B);
    for (let i = 0; i < 10_000; i++) bus.publish(e); // warm up
    const start = process.hrtime.bigint();
    for (let i = 0; i < 1_000_000; i++) {
      bus.publish(e);
      bus.publish(other);
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    // A loose bound (CI machines vary): two million publishes, ten filtered subscribers each, in well under
    // the time a single SIP message takes per publish.
    assert.ok(ms < 5000, `2 000 000 publishes took ${ms.toFixed(0)} ms`);
  });
});
