// UDP over real loopback sockets: §18.2.1 received/rport stamping, §18.2.2 response routing, §18.1.2
// response checks, stateless 400s, keep-alives and garbage.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SipRequest, SipResponse, createResponse, parseMessage } from '../../../../src/sip/message/index.ts';
import { FakeClock } from '../../../../src/sip/testing/index.ts';
import { SipTransportLayer } from '../../../../src/sip/transport/index.ts';
import { UdpPeer, corpus, request, response, settle, startLayer, until } from './helpers.ts';
import type { Harness } from './helpers.ts';

describe('SipTransportLayer over UDP', () => {
  let h: Harness;
  let peer: UdpPeer;
  let other: UdpPeer;

  before(async () => {
    h = await startLayer({ clock: new FakeClock() });
    peer = await UdpPeer.open();
    other = await UdpPeer.open();
  });
  after(async () => {
    await h.layer.close();
    await peer.close();
    await other.close();
  });

  const reset = (): void => {
    h.inbound.length = 0;
    h.errors.length = 0;
    peer.received.length = 0;
    other.received.length = 0;
  };

  test('localEndpoint and isReliable', () => {
    assert.deepEqual(h.layer.localEndpoint('udp'), {
      transport: 'UDP',
      address: '127.0.0.1',
      port: h.layer.udpPort,
    });
    assert.deepEqual(h.layer.localEndpoint('TCP'), {
      transport: 'TCP',
      address: '127.0.0.1',
      port: h.layer.tcpPort,
    });
    assert.ok(h.layer.udpPort > 0 && h.layer.tcpPort > 0);
    assert.equal(h.layer.isReliable('UDP'), false);
    assert.equal(h.layer.isReliable('tcp'), true);
  });

  test('rport without value is filled with the source port, received added, response goes there', async () => {
    reset();
    peer.send(request({ via: `SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-r1;rport` }), h.layer.udpPort);
    await until(() => h.inbound.length === 1, 'inbound request');
    const m = h.inbound[0];
    assert.ok(m.message instanceof SipRequest);
    assert.deepEqual(m.source, { transport: 'UDP', address: '127.0.0.1', port: peer.port });
    assert.deepEqual(m.local, { transport: 'UDP', address: '127.0.0.1', port: h.layer.udpPort });
    assert.equal(m.connectionId, undefined);
    const via = m.message.topVia!;
    assert.equal(via.params.rport, String(peer.port));
    assert.equal(via.params.received, '127.0.0.1'); // RFC 3581 §4: even when equal to sent-by
    h.layer.sendResponse(createResponse(m.message, 200), m.connectionId);
    const res = parseMessage(await peer.nth(1));
    assert.ok(res instanceof SipResponse);
    assert.equal(res.status, 200);
    assert.equal(res.topVia?.params.rport, String(peer.port));
  });

  test('without rport the response goes to the sent-by port, not the source port', async () => {
    reset();
    // sent-by names the other peer's port; the packet comes from `peer`.
    peer.send(request({ via: `SIP/2.0/UDP 127.0.0.1:${other.port};branch=z9hG4bK-r2` }), h.layer.udpPort);
    await until(() => h.inbound.length === 1, 'inbound request');
    const req = h.inbound[0].message as SipRequest;
    assert.equal(req.topVia?.params.received, undefined, 'same address: no received (§18.2.1)');
    h.layer.sendResponse(createResponse(req, 180), undefined);
    const res = parseMessage(await other.nth(1)) as SipResponse;
    assert.equal(res.status, 180);
    await settle(30);
    assert.equal(peer.received.length, 0);
  });

  test('a sent-by host name gets received=<source address>; the response goes to received:sent-by-port', async () => {
    reset();
    peer.send(
      request({ via: `SIP/2.0/UDP client.invalid:${other.port};branch=z9hG4bK-r3` }),
      h.layer.udpPort,
    );
    await until(() => h.inbound.length === 1, 'inbound request');
    const req = h.inbound[0].message as SipRequest;
    assert.equal(req.topVia?.params.received, '127.0.0.1');
    assert.match(req.get('Via') ?? '', /client\.invalid:\d+;branch=z9hG4bK-r3;received=127\.0\.0\.1/);
    h.layer.sendResponse(createResponse(req, 486, 'Busy Here'), undefined);
    const res = parseMessage(await other.nth(1)) as SipResponse;
    assert.equal(res.status, 486);
  });

  test('maddr sends the response to that address', async () => {
    reset();
    peer.send(
      request({ via: `SIP/2.0/UDP 192.0.2.1:${other.port};branch=z9hG4bK-m1;maddr=127.0.0.1` }),
      h.layer.udpPort,
    );
    await until(() => h.inbound.length === 1, 'inbound request');
    h.layer.sendResponse(createResponse(h.inbound[0].message as SipRequest, 200), undefined);
    assert.equal((parseMessage(await other.nth(1)) as SipResponse).status, 200);
  });

  test('requests go out with sendRequest and responses with our Via come back in', async () => {
    reset();
    const req = new SipRequest('OPTIONS', 'sip:peer@127.0.0.1', [
      ['Via', `SIP/2.0/UDP 127.0.0.1:${h.layer.udpPort};branch=z9hG4bK-out1`],
      ['Max-Forwards', '70'],
      ['From', '<sip:a@x>;tag=1'],
      ['To', '<sip:b@y>'],
      ['Call-ID', 'out-1@test'],
      ['CSeq', '1 OPTIONS'],
    ]);
    h.layer.sendRequest(req, { transport: 'UDP', address: '127.0.0.1', port: peer.port });
    const got = parseMessage(await peer.nth(1)) as SipRequest;
    assert.equal(got.method, 'OPTIONS');
    assert.equal(got.branch, 'z9hG4bK-out1');
    peer.send(response(`SIP/2.0/UDP 127.0.0.1:${h.layer.udpPort};branch=z9hG4bK-out1`), h.layer.udpPort);
    await until(() => h.inbound.length === 1, 'inbound response');
    assert.equal((h.inbound[0].message as SipResponse).status, 200);
    assert.equal(
      (h.inbound[0].message as SipResponse).topVia?.params.received,
      undefined,
      'responses are not stamped',
    );
  });

  test('a response whose top Via is not ours is dropped (§18.1.2, RFC 4475 bcast)', async () => {
    reset();
    peer.send(corpus('bcast'), h.layer.udpPort);
    peer.send(response(`SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bK-x`), h.layer.udpPort); // our host, not our port
    peer.send(response(`SIP/2.0/UDP 127.0.0.1:${h.layer.udpPort};branch=z9hG4bK-ok`), h.layer.udpPort);
    await until(() => h.inbound.length === 1, 'the one good response');
    await settle(30);
    assert.equal(h.inbound.length, 1);
    assert.equal((h.inbound[0].message as SipResponse).branch, 'z9hG4bK-ok');
    assert.equal(peer.received.length, 0, 'responses never get error responses');
  });

  test('clerr over UDP gets a stateless 400 routed by Via, and is not delivered', async () => {
    reset();
    const text = corpus('clerr')
      .toString('latin1')
      .replace(
        'Via: SIP/2.0/UDP host5.example.com;',
        `Via: SIP/2.0/UDP host5.example.com:${peer.port};rport;`,
      );
    peer.send(Buffer.from(text, 'latin1'), h.layer.udpPort);
    const res = parseMessage(await peer.nth(1)) as SipResponse;
    assert.equal(res.status, 400);
    assert.equal(res.callId, 'clerr.0ha0isndaksdjweiafasdk3');
    assert.equal(res.topVia?.params.received, '127.0.0.1');
    assert.ok(res.toTag !== undefined, 'stateless error responses carry a To tag');
    assert.equal(h.inbound.length, 0);
  });

  test('a request failing validation gets its error status (RFC 4475 mismatch01 → 400)', async () => {
    reset();
    const text = corpus('mismatch01')
      .toString('latin1')
      .replace(/Via: SIP\/2\.0\/UDP [^;\r]+;/, `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};`);
    peer.send(Buffer.from(text, 'latin1'), h.layer.udpPort);
    assert.equal((parseMessage(await peer.nth(1)) as SipResponse).status, 400);
    assert.equal(h.inbound.length, 0);
  });

  test('dblreq: the datagram is the message, trailing bytes ignored', async () => {
    reset();
    peer.send(corpus('dblreq'), h.layer.udpPort);
    await until(() => h.inbound.length === 1, 'dblreq');
    await settle(30);
    assert.equal(h.inbound.length, 1);
    const req = h.inbound[0].message as SipRequest;
    assert.equal(req.method, 'REGISTER');
    assert.equal(req.body.length, 0);
  });

  test('keep-alives, garbage and Via-less requests never crash and are never delivered', async () => {
    reset();
    peer.send(Buffer.from('\r\n\r\n'), h.layer.udpPort);
    peer.send(Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42]), h.layer.udpPort); // STUN-like
    peer.send(Buffer.from('\xff\xfe garbage \r\n\r\n', 'latin1'), h.layer.udpPort);
    peer.send(Buffer.from('INVITE sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n'), h.layer.udpPort);
    const noVia = request({ via: 'x' }).toString('latin1').replace('Via: x\r\n', '');
    peer.send(Buffer.from(noVia, 'latin1'), h.layer.udpPort);
    for (let i = 0; i < 50; i++) {
      const junk = Buffer.from(request({ via: `SIP/2.0/UDP 127.0.0.1:${peer.port}` }));
      junk[(i * 7919) % junk.length] ^= 0x5a;
      junk[(i * 104729) % junk.length] = 0x0d;
      peer.send(junk.subarray(0, junk.length - (i % 13)), h.layer.udpPort);
    }
    // the layer still works afterwards
    peer.send(
      request({ via: `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK-alive`, callId: 'alive' }),
      h.layer.udpPort,
    );
    await until(() => h.inbound.some((m) => m.message.callId === 'alive'), 'the good request');
    for (const m of h.inbound) assert.ok(m.message.has('Via'));
  });

  test('send failures are reported through onError, never thrown', async () => {
    reset();
    const req = new SipRequest('OPTIONS', 'sip:x@127.0.0.1', [
      ['Via', `SIP/2.0/UDP 127.0.0.1:${h.layer.udpPort};branch=z9hG4bK-f1`],
    ]);
    h.layer.sendRequest(req, { transport: 'UDP', address: '127.0.0.1', port: 0 });
    h.layer.sendRequest(req, { transport: 'SCTP', address: '127.0.0.1', port: 5060 });
    await until(() => h.errors.length === 2, 'two errors');
    // Each failure is reported once, with its message; the UDP one after the turn's datagrams went out.
    for (const e of h.errors) assert.equal(e.message, req);
    const causes = h.errors.map((e) => e.cause.message).sort();
    assert.match(causes[0], /Port should be > 0/);
    assert.match(causes[1], /unsupported transport/);
  });

  test('a queue probe comes back through the SIP socket and never reaches the upper layer', async () => {
    reset();
    assert.equal(
      h.layer.probeQueue(() => {}),
      false,
      'the first call opens the probe socket',
    );
    let arrived = 0;
    await until(() => h.layer.probeQueue(() => arrived++), 'the probe socket bound');
    await until(() => arrived === 1, 'the probe read');
    // A probe superseded by a newer one: only the newer one's arrival is reported.
    let first = 0;
    let second = 0;
    assert.equal(
      h.layer.probeQueue(() => first++),
      true,
    );
    assert.equal(
      h.layer.probeQueue(() => second++),
      true,
    );
    await until(() => second === 1, 'the second probe read');
    await settle(20);
    assert.equal(first, 0, 'the superseded probe is ignored');
    // The same bytes from any other source are SIP garbage, not a probe.
    peer.send(Buffer.from('ringd-queue-probe:\0\0\0\x03'), h.layer.udpPort);
    await settle(30);
    assert.equal(h.inbound.length, 0, 'nothing delivered upward');
    assert.equal(arrived + first + second, 2);
  });

  for (const host of ['0.0.0.0', '::1']) {
    test(`a queue probe also comes back when bound to ${host}`, async () => {
      const l = await startLayer({ clock: new FakeClock(), host });
      try {
        let n = 0;
        await until(() => l.layer.probeQueue(() => n++), 'the probe socket bound');
        await until(() => n === 1, 'the probe read');
        assert.equal(l.inbound.length, 0);
      } finally {
        await l.layer.close();
      }
    });
  }

  test('no probe before listen() or after close()', async () => {
    const unbound = new SipTransportLayer();
    assert.equal(
      unbound.probeQueue(() => {}),
      false,
    );
    await unbound.close();
    const fresh = await startLayer({ clock: new FakeClock() });
    let n = 0;
    await until(() => fresh.layer.probeQueue(() => n++), 'the probe socket bound');
    await until(() => n === 1, 'the probe read');
    await fresh.layer.close();
    assert.equal(
      fresh.layer.probeQueue(() => n++),
      false,
    );
  });
});
