import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { RtpRelay, PortRangeExhaustedError } from '../../../src/media/rtp/index.ts';
import type { RelayEndpoint } from '../../../src/media/rtp/index.ts';
import { FakeClock } from '../../../src/sip/testing/fake-clock.ts';
import { Peer, rtcp, rtp } from './helpers.ts';

const HOST = '127.0.0.1';
const PCMU = { payloadType: 0, name: 'PCMU', clockRate: 8000 };

/** Two peers (RTP + RTCP sockets each) and a bridged pair of endpoints. */
async function bridgedPair(relay: RtpRelay) {
  const a = await Peer.open();
  const aRtcp = await Peer.open();
  const b = await Peer.open();
  const bRtcp = await Peer.open();
  const e1 = await relay.allocateEndpoint();
  const e2 = await relay.allocateEndpoint();
  e1.setRemote(HOST, a.port, aRtcp.port);
  e2.setRemote(HOST, b.port, bRtcp.port);
  relay.bridge(e1, e2);
  const close = async () => {
    await Promise.all([a.close(), aRtcp.close(), b.close(), bRtcp.close()]);
  };
  return { a, aRtcp, b, bRtcp, e1, e2, close };
}

describe('RtpRelay over loopback', () => {
  let relay: RtpRelay;
  before(() => {
    relay = new RtpRelay({ host: HOST, portMin: 41000, portMax: 41199, relatchAfter: 3 });
  });
  after(async () => {
    await relay.close();
    assert.equal(relay.stats().endpoints, 0, 'no endpoint left');
  });

  it('allocates even RTP ports with RTCP = RTP + 1 inside the range', async () => {
    const e = await relay.allocateEndpoint();
    assert.equal(e.rtpPort % 2, 0, 'even RTP port');
    assert.equal(e.rtcpPort, e.rtpPort + 1, 'RTCP is RTP + 1');
    assert.ok(e.rtpPort >= 41000 && e.rtcpPort <= 41199, 'inside the range');
    assert.equal(e.address, HOST);
    e.close();
    e.close(); // idempotent
    assert.equal(e.closed, true);
  });

  it('relays RTP both ways between bridged peers, untouched, from the endpoint ports', async () => {
    const t = await bridgedPair(relay);
    for (let i = 0; i < 5; i++) await t.a.send(rtp(i, 1), t.e1.rtpPort);
    await t.b.waitFor(5, 'A→B packets');
    for (let i = 0; i < 3; i++) await t.b.send(rtp(i, 2, 101), t.e2.rtpPort); // telephone-event PT passes too
    await t.a.waitFor(3, 'B→A packets');
    assert.deepEqual(t.b.received[0].data, rtp(0, 1), 'payload untouched');
    assert.equal(t.b.received[0].from.port, t.e2.rtpPort, 'B hears from its own endpoint');
    assert.deepEqual(
      t.b.received.map((d) => d.data.readUInt16BE(2)),
      [0, 1, 2, 3, 4],
      'sequence order kept',
    );
    assert.equal(t.a.received[2].data[1], 101, 'telephone-event PT untouched');
    assert.equal(t.a.received[0].from.port, t.e1.rtpPort, 'A hears from its own endpoint');

    assert.deepEqual(t.e1.stats(), {
      rtpIn: 5,
      rtpOut: 3,
      rtcpIn: 0,
      rtcpOut: 0,
      bytesIn: 5 * 172,
      bytesOut: 3 * 172,
      dropped: 0,
    });
    assert.deepEqual(t.e2.stats(), {
      rtpIn: 3,
      rtpOut: 5,
      rtcpIn: 0,
      rtcpOut: 0,
      bytesIn: 3 * 172,
      bytesOut: 5 * 172,
      dropped: 0,
    });
    t.e1.close();
    t.e2.close();
    await t.close();
  });

  it('relays RTCP separately, to the a=rtcp ports', async () => {
    const t = await bridgedPair(relay);
    await t.aRtcp.send(rtcp(7), t.e1.rtcpPort);
    await t.bRtcp.waitFor(1, 'RTCP A→B');
    assert.deepEqual(t.bRtcp.received[0].data, rtcp(7));
    assert.equal(t.bRtcp.received[0].from.port, t.e2.rtcpPort, 'sent from the RTCP port');
    await t.bRtcp.send(rtcp(8), t.e2.rtcpPort);
    await t.aRtcp.waitFor(1, 'RTCP B→A');
    assert.equal(t.e1.stats().rtcpIn, 1);
    assert.equal(t.e1.stats().rtcpOut, 1);
    assert.equal(t.e2.stats().rtcpOut, 1);
    assert.equal(t.b.received.length + t.a.received.length, 0, 'nothing on the RTP sockets');
    t.e1.close();
    t.e2.close();
    await t.close();
  });

  it('latches onto the source a peer really sends from (NAT), instead of its SDP port', async () => {
    const t = await bridgedPair(relay);
    const natted = await Peer.open(); // A's real source port; SDP said t.a.port
    await t.b.send(rtp(1, 2), t.e2.rtpPort);
    await t.a.waitFor(1, 'before latching: to the SDP address');
    await natted.send(rtp(1, 1), t.e1.rtpPort);
    await t.b.waitFor(1);
    assert.deepEqual(t.e1.remote(), {
      address: HOST,
      rtpPort: natted.port,
      rtcpPort: t.aRtcp.port,
      latched: true,
    });
    await t.b.send(rtp(2, 2), t.e2.rtpPort);
    await natted.waitFor(1, 'after latching: to the learned source');
    assert.equal(t.a.received.length, 1, 'SDP port no longer used');
    t.e1.close();
    t.e2.close();
    await Promise.all([t.close(), natted.close()]);
  });

  it('anti-hijack: a new source is accepted only after 3 consecutive packets', async () => {
    const t = await bridgedPair(relay);
    const hijacker = await Peer.open();
    await t.a.send(rtp(1, 1), t.e1.rtpPort); // latch A
    await t.b.waitFor(1);
    // interleaved hijack attempts never reach 3 in a row
    await hijacker.send(rtp(100, 9), t.e1.rtpPort);
    await hijacker.send(rtp(101, 9), t.e1.rtpPort);
    await t.a.send(rtp(2, 1), t.e1.rtpPort);
    await hijacker.send(rtp(102, 9), t.e1.rtpPort);
    await hijacker.send(rtp(103, 9), t.e1.rtpPort);
    await t.a.send(rtp(3, 1), t.e1.rtpPort); // sentinel: processed after the attempts
    await t.b.waitFor(3);
    assert.deepEqual(
      t.b.received.map((d) => d.data[20]),
      [1, 1, 1],
      'only A’s packets were relayed',
    );
    assert.equal(t.e1.stats().dropped, 4, 'the 4 hijack packets were dropped');
    assert.equal(t.e1.remote().rtpPort, t.a.port, 'still latched on A');
    // a real move: 3 consecutive packets from the new source
    for (let i = 0; i < 3; i++) await hijacker.send(rtp(200 + i, 9), t.e1.rtpPort);
    await t.b.waitFor(4);
    assert.equal(t.b.received[3].data[20], 9, 'third consecutive packet relayed');
    assert.equal(t.e1.remote().rtpPort, hijacker.port, 're-latched');
    t.e1.close();
    t.e2.close();
    await Promise.all([t.close(), hijacker.close()]);
  });

  it('rewiring a bridge mid-stream switches destinations in one call', async () => {
    const t = await bridgedPair(relay);
    const c = await Peer.open();
    const e3 = await relay.allocateEndpoint();
    e3.setRemote(HOST, c.port);
    await t.a.send(rtp(1, 1), t.e1.rtpPort);
    await t.b.waitFor(1);
    relay.bridge(t.e1, e3); // pickup: A now talks to C; e2 is left alone
    await t.a.send(rtp(2, 1), t.e1.rtpPort);
    await c.waitFor(1, 'A→C after rewiring');
    await c.send(rtp(1, 3), e3.rtpPort);
    await t.a.waitFor(1, 'C→A after rewiring');
    assert.equal(t.a.received[0].data[20], 3, 'A hears C');
    await t.b.send(rtp(5, 2), t.e2.rtpPort); // e2 is unbridged: dropped
    await t.a.send(rtp(3, 1), t.e1.rtpPort);
    await c.waitFor(2);
    assert.equal(t.b.received.length, 1, 'B got nothing after the switch');
    while (t.e2.stats().rtpIn < 1) await new Promise((r) => setImmediate(r));
    assert.equal(t.a.received.length, 1, 'B’s packet did not reach A');
    assert.equal(t.e2.stats().dropped, 1, 'dropped counted on the unbridged e2');
    assert.equal(relay.stats().packetsRelayed > 0, true, 'relay total counts forwarded packets');
    relay.unbridge(e3);
    await t.a.send(rtp(4, 1), t.e1.rtpPort);
    await t.a.send(rtp(5, 1), t.e1.rtpPort);
    t.e1.close();
    t.e2.close();
    e3.close();
    await Promise.all([t.close(), c.close()]);
  });

  it('drops malformed packets and traffic of unbridged endpoints without throwing', async () => {
    const t = await bridgedPair(relay);
    await t.a.send(Buffer.from([1, 2, 3]), t.e1.rtpPort); // too short
    await t.a.send(Buffer.alloc(172, 0x00), t.e1.rtpPort); // version 0 (STUN-like)
    await t.a.send(Buffer.from([0x80, 0xc9, 0]), t.e1.rtcpPort); // short RTCP
    await t.a.send(rtp(1, 1), t.e1.rtpPort); // sentinel
    await t.b.waitFor(1);
    while (t.e1.stats().rtcpIn < 1) await new Promise((r) => setImmediate(r));
    assert.equal(t.b.received.length, 1, 'only the valid packet relayed');
    assert.equal(t.e1.stats().dropped, 3, 'two malformed RTP packets and one RTCP dropped');
    relay.unbridge(t.e1);
    await t.a.send(rtp(2, 1), t.e1.rtpPort);
    await t.a.send(rtp(3, 1), t.e1.rtpPort);
    while (t.e1.stats().rtpIn < 5) await new Promise((r) => setImmediate(r));
    assert.equal(t.e1.stats().dropped, 5, 'unbridged packets counted as dropped');
    assert.equal(t.bRtcp.received.length + t.aRtcp.received.length, 0, 'no RTCP relayed');
    t.e1.close();
    t.e2.close();
    await t.close();
  });

  it('a player holds back the partner’s audio to its peer; bridging again stops it', async () => {
    const t = await bridgedPair(relay);
    const clock = new FakeClock();
    const r2 = new RtpRelay({ host: HOST, portMin: 41400, portMax: 41409, clock });
    const e = await r2.allocateEndpoint();
    const f = await r2.allocateEndpoint();
    const p = await Peer.open();
    const q = await Peer.open();
    e.setRemote(HOST, p.port);
    f.setRemote(HOST, q.port);
    r2.bridge(e, f);
    const player = r2.play(e, { kind: 'tone', tone: 'beep' }, { codec: PCMU });
    await p.waitFor(1, 'first player packet');
    await q.send(rtp(1, 4), f.rtpPort); // would go to P: held back while playing
    await p.send(rtp(1, 5), e.rtpPort); // P→Q still flows
    await q.waitFor(1, 'P→Q during play');
    assert.equal(p.received.length, 1, 'P heard only the player');
    r2.bridge(e, f); // re-bridging stops the player
    await player.done;
    await q.send(rtp(2, 4), f.rtpPort);
    await p.waitFor(2, 'Q→P after the player stopped');
    assert.equal(p.received[1].data[20], 4, 'partner audio resumes');
    await r2.close();
    await Promise.all([p.close(), q.close(), t.close()]);
    t.e1.close();
    t.e2.close();
  });
});

