/**
 * What the pickup interop suites share (pickup-sipp.test.ts, pickup-races.test.ts): the real ringd process
 * with three SIPp members registered with digest in ring group 3001, two registered pickers, KAZOO's
 * `group_pickup` on 7001 restricted to m2 (so the pickers are not permitted there), and a fresh WebSocket
 * `/v1.0/events` stream for each test.
 */
import { after, afterEach, before, beforeEach, type TestContext } from 'node:test';
import { connectEvents, type EventClient } from '../../support/event-client.ts';
import { eventOf, GroupNode, type Phone } from './group-node.ts';
import type { SippProcess } from './sipp.ts';

/** The ring group's number. */
export const GROUP = '3001';

export interface PickupSuite {
  g: GroupNode;
  m1: Phone;
  m2: Phone;
  m3: Phone;
  picker: Phone;
  picker2: Phone;
  /** This test's events stream (a test that reconnects stores the new one here, so it is closed after). */
  events: EventClient;
  /** Starts the three members ringing until cancelled; killed (by pid) when the test ends either way. */
  ringMembers(t: TestContext): Promise<SippProcess[]>;
  /** Kills `procs` (by pid) when the test ends, and waits for them. */
  bound(t: TestContext, procs: SippProcess[]): void;
  /** The incoming call of `device` (its `call_created` event), e.g. the picker's own call. */
  incomingCallOf(device: Phone): Promise<string>;
}

/** Registers the suite's hooks in the calling `describe`; its state is filled in by `before`. */
export function pickupSuite(): PickupSuite {
  const bound = (t: TestContext, procs: SippProcess[]): void => {
    t.after(async () => {
      for (const p of procs) p.kill();
      await Promise.all(procs.map((p) => p.done));
    });
  };
  const s = {
    bound,
    async ringMembers(t: TestContext): Promise<SippProcess[]> {
      const members = await Promise.all([s.m1, s.m2, s.m3].map((p) => s.g.member(p, { kind: 'ring' })));
      bound(t, members);
      return members;
    },
    async incomingCallOf(device: Phone): Promise<string> {
      const m = await eventOf(
        s.events,
        (e) =>
          e.type === 'call_created' && e.data.direction === 'incoming' && e.data.source?.target === device.id,
      );
      return m.data.id as string;
    },
  } as PickupSuite;
  before(async () => {
    s.g = await GroupNode.start();
    s.m1 = await s.g.phone('m1');
    s.m2 = await s.g.phone('m2');
    s.m3 = await s.g.phone('m3');
    s.picker = await s.g.phone('picker');
    s.picker2 = await s.g.phone('picker2');
    const dev = (p: Phone) => ({ id: p.id, endpoint_type: 'device' });
    await s.g.callflow([GROUP], {
      module: 'ring_group',
      data: {
        name: 'Sales',
        strategy: 'simultaneous',
        timeout: 30,
        endpoints: [dev(s.m1), dev(s.m2), dev(s.m3)],
      },
    });
    // KAZOO's group_pickup restricted to another device: the picker is not permitted (pickup.md §1).
    await s.g.callflow(['7001'], {
      module: 'group_pickup',
      data: { device_id: s.m1.id, approved_device_id: s.m2.id },
    });
  });
  after(async () => {
    await s.g?.stop();
  });
  beforeEach(async () => {
    s.events = await connectEvents(s.g.http, { key: s.g.apiKey });
  });
  afterEach(async () => {
    await s.events?.close();
  });
  return s;
}
