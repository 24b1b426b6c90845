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
    // RTCP sockets are bound once media flows (first RTP from each peer)
    await t.a.send(rtp(1, 1), t.e1.rtpPort);
    await t.b.waitFor(1, 'RTP A→B');
    await t.b.send(rtp(1, 2), t.e2.rtpPort);
    await t.a.waitFor(1, 'RTP B→A');
    await Promise.all([t.e1.pair.needRtcp(), t.e2.pair.needRtcp()]);
    await t.aRtcp.send(rtcp(7), t.e1.rtcpPort);
    await t.bRtcp.waitFor(1, 'RTCP A→B');
    assert.deepEqual(t.bRtcp.received[0].data, rtcp(7));
    assert.equal(t.bRtcp.received[0].from.port, t.e2.rtcpPort, 'sent from the RTCP port');
    await t.bRtcp.send(rtcp(8), t.e2.rtcpPort);
    await t.aRtcp.waitFor(1, 'RTCP B→A');
    assert.equal(t.e1.stats().rtcpIn, 1);
    assert.equal(t.e1.stats().rtcpOut, 1);
    assert.equal(t.e2.stats().rtcpOut, 1);
    assert.equal(t.b.received.length + t.a.received.length, 2, 'no RTCP on the RTP sockets');
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
    while (t.e1.stats().rtpIn < 2) await new Promise((r) => setImmediate(r));
    await t.e1.pair.needRtcp(); // bound by the first packet on the RTP port
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

  it('skips pairs whose RTP port another process holds; a taken RTCP port only loses RTCP', async () => {
    const squatter = createSocket('udp4');
    await new Promise<void>((r) => squatter.bind(41320, HOST, () => r())); // RTP port of pair 41320
    const relay = new RtpRelay({ host: HOST, portMin: 41320, portMax: 41323 });
    const e = await relay.allocateEndpoint();
    assert.equal(e.rtpPort, 41322, 'pair 41320/41321 skipped');
    await assert.rejects(relay.allocate(), PortRangeExhaustedError);
    const rtcpSquatter = createSocket('udp4');
    await new Promise<void>((r) => rtcpSquatter.bind(41323, HOST, () => r()));
    await e.pair.needRtcp();
    assert.equal(e.pair.rtcpUnavailable, true);
    assert.equal(relay.socketErrors, 1, 'counted, not thrown');
    await relay.close();
    await new Promise<void>((r) => squatter.close(() => r()));
    await new Promise<void>((r) => rtcpSquatter.close(() => r()));
  });

  it('refuses bad options and foreign endpoints', () => {
    assert.throws(() => new RtpRelay({ host: 'localhost', portMin: 41000, portMax: 41010 }), /IP address/);
    assert.throws(() => new RtpRelay({ host: HOST, portMin: 41001, portMax: 41001 }), RangeError);
    const relay = new RtpRelay({ host: HOST, portMin: 41330, portMax: 41339 });
    const fake = { id: 'x' } as unknown as RelayEndpoint;
    assert.throws(() => relay.bridge(fake, fake), /not allocated by this relay/);
  });
});

