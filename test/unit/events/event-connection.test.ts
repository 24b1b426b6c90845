/**
 * One event-stream connection over a fake socket: the envelope on the wire, tenant isolation, subscribe and
 * ping messages, bad messages, the bounded buffers (slow consumer → 4008), keep-alive and key re-checks,
 * and the hub's per-tenant limit and shutdown.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CLOSE_REASONS,
  EventBus,
  EventConnection,
  EventSocketHub,
  MATCH_ALL,
  type EventConnectionOptions,
} from '../../../src/events/index.ts';
import { CALL_1, CALL_2, ev, FakeSocket, ManualScheduler, TENANT_A, TENANT_B } from './helpers.ts';

function open(extra: Partial<EventConnectionOptions> = {}) {
  const bus = new EventBus();
  const socket = new FakeSocket();
  const timers = new ManualScheduler();
  const conn = new EventConnection({
    bus,
    socket,
    customerId: TENANT_A,
    filter: MATCH_ALL,
    timers,
    ...extra,
  });
  conn.start();
  return { bus, socket, timers, conn };
}

describe('EventConnection', () => {
  test('announces its subscription, then sends each event of its tenant as { type, data } exactly', () => {
    const { bus, socket, timers } = open();
    assert.deepEqual(socket.messages(), [
      { type: 'subscribed', data: { customer_id: TENANT_A, type: [], resource_id: [] } },
    ]);
    const e = ev('call_created', CALL_1, TENANT_A, { source: { type: 'sip', target: 'alice' } });
    bus.publish(e);
    bus.publish(ev('call_created', CALL_2, TENANT_B));
    assert.equal(socket.sent.length, 1, 'sent later, not on the publisher stack');
    timers.run();
    assert.equal(socket.sent.length, 2, "the other tenant's event is never sent");
    assert.equal(socket.sent[1], JSON.stringify({ type: e.type, data: e.data }));
    assert.deepEqual(Object.keys(JSON.parse(socket.sent[1]) as object), ['type', 'data']);
  });

  test('the initial filter applies; a subscribe message replaces it and is acknowledged', () => {
    const { bus, socket, timers, conn } = open({ filter: { types: ['call_hangup'], resourceIds: [] } });
    bus.publish(ev('call_created'));
    bus.publish(ev('call_hangup'));
    timers.run();
    assert.deepEqual(socket.types(), ['subscribed', 'call_hangup']);
    conn.received(
      JSON.stringify({ type: 'subscribe', data: { type: ['call_ringing'], resource_id: CALL_2 } }),
      false,
    );
    assert.deepEqual(socket.messages()[2], {
      type: 'subscribed',
      data: { customer_id: TENANT_A, type: ['call_ringing'], resource_id: [CALL_2] },
    });
    bus.publish(ev('call_ringing', CALL_1));
    bus.publish(ev('call_ringing', CALL_2));
    bus.publish(ev('call_hangup', CALL_2));
    timers.run();
    assert.deepEqual(
      socket
        .messages()
        .slice(3)
        .map((m) => `${m.type}/${String(m.data.id)}`),
      [`call_ringing/${CALL_2}`],
    );
    conn.received('{"type":"subscribe"}', false);
    assert.deepEqual(conn.filter, MATCH_ALL, 'no data: everything');
  });

  test('ping → pong; bad messages get an error message and the connection stays open', () => {
    const { socket, conn } = open();
    conn.received('{"type":"ping"}', false);
    const cases: Array<[string, boolean, string, RegExp]> = [
      ['not json', false, 'INVALID_MESSAGE', /not valid JSON/],
      ['[1,2]', false, 'INVALID_MESSAGE', /JSON object/],
      [
        '{"type":"unsubscribe"}',
        false,
        'INVALID_MESSAGE',
        /'unsubscribe': the known types are subscribe, ping/,
      ],
      ['{}', false, 'INVALID_MESSAGE', /message type missing/],
      ['', true, 'INVALID_MESSAGE', /binary/],
      ['{"type":"subscribe","data":[]}', false, 'VALIDATION_FAILED', /\/data must be an object/],
      [
        '{"type":"subscribe","data":{"types":["call_created"]}}',
        false,
        'VALIDATION_FAILED',
        /\/data\/types unknown field/,
      ],
      [
        '{"type":"subscribe","data":{"type":"call_nope"}}',
        false,
        'VALIDATION_FAILED',
        /\/data\/type unknown event type 'call_nope'/,
      ],
      [
        '{"type":"subscribe","data":{"resource_id":"x"}}',
        false,
        'VALIDATION_FAILED',
        /\/data\/resource_id must be UUIDs/,
      ],
    ];
    for (const [text, binary] of cases) conn.received(text, binary);
    const msgs = socket.messages();
    assert.deepEqual(msgs[1], { type: 'pong', data: {} });
    cases.forEach(([text, , reason, message], i) => {
      const m = msgs[2 + i];
      assert.equal(m.type, 'error', text);
      assert.equal(m.data.reason, reason, text);
      assert.match(String(m.data.message), message, text);
      assert.ok(Array.isArray(m.data.details));
    });
    assert.deepEqual(
      (msgs[8].data.details as Array<{ path: string }>).map((d) => d.path),
      ['/data/types'],
    );
    assert.equal(conn.isOpen, true);
    assert.deepEqual(conn.filter, MATCH_ALL, 'a refused subscribe leaves the filter as it was');
  });

  test('a client that does not read (socket buffer over the bound) is dropped with 4008 SLOW_CONSUMER', () => {
    const { bus, socket, timers, conn } = open({ limits: { maxBufferedBytes: 10_000 } });
    const ended: string[] = [];
    conn.whenEnded(() => ended.push('ended'));
    bus.publish(ev('call_created'));
    timers.run();
    assert.equal(socket.sent.length, 2);
    socket.bufferedAmount = 9_990; // the client stopped reading
    for (let i = 0; i < 50; i++) bus.publish(ev('call_ringing'));
    timers.run();
    assert.equal(socket.sent.length, 2, 'nothing more is given to the socket');
    assert.equal(socket.closedWith?.code, CLOSE_REASONS.SLOW_CONSUMER.code);
    assert.equal(socket.closedWith?.code, 4008);
    assert.match(socket.closedWith?.reason ?? '', /^SLOW_CONSUMER: over 10000 bytes unread$/);
    assert.equal(conn.closedFor, 'SLOW_CONSUMER');
    assert.equal(bus.subscriberCount(), 0, 'unsubscribed at once: the publisher no longer pays for it');
    assert.equal(socket.terminated, false, 'the client gets a grace period to read the close frame');
    timers.fireTimers();
    assert.equal(socket.terminated, true, 'then the socket is destroyed');
    assert.deepEqual(ended, ['ended']);
  });

  test('too many events within one turn of the event loop: dropped with 4008 as well', () => {
    const { bus, socket, timers, conn } = open({ limits: { maxQueuedEvents: 100 } });
    for (let i = 0; i < 101; i++) bus.publish(ev('call_ringing'));
    timers.run();
    assert.equal(socket.sent.length, 1, 'only the subscribed message');
    assert.equal(socket.closedWith?.code, 4008);
    assert.match(socket.closedWith?.reason ?? '', /^SLOW_CONSUMER: more than 100 events waited$/);
    assert.equal(conn.isOpen, false);
  });

  test('keep-alive: ping each round; no answer by the next round destroys the socket', () => {
    const { socket, conn, bus } = open();
    conn.keepAlive();
    assert.equal(socket.pings, 1);
    conn.pong();
    conn.keepAlive();
    assert.equal(socket.pings, 2);
    conn.received('{"type":"ping"}', false); // any message counts as a sign of life
    conn.keepAlive();
    assert.equal(socket.pings, 3);
    conn.keepAlive(); // no answer since the last ping
    assert.equal(socket.terminated, true);
    assert.equal(bus.subscriberCount(), 0);
  });

  test('a key revoked since the connection opened: closed with 4001 KEY_REVOKED at the next round', () => {
    let valid = true;
    const { socket, conn, bus } = open({ stillAuthorized: () => valid });
    conn.keepAlive();
    assert.equal(conn.isOpen, true);
    valid = false;
    conn.pong();
    conn.keepAlive();
    assert.equal(socket.closedWith?.code, 4001);
    assert.match(socket.closedWith?.reason ?? '', /^KEY_REVOKED: /);
    assert.equal(bus.subscriberCount(), 0);
  });

  test('ended() (the client closed) unsubscribes; close and ended are idempotent', () => {
    const { bus, conn, socket } = open();
    conn.ended();
    conn.ended();
    conn.close('SHUTTING_DOWN', 'x');
    assert.equal(socket.closedWith, undefined, 'nothing to close any more');
    assert.equal(bus.subscriberCount(), 0);
  });
});

describe('EventSocketHub', () => {
  test('counts connections per tenant and closes one over the limit with 1013 TOO_MANY_CONNECTIONS', () => {
    const bus = new EventBus();
    const timers = new ManualScheduler();
    const hub = new EventSocketHub({ bus, pingIntervalMs: 0, maxConnectionsPerTenant: 2, timers });
    const sockets = [new FakeSocket(), new FakeSocket(), new FakeSocket(), new FakeSocket()];
    const conns = sockets.map((socket, i) =>
      hub.attach({ socket, customerId: i < 3 ? TENANT_A : TENANT_B, filter: MATCH_ALL }),
    );
    assert.equal(hub.hasRoom(TENANT_A), false);
    assert.equal(hub.hasRoom(TENANT_B), true);
    assert.equal(sockets[2].closedWith?.code, 1013);
    assert.deepEqual(sockets[2].sent, [], 'refused before it subscribed: no subscribed message');
    assert.equal(bus.subscriberCount(TENANT_A), 2);
    assert.match(sockets[2].closedWith?.reason ?? '', /^TOO_MANY_CONNECTIONS: at most 2 per tenant$/);
    assert.equal(sockets[3].closedWith, undefined, 'other tenants are not affected');
    conns[2].ended();
    conns[0].ended();
    assert.equal(hub.connectionCount(TENANT_A), 1);
    assert.equal(hub.hasRoom(TENANT_A), true);
  });

  test('keepAlive pings every connection; close() ends all with 1001 SHUTTING_DOWN', async () => {
    const bus = new EventBus();
    const timers = new ManualScheduler();
    const hub = new EventSocketHub({ bus, pingIntervalMs: 0, timers });
    const a = new FakeSocket();
    const b = new FakeSocket();
    const ca = hub.attach({ socket: a, customerId: TENANT_A, filter: MATCH_ALL });
    hub.attach({ socket: b, customerId: TENANT_B, filter: MATCH_ALL });
    hub.keepAlive();
    assert.equal(a.pings + b.pings, 2);
    const closed = hub.close(1000);
    assert.equal(a.closedWith?.code, 1001);
    assert.match(a.closedWith?.reason ?? '', /^SHUTTING_DOWN: /);
    assert.equal(b.closedWith?.code, 1001);
    ca.ended(); // a completes the close handshake; b never does
    timers.fireTimers();
    await closed;
    assert.equal(b.terminated, true);
    assert.equal(hub.connectionCount(), 0);
    assert.equal(bus.subscriberCount(), 0);
    const late = new FakeSocket();
    hub.attach({ socket: late, customerId: TENANT_A, filter: MATCH_ALL });
    assert.equal(late.closedWith?.code, 1001, 'no new connection while stopping');
  });
});
