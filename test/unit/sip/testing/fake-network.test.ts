// FakeNetwork / FakeTransportLayer: delivery through the real parser on the fake clock, the inbound rules
// of the real layer, TCP connection reuse, fault injection and the capture log.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SipRequest, SipResponse, createResponse } from '../../../../src/sip/message/index.ts';
import { FakeClock, FakeNetwork } from '../../../../src/sip/testing/index.ts';
import type { FakeTransportLayer } from '../../../../src/sip/testing/index.ts';
import type { InboundMessage, TransportError } from '../../../../src/sip/transport/index.ts';

function setup(latencyMs?: number) {
  const clock = new FakeClock();
  const net = new FakeNetwork({ clock, latencyMs });
  const alice = net.attach({ address: '10.0.0.1' });
  const bob = net.attach({ address: '10.0.0.2', udpPort: 5070, tcpPort: 5071 });
  const got = { alice: [] as InboundMessage[], bob: [] as InboundMessage[], errors: [] as TransportError[] };
  alice.onMessage = (m) => got.alice.push(m);
  bob.onMessage = (m) => got.bob.push(m);
  alice.onError = (e) => got.errors.push(e);
  return { clock, net, alice, bob, got };
}

function options(
  from: FakeTransportLayer,
  transport: 'UDP' | 'TCP',
  branch: string,
  viaHost?: string,
): SipRequest {
  const l = from.localEndpoint(transport);
  return new SipRequest('OPTIONS', 'sip:bob@10.0.0.2', [
    ['Via', `SIP/2.0/${transport} ${viaHost ?? l.address}:${l.port};branch=${branch};rport`],
    ['Max-Forwards', '70'],
    ['From', '<sip:alice@a>;tag=1'],
    ['To', '<sip:bob@b>'],
    ['Call-ID', `${branch}@test`],
    ['CSeq', '1 OPTIONS'],
  ]);
}

const bobUdp = { transport: 'UDP', address: '10.0.0.2', port: 5070 };
const bobTcp = { transport: 'TCP', address: '10.0.0.2', port: 5071 };

describe('FakeNetwork over UDP', () => {
  test('delivers serialized bytes through the parser on advance(0), never synchronously', () => {
    const { clock, net, alice, got } = setup();
    const req = options(alice, 'UDP', 'z9hG4bK-1');
    alice.sendRequest(req, bobUdp);
    assert.equal(got.bob.length, 0);
    clock.advance(0);
    assert.equal(got.bob.length, 1);
    const m = got.bob[0];
    assert.notEqual(m.message, req, 'a parsed copy, not the sent object');
    assert.equal(m.message.branch, 'z9hG4bK-1');
    assert.deepEqual(m.source, { transport: 'UDP', address: '10.0.0.1', port: 5060 });
    assert.deepEqual(m.local, bobUdp);
    assert.equal(m.message.topVia?.params.rport, '5060', 'rport filled as by the real layer');
    assert.equal(net.sent.length, 1);
    assert.deepEqual(net.sent[0].bytes, req.toBuffer());
    assert.equal(net.sent[0].message?.branch, 'z9hG4bK-1');
  });

  test('a request/response exchange completes in one advance(0), routed by Via', () => {
    const { clock, net, alice, bob, got } = setup();
    bob.onMessage = (m) => bob.sendResponse(createResponse(m.message as SipRequest, 200), m.connectionId);
    alice.sendRequest(options(alice, 'UDP', 'z9hG4bK-2'), bobUdp);
    clock.advance(0);
    assert.equal(got.alice.length, 1);
    const res = got.alice[0].message as SipResponse;
    assert.equal(res.status, 200);
    assert.equal(res.topVia?.params.received, '10.0.0.1');
    assert.deepEqual(
      net.sent.map((p) => [p.from.address, p.to.address]),
      [
        ['10.0.0.1', '10.0.0.2'],
        ['10.0.0.2', '10.0.0.1'],
      ],
    );
  });

  test('latency delays delivery on the clock', () => {
    const { clock, alice, got } = setup(20);
    alice.sendRequest(options(alice, 'UDP', 'z9hG4bK-3'), bobUdp);
    clock.advance(19);
    assert.equal(got.bob.length, 0);
    clock.advance(1);
    assert.equal(got.bob.length, 1);
  });

  test('responses whose top Via is not ours are dropped; broken requests get a stateless 400', () => {
    const { clock, net, alice, bob, got } = setup();
    // maddr steers it to bob, but its sent-by is not bob's: §18.1.2 says discard
    const foreign = new SipResponse(200, 'OK', [
      ['Via', 'SIP/2.0/UDP 192.0.2.99:5070;maddr=10.0.0.2;branch=z9hG4bK-4'],
      ['From', '<sip:a@a>;tag=1'],
      ['To', '<sip:b@b>;tag=2'],
      ['Call-ID', 'f@test'],
      ['CSeq', '1 OPTIONS'],
    ]);
    alice.sendResponse(foreign);
    alice.sendResponse(createResponse(options(bob, 'UDP', 'z9hG4bK-5'), 200));
    const broken = options(alice, 'UDP', 'z9hG4bK-6');
    broken.set('CSeq', '1 INVITE'); // method mismatch → 400 (validateRequest)
    alice.sendRequest(broken, bobUdp);
    clock.advance(0);
    assert.equal(got.bob.length, 1, 'the response with our Via');
    assert.equal(got.alice.length, 1, 'the stateless 400 reaches alice (her Via)');
    assert.equal((got.alice[0].message as SipResponse).status, 400);
    assert.deepEqual(
      bob.drops.map((d) => d.reason),
      ['response-via-not-ours'],
    );
    assert.ok(net.sent.some((p) => p.message instanceof SipResponse && p.message.status === 400));
    alice.sendRequest(options(alice, 'UDP', 'z9hG4bK-7'), {
      transport: 'UDP',
      address: '192.0.2.1',
      port: 5060,
    });
    clock.advance(0);
    assert.equal(net.sent.at(-1)?.dropped, 'unreachable');
  });
});