describe('RtpRelay port pool', () => {
  it('rejects with a clear error when the range is exhausted, and reuses closed ports', async () => {
    const relay = new RtpRelay({ host: HOST, portMin: 41301, portMax: 41305 }); // pairs 41302, 41304
    const a = await relay.allocate();
    const b = await relay.allocate();
    assert.deepEqual([a.rtpPort, b.rtpPort].sort(), [41302, 41304]);
    await assert.rejects(relay.allocate(), (err: unknown) => {
      assert.ok(err instanceof PortRangeExhaustedError, 'typed error');
      assert.match((err as Error).message, /41301-41305 exhausted/);
      return true;
    });
    a.close();
    const c = await relay.allocate();
    assert.equal(c.rtpPort, a.rtpPort, 'the freed pair is allocated again');
    assert.equal(relay.stats().endpoints, 2);
    await relay.close();
    assert.equal(relay.stats().endpoints, 0);
    await assert.rejects(relay.allocate(), /closed/);
  });

  it('skips pairs whose ports another process holds', async () => {
    const squatter = createSocket('udp4');
    await new Promise<void>((r) => squatter.bind(41321, HOST, () => r())); // RTCP port of pair 41320
    const relay = new RtpRelay({ host: HOST, portMin: 41320, portMax: 41323 });
    const e = await relay.allocate();
    assert.equal(e.rtpPort, 41322, 'pair 41320/41321 skipped');
    await assert.rejects(relay.allocate(), PortRangeExhaustedError);
    await relay.close();
    await new Promise<void>((r) => squatter.close(() => r()));
  });

  it('refuses bad options and foreign endpoints', () => {
    assert.throws(() => new RtpRelay({ host: 'localhost', portMin: 41000, portMax: 41010 }), /IP address/);
    assert.throws(() => new RtpRelay({ host: HOST, portMin: 41001, portMax: 41001 }), RangeError);
    const relay = new RtpRelay({ host: HOST, portMin: 41330, portMax: 41339 });
    const fake = { id: 'x' } as unknown as RelayEndpoint;
    assert.throws(() => relay.bridge(fake, fake), /not allocated by this relay/);
  });
});