describe('RtpRelay socket pool', () => {
  it('lends a released pair again only after its quarantine, oldest first', async () => {
    const clock = new FakeClock();
    const relay = new RtpRelay({ host: HOST, portMin: 41500, portMax: 41509, clock, quarantineMs: 1000 });
    const a = await relay.allocate();
    a.close();
    assert.equal(relay.stats().pooledPairs, 1, 'the pair stays bound in the pool');
    const b = await relay.allocate();
    assert.notEqual(b.rtpPort, a.rtpPort, 'in quarantine: a fresh pair is bound instead');
    clock.advance(1000);
    const c = await relay.allocate();
    assert.equal(c.rtpPort, a.rtpPort, 'after the quarantine the pooled pair is lent again');
    assert.equal(relay.stats().pooledPairs, 0);
    await relay.close();
    assert.deepEqual(relay.stats(), { endpoints: 0, packetsRelayed: 0, pooledPairs: 0, sockets: 0 });
  });

  it('a pair whose peer never answered and never sent a packet skips the quarantine: lent again at once, last released first', async () => {
    const clock = new FakeClock();
    const relay = new RtpRelay({ host: HOST, portMin: 41530, portMax: 41539, clock, quarantineMs: 1000 });
    const [a, b, c] = [relay.allocateNow(), relay.allocateNow(), relay.allocateNow()];
    a.close(); // an answered call's endpoint: quarantined
    b.close({ unanswered: true }); // a ring-all member cancelled while it rang
    c.close({ unanswered: true });
    assert.equal(relay.stats().pooledPairs, 3);
    assert.equal(relay.allocateNow().rtpPort, c.rtpPort, 'the last one released first');
    assert.equal(relay.allocateNow().rtpPort, b.rtpPort);
    const d = relay.allocateNow();
    assert.ok(![a.rtpPort, b.rtpPort, c.rtpPort].includes(d.rtpPort), 'a is still in quarantine: a new pair');
    clock.advance(1000);
    assert.equal(relay.allocateNow().rtpPort, a.rtpPort, 'a after its quarantine');
    await relay.close();
    assert.equal(relay.stats().sockets, 0);
  });

  it('an unanswered endpoint that received a packet is quarantined all the same', async () => {
    const clock = new FakeClock();
    const relay = new RtpRelay({ host: HOST, portMin: 41540, portMax: 41549, clock, quarantineMs: 1000 });
    const e = relay.allocateNow();
    const peer = await Peer.open();
    await peer.send(rtp(1, 9), e.rtpPort); // early media nobody signalled
    while (e.stats().rtpIn < 1) await new Promise((r) => setImmediate(r));
    e.close({ unanswered: true });
    assert.notEqual(relay.allocateNow().rtpPort, e.rtpPort, 'its late packets are kept from the next call');
    await relay.close();
    await peer.close();
  });

  it('ready pairs idle longer than idleCloseMs are closed; closing the relay closes them', async () => {
    const clock = new FakeClock();
    const relay = new RtpRelay({ host: HOST, portMin: 41550, portMax: 41555, clock, idleCloseMs: 5000 });
    const [a, b] = [relay.allocateNow(), relay.allocateNow()];
    a.close({ unanswered: true });
    clock.advance(3000);
    b.close({ unanswered: true });
    clock.advance(2500); // a idle 5.5 s, b 2.5 s
    await new Promise((r) => setImmediate(r));
    assert.equal(relay.stats().pooledPairs, 1, 'a was closed');
    assert.equal(relay.allocateNow().rtpPort, b.rtpPort, 'b is still ready');
    const c = relay.allocateNow();
    c.close({ unanswered: true });
    await relay.close();
    assert.deepEqual(relay.stats(), { endpoints: 0, packetsRelayed: 0, pooledPairs: 0, sockets: 0 });
  });

  it('maxIdlePairs counts ready pairs too: past it the oldest released pair is closed', async () => {
    const relay = new RtpRelay({ host: HOST, portMin: 41560, portMax: 41569, maxIdlePairs: 2 });
    const eps = [relay.allocateNow(), relay.allocateNow(), relay.allocateNow()];
    eps[0].close({ unanswered: true });
    eps[1].close({ unanswered: true });
    eps[2].close({ unanswered: true });
    assert.equal(relay.stats().pooledPairs, 2);
    assert.equal(relay.allocateNow().rtpPort, eps[2].rtpPort);
    assert.equal(relay.allocateNow().rtpPort, eps[1].rtpPort, 'eps[0], the oldest, was closed');
    await relay.close();
  });

  it('drops what arrives on a pooled pair; the next holder relays only its own peers', async () => {
    const clock = new FakeClock();
    const relay = new RtpRelay({ host: HOST, portMin: 41510, portMax: 41513, clock, quarantineMs: 0 });
    const t = await bridgedPair(relay);
    const oldPort = t.e1.rtpPort;
    t.e1.close();
    t.e2.close();
    const late = await Peer.open();
    await late.send(rtp(1, 7), oldPort); // a late packet of the ended call
    await new Promise((r) => setTimeout(r, 20));
    const x = await relay.allocateEndpoint();
    const y = await relay.allocateEndpoint();
    assert.deepEqual([x.rtpPort, y.rtpPort].sort(), [41510, 41512], 'both pairs reused');
    const c = await Peer.open();
    const d = await Peer.open();
    x.setRemote(HOST, c.port);
    y.setRemote(HOST, d.port);
    relay.bridge(x, y);
    await c.send(rtp(1, 3), x.rtpPort);
    await d.waitFor(1, 'new call relayed');
    assert.equal(d.received[0].data[20], 3, 'the new peer’s packet, not the stale one');
    assert.equal(t.a.received.length + t.b.received.length, 0, 'old peers get nothing');
    await relay.close();
    await Promise.all([t.close(), late.close(), c.close(), d.close()]);
  });

  it('closes pairs idle longer than idleCloseMs, freeing their ports', async () => {
    const clock = new FakeClock();
    const relay = new RtpRelay({ host: HOST, portMin: 41520, portMax: 41521, clock, idleCloseMs: 5000 });
    const a = await relay.allocate();
    const port = a.rtpPort;
    a.close();
    clock.advance(4000);
    assert.equal(relay.stats().pooledPairs, 1);
    clock.advance(6000);
    assert.equal(relay.stats().pooledPairs, 0, 'swept');
    // the OS has the ports back: another socket can bind them
    for (let i = 0; i < 50; i++) {
      const s = createSocket('udp4');
      const ok = await new Promise<boolean>((r) => {
        s.once('error', () => r(false));
        s.bind(port, HOST, () => r(true));
      });
      await new Promise<void>((r) => s.close(() => r()));
      if (ok) break;
      assert.ok(i < 49, 'port freed');
      await new Promise((r) => setTimeout(r, 10));
    }
    await relay.close();
  });

  it('keeps at most maxIdlePairs bound', async () => {
    const relay = new RtpRelay({ host: HOST, portMin: 41530, portMax: 41549, maxIdlePairs: 2 });
    const eps = await Promise.all([1, 2, 3, 4].map(() => relay.allocate()));
    for (const e of eps) e.close();
    assert.equal(relay.stats().pooledPairs, 2);
    await relay.close();
  });

  it('by default keeps every pair of its range pooled (more than the 2 048 it once capped at)', async () => {
    // At 650 group calls/s the 1 s quarantine alone holds ~2 600 released pairs; a cap below that closed and
    // bound sockets on every call (bench:groupcall's profile: ~7 % of the event loop).
    const relay = new RtpRelay({ host: HOST, portMin: 42000, portMax: 46199 });
    const eps = Array.from({ length: 2100 }, () => relay.allocateNow());
    for (const e of eps) e.close();
    assert.equal(relay.stats().pooledPairs, 2100);
    assert.equal(relay.stats().sockets, 2100, 'still bound, ready to lend');
    await relay.close();
    assert.equal(relay.stats().sockets, 0);
  });
});