describe('FakeNetwork over TCP', () => {
  test('connects once, answers on the connection, reuses it for requests both ways', () => {
    const { clock, net, alice, bob, got } = setup();
    bob.onMessage = (m) => {
      got.bob.push(m);
      if (m.message instanceof SipRequest) bob.sendResponse(createResponse(m.message, 200), m.connectionId);
    };
    alice.sendRequest(options(alice, 'TCP', 'z9hG4bK-t1'), bobTcp);
    alice.sendRequest(options(alice, 'TCP', 'z9hG4bK-t2'), bobTcp);
    clock.advance(0);
    assert.equal(net.openConnections().length, 1);
    const conn = net.openConnections()[0];
    assert.equal(got.bob[0].connectionId, conn.id);
    assert.deepEqual(got.bob[0].source, conn.client);
    assert.equal(got.alice.length, 2);
    assert.equal(got.alice[0].connectionId, conn.id);
    // bob → alice's connection end (like a registrar using the flow) reuses the connection
    bob.sendRequest(options(bob, 'TCP', 'z9hG4bK-t3'), conn.client);
    clock.advance(0);
    assert.equal(net.openConnections().length, 1);
    assert.equal(got.alice[2].message.branch, 'z9hG4bK-t3');
    assert.ok(net.sent.every((p) => p.connectionId === conn.id));
  });

  test('after closeConnection, a response falls back to the Via (a new connection)', () => {
    const { clock, net, alice, bob, got } = setup();
    alice.sendRequest(options(alice, 'TCP', 'z9hG4bK-t4'), bobTcp);
    clock.advance(0);
    const first = got.bob[0];
    net.closeConnection(first.connectionId!);
    bob.sendResponse(createResponse(first.message as SipRequest, 200), first.connectionId);
    clock.advance(0);
    assert.equal(got.alice.length, 1);
    assert.notEqual(got.alice[0].connectionId, first.connectionId);
    assert.deepEqual(got.alice[0].local, { transport: 'TCP', address: '10.0.0.1', port: 5060 });
  });

  test('connecting to nobody reports ECONNREFUSED through onError, after the latency', () => {
    const { clock, alice, got } = setup(5);
    const req = options(alice, 'TCP', 'z9hG4bK-t5');
    alice.sendRequest(req, { transport: 'TCP', address: '10.9.9.9', port: 5060 });
    clock.advance(4);
    assert.equal(got.errors.length, 0);
    clock.advance(1);
    assert.equal(got.errors.length, 1);
    assert.equal(got.errors[0].message, req);
    assert.equal((got.errors[0].cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  });

  test('variable latency never reorders a stream', () => {
    const clock = new FakeClock();
    let n = 0;
    const net = new FakeNetwork({ clock, latencyMs: () => (n++ % 2 === 0 ? 50 : 1) });
    const a = net.attach({ address: '10.0.0.1' });
    const b = net.attach({ address: '10.0.0.2' });
    const order: string[] = [];
    b.onMessage = (m) => order.push(m.message.branch ?? '');
    for (let i = 0; i < 4; i++)
      a.sendRequest(options(a, 'TCP', `z9hG4bK-o${i}`), {
        transport: 'TCP',
        address: '10.0.0.2',
        port: 5060,
      });
    clock.runUntilIdle();
    assert.deepEqual(order, ['z9hG4bK-o0', 'z9hG4bK-o1', 'z9hG4bK-o2', 'z9hG4bK-o3']);
  });
});

describe('FakeNetwork fault injection', () => {
  test('dropNext drops the next matching packets only', () => {
    const { clock, net, alice, got } = setup();
    net.dropNext((p) => p.message instanceof SipRequest && p.message.method === 'OPTIONS', 2);
    for (let i = 0; i < 3; i++) alice.sendRequest(options(alice, 'UDP', `z9hG4bK-d${i}`), bobUdp);
    clock.advance(0);
    assert.deepEqual(
      got.bob.map((m) => m.message.branch),
      ['z9hG4bK-d2'],
    );
    assert.deepEqual(
      net.sent.map((p) => p.dropped),
      ['drop-next', 'drop-next', undefined],
    );
    assert.equal(net.delivered().length, 1);
  });

  test('setLoss with a deterministic function, removable', () => {
    const { clock, net, alice, got } = setup();
    let i = 0;
    net.setLoss(() => i++ % 2 === 0);
    for (let k = 0; k < 4; k++) alice.sendRequest(options(alice, 'UDP', `z9hG4bK-l${k}`), bobUdp);
    clock.advance(0);
    assert.deepEqual(
      got.bob.map((m) => m.message.branch),
      ['z9hG4bK-l1', 'z9hG4bK-l3'],
    );
    net.setLoss(undefined);
    alice.sendRequest(options(alice, 'UDP', 'z9hG4bK-l4'), bobUdp);
    clock.advance(0);
    assert.equal(got.bob.length, 3);
  });

  test('partition cuts both directions until healed', () => {
    const { clock, net, alice, bob, got } = setup();
    net.partition('10.0.0.2', '10.0.0.1');
    alice.sendRequest(options(alice, 'UDP', 'z9hG4bK-p1'), bobUdp);
    bob.sendRequest(options(bob, 'UDP', 'z9hG4bK-p2'), { transport: 'UDP', address: '10.0.0.1', port: 5060 });
    clock.advance(0);
    assert.equal(got.alice.length + got.bob.length, 0);
    assert.ok(net.sent.every((p) => p.dropped === 'partition'));
    net.heal('10.0.0.1', '10.0.0.2');
    alice.sendRequest(options(alice, 'UDP', 'z9hG4bK-p3'), bobUdp);
    clock.advance(0);
    assert.equal(got.bob.length, 1);
  });

  test('a closed endpoint receives nothing; in-flight packets are lost', async () => {
    const { clock, net, alice, bob, got } = setup(10);
    alice.sendRequest(options(alice, 'UDP', 'z9hG4bK-c1'), bobUdp);
    await bob.close();
    clock.advance(10);
    assert.equal(got.bob.length, 0);
    assert.equal(net.sent[0].dropped, 'unreachable');
    assert.throws(() => net.attach({ address: '10.0.0.1' }), /in use/);
    net.clearSent();
    assert.equal(net.sent.length, 0);
  });
});
