/**
 * An answered call: re-INVITEs (hold, resume, a new address, a bad offer) answered locally by ringd with
 * the leg's own endpoint and a mirrored direction, the hold tone to the other side while one holds; and
 * the maximum call duration.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { parseAudio } from '../../../src/media/sdp/index.ts';
import type { Session } from '../../../src/sip/ua/index.ts';
import { Harness, phoneSdp, RINGD } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function answered(opts?: Parameters<typeof Harness.create>[0]) {
  h = await Harness.create(opts);
  const alice = h.phone('alice', '10.0.0.1', 'alice');
  const bob = h.phone('bob', '10.0.0.2', 'bob-desk');
  const v = h.dial(alice, '200');
  await h.run(50);
  assert.ok(v.session, 'answered');
  const [callerEp, bobEp] = [h.media.facing('10.0.0.1'), h.media.facing('10.0.0.2')];
  return { h, alice, bob, v, aliceSession: v.session!, bobSession: bob.sessions[0], callerEp, bobEp };
}

/** Sends a re-INVITE and returns the answer's status and parsed SDP. */
async function reinvite(h: Harness, s: Session, body: string) {
  const p = s.request('INVITE', { body });
  await h.run(50);
  const res = await p;
  assert.ok(res, 'a response arrived');
  const sdp = res.body.length > 0 ? parseAudio(res.body) : undefined;
  const origin = /^o=\S+ \S+ (\d+)/m.exec(res.body.toString())?.[1];
  return { status: res.status, audio: sdp?.ok ? sdp.audio : undefined, version: Number(origin) };
}

describe('hold and resume', () => {
  for (const side of ['caller', 'callee'] as const) {
    test(`the ${side} holds (sendonly) and resumes: answered locally, hold tone to the other side`, async () => {
      const ctx = await answered();
      const { h, callerEp, bobEp } = ctx;
      const [session, addr, port, ownEp, otherEp, other] =
        side === 'caller'
          ? [ctx.aliceSession, '10.0.0.1', ctx.alice.rtpPort, callerEp, bobEp, '10.0.0.2']
          : [ctx.bobSession, '10.0.0.2', ctx.bob.rtpPort, bobEp, callerEp, '10.0.0.1'];
      const before = h.wire(RINGD, other).length;

      const hold = await reinvite(h, session, phoneSdp(addr, port, { direction: 'sendonly', version: 2 }));
      assert.equal(hold.status, 200);
      assert.equal(hold.audio?.direction, 'recvonly', 'sendonly mirrored to recvonly');
      assert.equal(hold.audio?.port, ownEp.rtpPort, 'the same endpoint of that leg');
      assert.equal(hold.version, 2, 'o= version incremented');
      assert.deepEqual(otherEp.playing(), ['hold'], 'the other side hears the hold tone');
      assert.equal(ownEp.partner, undefined, 'unbridged while on hold');
      const played = h.media.plays.at(-1)!;
      assert.equal(played.opts.codec.name, 'PCMU', 'in the codec of that peer');
      assert.equal(h.wire(RINGD, other).length, before, 'the other side got no re-INVITE');

      const resume = await reinvite(h, session, phoneSdp(addr, port, { version: 3 }));
      assert.equal(resume.status, 200);
      assert.equal(resume.audio?.direction, 'sendrecv');
      assert.equal(resume.version, 3);
      assert.deepEqual(otherEp.playing(), [], 'the tone stopped');
      assert.equal(ownEp.partner, otherEp, 'bridged again');
      assert.equal(played.stopped, true);

      void session.bye();
      await h.assertClean();
    });
  }

  test('inactive stays inactive; both sides holding; a new port updates the remote', async () => {
    const { h, alice, bob, aliceSession, bobSession, callerEp, bobEp } = await answered();
    const a = await reinvite(
      h,
      aliceSession,
      phoneSdp('10.0.0.1', alice.rtpPort, { direction: 'inactive', version: 2 }),
    );
    assert.equal(a.audio?.direction, 'inactive');
    const b = await reinvite(
      h,
      bobSession,
      phoneSdp('10.0.0.2', bob.rtpPort, { direction: 'sendonly', version: 2 }),
    );
    assert.equal(b.audio?.direction, 'recvonly');
    assert.deepEqual(callerEp.playing(), ['hold']);
    assert.deepEqual(bobEp.playing(), ['hold']);
    await reinvite(h, aliceSession, phoneSdp('10.0.0.1', alice.rtpPort, { version: 3 }));
    assert.deepEqual(bobEp.playing(), [], 'alice resumed: bob no longer hears the tone');
    assert.deepEqual(callerEp.playing(), ['hold'], 'bob still holds');
    assert.equal(callerEp.partner, undefined);
    const moved = await reinvite(h, bobSession, phoneSdp('10.0.0.22', 50000, { version: 3 }));
    assert.equal(moved.status, 200);
    assert.deepEqual(
      bobEp.remote,
      { address: '10.0.0.22', rtpPort: 50000, rtcpPort: 50001 },
      'remote updated',
    );
    assert.equal(callerEp.partner, bobEp, 'both resumed: bridged');
    void bobSession.bye();
    await h.assertClean();
  });

  test('a re-INVITE with an unusable offer gets 488 and the call goes on', async () => {
    const { h, alice, aliceSession, v } = await answered();
    const bad = await reinvite(
      h,
      aliceSession,
      phoneSdp('10.0.0.1', alice.rtpPort, { codecs: '18', version: 2 }),
    );
    assert.equal(bad.status, 488);
    const junk = await reinvite(h, aliceSession, 'this is not SDP');
    assert.equal(junk.status, 488);
    assert.equal(aliceSession.isEnded, false);
    assert.deepEqual(v.ended, []);
    void aliceSession.bye();
    await h.assertClean();
  });

  test('a re-INVITE without SDP is answered with our last description', async () => {
    const { h, aliceSession, callerEp } = await answered();
    const p = aliceSession.request('INVITE');
    await h.run(50);
    const res = await p;
    assert.equal(res?.status, 200);
    const sdp = parseAudio(res!.body);
    assert.ok(sdp.ok && sdp.audio.port === callerEp.rtpPort);
    void aliceSession.bye();
    await h.assertClean();
  });
});

describe('maximum call duration', () => {
  test('both sides get BYE at the limit; hangup_reason timeout', async () => {
    const { h, v, bobSession } = await answered({ maxCallDuration: 60_000 });
    const ends: string[] = [];
    bobSession.onEnd = (c) => ends.push(c);
    await h.run(59_000);
    assert.deepEqual(v.ended, [], 'still talking before the limit');
    await h.run(2_000);
    assert.deepEqual(v.ended, ['remote-bye']);
    assert.deepEqual(ends, ['remote-bye']);
    await h.assertClean();
    const rows = await h.rows();
    assert.deepEqual(
      rows.map((r) => [r.status, r.hangup_by, r.hangup_reason]),
      [
        ['hangup', 'local', 'timeout'],
        ['hangup', 'local', 'timeout'],
      ],
    );
  });

  test('the timer is cleared when the call ends first', async () => {
    const { h, aliceSession } = await answered({ maxCallDuration: 60_000 });
    assert.equal(h.engine.stats().timers, 1, 'the max-duration timer');
    void aliceSession.bye();
    await h.run(50);
    assert.equal(h.engine.stats().timers, 0);
    await h.assertClean();
  });
});