describe('RtpRelay lazy RTCP', () => {
  it('binds an endpoint’s RTCP port only once RTP arrives from its peer', async () => {
    const relay = new RtpRelay({ host: HOST, portMin: 41600, portMax: 41619 });
    const e = await relay.allocateEndpoint();
    const f = await relay.allocateEndpoint();
    const p = await Peer.open();
    const q = await Peer.open();
    e.setRemote(HOST, p.port);
    f.setRemote(HOST, q.port);
    relay.bridge(e, f);
    assert.equal(relay.stats().sockets, 2, 'one socket per endpoint while no media flows');
    // the RTCP port is ours but unbound: another socket of this process could not take it from the range
    await p.send(rtp(1, 1), e.rtpPort);
    await q.waitFor(1, 'RTP relayed');
    await e.pair.needRtcp();
    assert.equal(relay.stats().sockets, 3, 'e bound its RTCP socket when media arrived');
    await p.send(rtcp(3), e.rtcpPort); // f’s RTCP is not bound yet: this report is dropped, f binds
    while (e.stats().rtcpIn < 1) await new Promise((r) => setImmediate(r));
    await f.pair.needRtcp();
    assert.equal(relay.stats().sockets, 4);
    await p.send(rtcp(4), e.rtcpPort);
    while (f.stats().rtcpOut < 1) await new Promise((r) => setImmediate(r));
    assert.equal(e.stats().dropped, 1, 'the report sent before f could send RTCP');
    await relay.close();
    assert.equal(relay.stats().sockets, 0);
    await Promise.all([p.close(), q.close()]);
  });
});

describe('RtpRelay warm-up', () => {
  it('binds pairs ahead of traffic that the first endpoints use at once', async () => {
    const clock = new FakeClock();
    const relay = new RtpRelay({ host: HOST, portMin: 41560, portMax: 41579, clock, idleCloseMs: 5000 });
    assert.equal(await relay.warm(3), 3);
    assert.equal(relay.stats().pooledPairs, 3);
    const e = await relay.allocate();
    assert.equal(relay.stats().pooledPairs, 2, 'a prebound pair was lent, no quarantine to wait for');
    assert.ok(e.rtpPort >= 41560 && e.rtpPort <= 41564);
    clock.advance(6000);
    assert.equal(relay.stats().pooledPairs, 0, 'unused prebound pairs are swept like any idle pair');
    await relay.close();
  });
});
