/**
 * The UDP transport sends at the end of the event loop's turn, grouped by destination: every datagram
 * arrives, in the order it was sent to that peer, whether a turn queued one, a few or hundreds; `close()`
 * still sends what the turn queued; a failure of one datagram reaches its own `onFail` only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Endpoint } from '../../../../src/sip/message/index.ts';
import { UdpTransport } from '../../../../src/sip/transport/udp-transport.ts';
import { UdpPeer, until } from './helpers.ts';

const to = (peer: UdpPeer): Endpoint => ({ transport: 'UDP', address: '127.0.0.1', port: peer.port });
const texts = (peer: UdpPeer): string[] => peer.received.map((b) => b.toString());

describe('UdpTransport: datagrams leave at the end of the turn, grouped by destination', () => {
  let udp: UdpTransport;
  let a: UdpPeer;
  let b: UdpPeer;
  const failures: string[] = [];

  before(async () => {
    udp = new UdpTransport('127.0.0.1', { datagram() {} }, () => {});
    await udp.bind(0);
    a = await UdpPeer.open();
    b = await UdpPeer.open();
  });
  after(async () => {
    await udp.close();
    await a.close();
    await b.close();
  });
  const reset = (): void => {
    a.received.length = 0;
    b.received.length = 0;
    failures.length = 0;
  };
  const fail = (what: string) => (err: Error) => failures.push(`${what}: ${err.message}`);

  test('interleaved sends to two peers in one turn: each gets its own, in order', async () => {
    reset();
    for (const [peer, text] of [
      [a, 'a1'],
      [b, 'b1'],
      [a, 'a2'],
      [b, 'b2'],
      [a, 'a3'],
    ] as const)
      udp.send(Buffer.from(text), to(peer), fail(text));
    await until(() => a.received.length === 3 && b.received.length === 2, 'five datagrams');
    assert.deepEqual(texts(a), ['a1', 'a2', 'a3']);
    assert.deepEqual(texts(b), ['b1', 'b2']);
    assert.deepEqual(failures, []);
  });

  test('a burst of 300 in one turn (the map path) arrives complete and in order per peer', async () => {
    reset();
    for (let i = 0; i < 300; i++) udp.send(Buffer.from(`m${i}`), to(i % 3 === 0 ? a : b), fail(`m${i}`));
    await until(() => a.received.length === 100 && b.received.length === 200, '300 datagrams');
    assert.deepEqual(
      texts(a),
      Array.from({ length: 100 }, (_, k) => `m${3 * k}`),
    );
    assert.deepEqual(
      texts(b),
      Array.from({ length: 300 }, (_, i) => i)
        .filter((i) => i % 3 !== 0)
        .map((i) => `m${i}`),
    );
    assert.deepEqual(failures, []);
  });

  test('sends in later turns leave in their own turn', async () => {
    reset();
    udp.send(Buffer.from('t1'), to(a), fail('t1'));
    await until(() => a.received.length === 1, 'the first turn');
    udp.send(Buffer.from('t2'), to(a), fail('t2'));
    await until(() => a.received.length === 2, 'the second turn');
    assert.deepEqual(texts(a), ['t1', 't2']);
  });

  test('one bad destination fails alone; the others of the turn are sent', async () => {
    reset();
    udp.send(Buffer.from('ok1'), to(a), fail('ok1'));
    udp.send(Buffer.from('bad'), { transport: 'UDP', address: '127.0.0.1', port: 0 }, fail('bad'));
    udp.send(Buffer.from('ok2'), to(a), fail('ok2'));
    await until(() => a.received.length === 2 && failures.length === 1, 'two sent, one failed');
    assert.deepEqual(texts(a), ['ok1', 'ok2']);
    assert.match(failures[0], /^bad: /);
  });

  test('close() sends what the turn queued, then refuses', async () => {
    const own = new UdpTransport('127.0.0.1', { datagram() {} }, () => {});
    await own.bind(0);
    reset();
    own.send(Buffer.from('last1'), to(a), fail('last1'));
    own.send(Buffer.from('last2'), to(b), fail('last2'));
    const closed = own.close();
    own.send(Buffer.from('after'), to(a), fail('after'));
    await closed;
    await until(() => a.received.length === 1 && b.received.length === 1, 'the queued datagrams');
    await until(() => failures.length === 1, 'the refusal');
    assert.deepEqual(texts(a), ['last1']);
    assert.deepEqual(texts(b), ['last2']);
    assert.deepEqual(failures, ['after: UDP transport closed']);
  });
});
