/**
 * The seams the pickup engine (next issue) plugs into, exercised on real calls: the leg registry's
 * observers (ringing legs in arrival order, with why they ring), and the claim of a ringing call for
 * another call (`CallSession.claimFor`), which races member answers and stops the groupcalls as
 * "completed elsewhere".
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { CallSession, OutboundLeg } from '../../../src/pbx/calls/index.ts';
import type { SipRequest } from '../../../src/sip/message/index.ts';
import { Harness, RINGD } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const PICKER = '00000000-0000-4000-8000-00000000beef';

async function setup() {
  h = await Harness.create();
  await h.device('carol');
  const alice = h.phone('alice', '10.0.0.1', 'alice');
  const carol = h.phone('carol', '10.0.0.4', 'carol');
  const desk = h.phone('desk', '10.0.0.2', 'bob-desk');
  carol.behaviour = 'ring';
  desk.behaviour = 'ring';
  await h.callflow(['600'], {
    module: 'ring_group',
    data: {
      name: 'Front desk',
      endpoints: [
        { id: h.devices.carol.id, endpoint_type: 'device' },
        { id: h.devices['bob-desk'].id, endpoint_type: 'device' },
      ],
    },
    children: { _: { module: 'hangup', data: { code: 404 } } },
  });
  return { h, alice, carol, desk };
}

describe('leg registry observers', () => {
  test('ringing legs are reported in arrival order with their context, then their end', async () => {
    const { h, alice, carol } = await setup();
    const ringing: OutboundLeg[] = [];
    const stopped: string[] = [];
    h.engine.legs.observe({ ringing: (l) => ringing.push(l), stoppedRinging: (l) => stopped.push(l.id) });
    h.dial(alice, '600');
    await h.run(50);
    assert.deepEqual(
      ringing.map((l) => l.target.kind === 'contact' && l.target.device.sipUsername),
      ['carol', 'bob-desk'],
    );
    assert.ok(ringing[0].arrival < ringing[1].arrival, 'arrival order');
    const [gc] = h.groupcallIds();
    for (const l of ringing) {
      assert.deepEqual(l.ring.why, 'ring_group');
      assert.equal(l.ring.ringGroupName, 'Front desk');
      assert.equal(l.groupcallId, gc);
      assert.equal(l.masterCallId, h.callerLeg());
    }
    assert.equal(h.engine.legs.ringingCount, 2);
    carol.answer(carol.invites[0]);
    await h.run(50);
    assert.deepEqual(
      stopped.sort(),
      ringing.map((l) => l.id).sort(),
      'answered and cancelled legs stop ringing',
    );
    assert.equal(h.engine.legs.ringingCount, 0);
    await h.engine.hangup(h.tenantId, h.callerLeg());
    await h.assertClean();
  });
});

describe('claiming a ringing call for another call', () => {
  test('wins against later answers; the groupcall records the claimer; no failure branch runs', async () => {
    const { h, alice, carol, desk } = await setup();
    const v = h.dial(alice, '600');
    await h.run(50);
    const session = h.engine.legs.get(h.callerLeg())!.peer as CallSession;
    assert.equal(session.claimFor(PICKER), true);
    assert.equal(session.claimFor('someone-else'), false, 'exactly one claim wins');
    carol.answer(carol.invites[0]); // too late: its 200 crosses our CANCEL
    await h.run(50);
    for (const addr of [carol.address, desk.address]) {
      const c = h.packets(RINGD, addr).find((p) => (p.message as SipRequest).method === 'CANCEL');
      assert.equal(c?.message?.get('Reason'), 'SIP;cause=200;text="Call completed elsewhere"');
    }
    assert.deepEqual(h.wire(RINGD, carol.address), ['INVITE', 'CANCEL', 'ACK', 'BYE']);
    const [gc] = h.groupcallIds();
    const r = await h.gc(gc);
    assert.equal(r.answer_call_id, PICKER);
    assert.equal(r.status, 'hangup');
    assert.deepEqual(h.gcEventsOf(gc), ['groupcall_created', 'groupcall_progressing', 'groupcall_hangup']);
    assert.equal(v.failure, undefined, 'the caller is not hung up (the flow was usurped: no 404 branch)');
    assert.equal(v.session, undefined, 'nor answered: that is the claimer’s job');
    await h.engine.hangup(h.tenantId, h.callerLeg());
    await h.run(50);
    assert.equal(v.failure, 480);
    await h.assertClean();
  });

  test('a member that answered first wins: the claim fails', async () => {
    const { h, alice, carol } = await setup();
    const v = h.dial(alice, '600');
    await h.run(50);
    carol.answer(carol.invites[0]);
    await h.run(50);
    const session = h.engine.legs.get(h.callerLeg())!.peer as CallSession;
    assert.equal(session.claimFor(PICKER), false);
    assert.ok(v.session);
    void v.session!.bye();
    await h.assertClean();
  });
});
