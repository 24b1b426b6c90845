// TCP over real loopback sockets: §18.3 framing, CRLF keep-alives, connection reuse, idle and incomplete
// timers on a fake clock, unrecoverable framing (RFC 4475 ncl, mcl01, missing Content-Length).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { SipRequest, createResponse, parseMessage } from '../../../../src/sip/message/index.ts';
import type { SipResponse } from '../../../../src/sip/message/index.ts';
import { FakeClock } from '../../../../src/sip/testing/index.ts';
import { TcpPeer, corpus, request, response, settle, startLayer, until, within } from './helpers.ts';
import type { Harness } from './helpers.ts';

function outRequest(layerPort: number, branch: string): SipRequest {
  return new SipRequest('OPTIONS', 'sip:peer@127.0.0.1', [
    ['Via', `SIP/2.0/TCP 127.0.0.1:${layerPort};branch=${branch}`],
    ['Max-Forwards', '70'],
    ['From', '<sip:a@x>;tag=1'],
    ['To', '<sip:b@y>'],
    ['Call-ID', `${branch}@test`],
    ['CSeq', '1 OPTIONS'],
  ]);
}

/** A plain TCP server collecting what the layer sends it. */
async function rawServer(): Promise<{ server: net.Server; peers: TcpPeer[]; port: number }> {
  const peers: TcpPeer[] = [];
  const server = net.createServer((s) => peers.push(TcpPeer.wrap(s)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as net.AddressInfo;
  return { server, peers, port: addr.port };
}

async function closeServer(s: { server: net.Server; peers: TcpPeer[] }): Promise<void> {
  for (const p of s.peers) p.close();
  await new Promise<void>((r) => s.server.close(() => r()));
}

describe('SipTransportLayer over TCP', () => {
  let h: Harness;
  let clock: FakeClock;
  const peers: TcpPeer[] = [];
  const connect = async (): Promise<TcpPeer> => {
    const p = await TcpPeer.connect(h.layer.tcpPort);
    peers.push(p);
    return p;
  };

  before(async () => {
    clock = new FakeClock();
    h = await startLayer({ clock, maxHeaderBytes: 4096 });
  });
  after(async () => {
    for (const p of peers) p.close();
    await h.layer.close();
  });
  const reset = (): void => {
    h.inbound.length = 0;
    h.errors.length = 0;
  };

  test('a message split byte by byte, with a binary body framed by Content-Length', async () => {
    reset();
    const body = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) body[i] = i;
    body.write('\r\n\r\nSIP/2.0 200 OK\r\n\r\n', 20, 'latin1'); // looks like framing, is body
    const bytes = request({
      method: 'MESSAGE',
      via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-bb',
      headers: ['Content-Type: application/octet-stream'],
      body,
    });
    const p = await connect();
    await p.writeSlowly(bytes, 7);
    await until(() => h.inbound.length === 1, 'framed message', 5000);
    const m = h.inbound[0];
    assert.ok(m.message instanceof SipRequest);
    assert.equal(m.message.method, 'MESSAGE');
    assert.deepEqual(m.message.body, body);
    assert.equal(m.source.port, p.localPort);
    assert.equal(m.local.port, h.layer.tcpPort);
    assert.equal(typeof m.connectionId, 'number');
  });

  test('several messages in one chunk, leading CRLFs skipped, compact l', async () => {
    reset();
    const p = await connect();
    const one = request({ via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-1', callId: 'c1' });
    const two = Buffer.from(
      request({ via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-2', callId: 'c2', body: 'hello' })
        .toString('latin1')
        .replace('Content-Length: 5', 'l :\r\n 5'),
      'latin1',
    );
    const three = request({ via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-3', callId: 'c3' });
    p.write(Buffer.concat([Buffer.from('\r\n'), one, two, Buffer.from('\r\n'), three]));
    await until(() => h.inbound.length === 3, 'three messages');
    assert.deepEqual(
      h.inbound.map((m) => m.message.callId),
      ['c1', 'c2', 'c3'],
    );
    assert.equal(h.inbound[1].message.body.toString(), 'hello');
    assert.equal(new Set(h.inbound.map((m) => m.connectionId)).size, 1);
  });

  test('CRLF CRLF ping gets a CRLF pong (RFC 5626 §3.5.1)', async () => {
    const p = await connect();
    p.write('\r\n\r\n');
    await p.waitText((t) => t === '\r\n', 'pong');
    await settle(20);
    assert.equal(p.text, '\r\n');
  });

  test('the response goes on the connection the request came on', async () => {
    reset();
    const p = await connect();
    // sent-by port 1: a fallback to Via routing would not reach the peer
    p.write(request({ via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-conn' }));
    await until(() => h.inbound.length === 1, 'request');
    const m = h.inbound[0];
    h.layer.sendResponse(createResponse(m.message as SipRequest, 200), m.connectionId);
    await p.waitText((t) => t.endsWith('\r\n\r\n'), '200 on the same connection');
    assert.equal((parseMessage(p.data, { datagram: false }) as SipResponse).status, 200);
  });

  test('a request to a peer that connected to us reuses that connection', async () => {
    reset();
    const p = await connect();
    p.write(request({ via: `SIP/2.0/TCP 127.0.0.1:${p.localPort};branch=z9hG4bK-reg` }));
    await until(() => h.inbound.length === 1, 'request');
    const before = h.layer.tcpConnectionCount;
    h.layer.sendRequest(outRequest(h.layer.tcpPort, 'z9hG4bK-back'), {
      transport: 'TCP',
      address: '127.0.0.1',
      port: p.localPort,
    });
    await p.waitText((t) => t.startsWith('OPTIONS '), 'request on the inbound connection');
    assert.equal(h.layer.tcpConnectionCount, before);
    // and its response, written back on the same connection, is delivered
    p.write(response(`SIP/2.0/TCP 127.0.0.1:${h.layer.tcpPort};branch=z9hG4bK-back`));
    await until(() => h.inbound.length === 2, 'response');
    assert.equal((h.inbound[1].message as SipResponse).status, 200);
    assert.equal(h.inbound[1].connectionId, h.inbound[0].connectionId);
  });

  test('outbound requests connect once and reuse the connection', async () => {
    reset();
    const srv = await rawServer();
    try {
      const dest = { transport: 'TCP', address: '127.0.0.1', port: srv.port };
      h.layer.sendRequest(outRequest(h.layer.tcpPort, 'z9hG4bK-o1'), dest);
      h.layer.sendRequest(outRequest(h.layer.tcpPort, 'z9hG4bK-o2'), dest);
      await until(
        () => srv.peers.length === 1 && srv.peers[0].text.split('OPTIONS ').length === 3,
        'two requests',
      );
      await settle(20);
      assert.equal(srv.peers.length, 1);
      srv.peers[0].write(response(`SIP/2.0/TCP 127.0.0.1:${h.layer.tcpPort};branch=z9hG4bK-o1`));
      await until(() => h.inbound.length === 1, 'response');
      assert.equal(h.inbound[0].source.port, srv.port);
    } finally {
      await closeServer(srv);
    }
  });

  test('when the request connection is gone the response opens one to received/sent-by (§18.2.2)', async () => {
    reset();
    const srv = await rawServer();
    try {
      const p = await connect();
      p.write(request({ via: `SIP/2.0/TCP client.invalid:${srv.port};branch=z9hG4bK-gone` }));
      await until(() => h.inbound.length === 1, 'request');
      const m = h.inbound[0];
      assert.equal((m.message as SipRequest).topVia?.params.received, '127.0.0.1');
      p.close();
      await until(
        () => h.logs.some((l) => l.event === 'tcp-closed' && l.data?.id === m.connectionId),
        'close seen',
      );
      h.layer.sendResponse(createResponse(m.message as SipRequest, 200), m.connectionId);
      await until(
        () => srv.peers.length === 1 && srv.peers[0].text.startsWith('SIP/2.0 200'),
        'response via Via',
      );
    } finally {
      await closeServer(srv);
    }
  });

  test('connection refused is reported through onError with the message', async () => {
    reset();
    const srv = await rawServer();
    const port = srv.port;
    await closeServer(srv);
    const req = outRequest(h.layer.tcpPort, 'z9hG4bK-refused');
    h.layer.sendRequest(req, { transport: 'TCP', address: '127.0.0.1', port });
    await until(() => h.errors.length === 1, 'onError');
    assert.equal(h.errors[0].message, req);
    assert.equal(h.errors[0].dest.port, port);
    assert.equal((h.errors[0].cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    // a destination node:net rejects synchronously is reported the same way, never thrown
    h.layer.sendRequest(req, { transport: 'TCP', address: '127.0.0.1', port: 70000 });
    await until(() => h.errors.length === 2, 'second onError');
    assert.equal(h.errors[1].dest.port, 70000);
  });

  test('an idle connection is closed after tcpIdleTimeoutMs of virtual time', async () => {
    const p = await connect();
    p.write(request({ via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-idle' }));
    await until(() => h.inbound.some((m) => m.message.branch === 'z9hG4bK-idle'), 'request');
    clock.advance(299_000);
    await settle(30);
    assert.equal(p.closed || p.ended, false, 'still open before the idle timeout');
    clock.advance(1_000);
    await p.waitClosed('idle close');
  });

  test('clerr: an incomplete body is waited for, then the connection closes after the timeout', async () => {
    reset();
    const p = await connect();
    const timersBefore = clock.pendingTimers();
    p.write(corpus('clerr'));
    await until(() => clock.pendingTimers() === timersBefore + 1, 'incomplete-message timer armed');
    clock.advance(31_999);
    await settle(30);
    assert.equal(p.closed || p.ended, false);
    assert.equal(h.inbound.length, 0);
    assert.equal(p.text, '', 'no response: the body may still come');
    clock.advance(1);
    await p.waitClosed('incomplete close');
    assert.equal(h.inbound.length, 0);
  });

  for (const [name, bytes, reason] of [
    ['ncl (negative Content-Length)', () => corpus('ncl'), /^SIP\/2\.0 400 /],
    ['mcl01 (two different Content-Length)', () => corpus('mcl01'), /^SIP\/2\.0 400 /],
    [
      'missing Content-Length',
      () => request({ via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-nocl', contentLength: null }),
      /^SIP\/2\.0 400 Missing Content-Length\r\n/,
    ],
  ] as const) {
    test(`${name} → 400 on the connection, then close`, async () => {
      reset();
      const p = await connect();
      p.write(bytes());
      await p.waitClosed('close after 400');
      assert.match(p.text, reason);
      const res = parseMessage(p.data, { datagram: false }) as SipResponse;
      assert.equal(res.status, 400);
      assert.equal(h.inbound.length, 0);
    });
  }

  test('a header block over the cap without an empty line closes the connection', async () => {
    reset();
    const p = await connect();
    p.write('INVITE sip:x@y SIP/2.0\r\n');
    for (let i = 0; i < 100; i++) p.write(`X-Filler-${i}: ${'a'.repeat(60)}\r\n`);
    await p.waitClosed('close on oversized headers');
    assert.equal(p.text, '');
    assert.equal(h.inbound.length, 0);
  });

  test('a response with a foreign Via on TCP is dropped', async () => {
    reset();
    const p = await connect();
    p.write(corpus('bcast'));
    p.write(response(`SIP/2.0/TCP 127.0.0.1:${h.layer.tcpPort};branch=z9hG4bK-mine`));
    await until(() => h.inbound.length === 1, 'our response');
    assert.equal(h.inbound[0].message.branch, 'z9hG4bK-mine');
    assert.equal(p.text, '');
  });

  test('an exception in onMessage is contained', async () => {
    reset();
    const original = h.layer.onMessage;
    h.layer.onMessage = () => {
      throw new Error('upper layer bug');
    };
    try {
      const p = await connect();
      p.write(request({ via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-throw' }));
      await until(() => h.logs.some((l) => l.event === 'on-message-threw'), 'logged');
    } finally {
      h.layer.onMessage = original;
    }
  });

  test('close() is idempotent and closes connections', async () => {
    const hh = await startLayer({ clock: new FakeClock() });
    const p = await TcpPeer.connect(hh.layer.tcpPort);
    p.write(request({ via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-c' }));
    await until(() => hh.inbound.length === 1, 'request');
    await within(Promise.all([hh.layer.close(), hh.layer.close()]), 2000, 'close');
    await p.waitClosed();
    p.close();
  });
});
