/**
 * Shared set-up of the pickup component tests: the harness tenant (Alice: alice; Bob: bob-desk,
 * bob-mobile) plus Carol (carol), Dave (dave) and Erin (erin, the usual picker), their phones registered,
 * and a ring group "Front desk" on 600 ringing carol and bob-desk.
 */
import assert from 'node:assert/strict';
import type { FakeEndpoint } from '../../support/fake-media.ts';
import type { SipRequest } from '../../../src/sip/message/index.ts';
import { Harness, RINGD, type CallerView, type HarnessOptions, type Phone } from './harness.ts';

export const COMPLETED_ELSEWHERE = 'SIP;cause=200;text="Call completed elsewhere"';

export interface World {
  h: Harness;
  users: Record<'alice' | 'bob' | 'carol' | 'dave' | 'erin', string>;
  phones: Record<'alice' | 'desk' | 'mobile' | 'carol' | 'dave' | 'erin', Phone>;
  /** Callflow id of 600. */
  frontDesk: string;
}

export async function world(opts: HarnessOptions = {}): Promise<World> {
  const h = await Harness.create(opts);
  const alice = h.devices.alice.ownerId;
  const bob = h.devices['bob-desk'].ownerId;
  const carol = await h.user('Carol');
  const dave = await h.user('Dave');
  const erin = await h.user('Erin');
  await h.device('carol', carol);
  await h.device('dave', dave);
  await h.device('erin', erin);
  const phones = {
    alice: h.phone('alice', '10.0.0.1', 'alice'),
    desk: h.phone('bob-desk', '10.0.0.2', 'bob-desk'),
    mobile: h.phone('bob-mobile', '10.0.0.3', 'bob-mobile'),
    carol: h.phone('carol', '10.0.0.4', 'carol'),
    dave: h.phone('dave', '10.0.0.5', 'dave'),
    erin: h.phone('erin', '10.0.0.6', 'erin'),
  };
  for (const p of [phones.desk, phones.mobile, phones.carol, phones.dave]) p.behaviour = 'ring';
  const frontDesk = await h.callflow(['600'], {
    module: 'ring_group',
    data: {
      name: 'Front desk',
      endpoints: [
        { id: h.devices.carol.id, endpoint_type: 'device' },
        { id: h.devices['bob-desk'].id, endpoint_type: 'device' },
      ],
    },
  });
  await h.callflow(['103'], { module: 'user', data: { id: carol } });
  await h.callflow(['104'], { module: 'user', data: { id: dave } });
  return { h, users: { alice, bob, carol, dave, erin }, phones, frontDesk };
}

/** The CANCEL ringd sent to `phone` (its Reason header), or undefined. */
export function cancelReasonTo(h: Harness, phone: Phone): string | undefined {
  const c = h.packets(RINGD, phone.address).find((p) => (p.message as SipRequest)?.method === 'CANCEL');
  return c?.message?.get('Reason');
}

/** The final status (and phrase) ringd answered the picker's INVITE with. */
export function finalTo(h: Harness, phone: Phone): string | undefined {
  const finals = h
    .packets(RINGD, phone.address)
    .filter((p) => p.message?.kind === 'response' && p.message.cseq.method === 'INVITE')
    .map((p) => p.message as unknown as { status: number; reason: string })
    .filter((r) => r.status >= 200);
  const last = finals.at(-1);
  return last ? `${last.status} ${last.reason}` : undefined;
}

/** Asserts the two calls' A endpoints are bridged to each other (fake media). */
export function assertBridged(h: Harness, a: string, b: string): void {
  const ep = (id: string) => {
    const leg = h.engine.legs.get(id);
    assert.ok(leg, `leg ${id} is live`);
    return leg.media.endpoint as FakeEndpoint | undefined;
  };
  const x = ep(a);
  const y = ep(b);
  assert.ok(x && y, 'both legs hold an endpoint');
  assert.equal(x.partner, y, 'bridged');
  assert.equal(y.partner, x, 'bridged both ways');
}

/** The incoming (caller-side) leg ids in order of creation. */
export function incoming(h: Harness): string[] {
  return [...new Set(h.events.filter((e) => e.data.direction === 'incoming').map((e) => e.data.id))];
}

/** Hangs up what a caller view holds (BYE when answered). */
export function byeIfUp(v: CallerView): void {
  if (v.session && !v.session.isEnded) void v.session.bye();
}

/** Hangs up (API) every caller leg still live, so a test ends clean whatever rang. */
export async function hangUpCallers(h: Harness): Promise<void> {
  for (const id of incoming(h)) if (h.engine.legs.get(id)) await h.engine.hangup(h.tenantId, id);
}

/** Ends a test: BYE to the calls that are up, the callers still ringing hung up, then nothing left. */
export async function finish(w: World, ...views: CallerView[]): Promise<void> {
  for (const v of views) byeIfUp(v);
  await w.h.run(50);
  await hangUpCallers(w.h);
  await w.h.assertClean();
}
