/**
 * `GET /v1.0/events` on a real listening server (127.0.0.1, port 0) with a real WebSocket client: auth
 * before the upgrade (no key, a wrong key → 401; the admin key → 403), tenant isolation, filters by query
 * and by `subscribe` message, bad filters → 400 envelopes, the `{ type, data }` envelope byte for byte, the
 * plain GET → 426, the per-tenant connection limit → 429, a client that stops reading → 4008, a revoked
 * key → 4001, shutdown → 1001. Events are published on the bus in-process (the call engine's path is the
 * system test's).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventBus, type BusEvent, type EventData } from '../../src/events/index.ts';
import { assertError } from '../support/api-client.ts';
import { connectEvents, refusedUpgrade, type EventClient } from '../support/event-client.ts';
import { newTenant, openEnv, useEnv, useTenant } from './harness.ts';

const ID_1 = '0f8d3a52-6f1e-4c36-9d1b-3a8d0e4b7c11';
const ID_2 = '5c2b9e77-08a4-4f5b-b3c2-1d6e7f8a9b22';

function event(type: string, customerId: string, id = ID_1, extra: Record<string, unknown> = {}): BusEvent {
  return { type, data: { id, customer_id: customerId, status: 'ringing', ...extra } as EventData };
}

describe('GET /v1.0/events (WebSocket)', () => {
  const bus = new EventBus();
  const env = useEnv('sqlite', {
    events: {
      bus,
      pingIntervalMs: 100,
      maxConnectionsPerTenant: 3,
      limits: { maxBufferedBytes: 256 * 1024, dropGraceMs: 10_000 },
    },
  });
  const a = useTenant(env);
  const b = useTenant(env);
  let base = '';
  const open: EventClient[] = [];
  const connect = async (
    ...args: Parameters<typeof connectEvents> extends [string, ...infer R] ? R : never
  ) => {
    const c = await connectEvents(base, ...args);
    open.push(c);
    return c;
  };
  before(async () => {
    base = await env.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    for (const c of open) c.ws.terminate();
  });

  it('refuses an upgrade without a key or with a wrong key: 401 envelope, before any WebSocket', async () => {
    const none = await refusedUpgrade(base);
    assert.equal(none.status, 401);
    assert.equal((none.body as { error: { reason: string } }).error.reason, 'UNAUTHORIZED');
    assert.match(String(none.headers['www-authenticate']), /^Bearer realm="ringd"$/);
    for (const opts of [{ key: 'rk_0000000000_nope' }, { keyInQuery: 'nope' }, { key: '' }]) {
      const wrong = await refusedUpgrade(base, opts);
      assert.equal(wrong.status, 401, JSON.stringify(opts));
      assert.equal((wrong.body as { error: { reason: string } }).error.reason, 'UNAUTHORIZED');
    }
  });

  it('refuses the platform admin key with 403: events belong to one tenant', async () => {
    const r = await refusedUpgrade(base, { key: env.adminKey });
    assert.equal(r.status, 403);
    const err = (r.body as { error: { reason: string; message: string } }).error;
    assert.equal(err.reason, 'FORBIDDEN');
    assert.match(err.message, /customer access key/);
  });

  it("accepts a customer key (Bearer or ?accesskey=) and delivers only that tenant's events", async () => {
    const ca = await connect({ key: a.key });
    const cb = await connect({ keyInQuery: b.key });
    assert.deepEqual(ca.messages[0], {
      type: 'subscribed',
      data: { customer_id: a.customer.id, type: [], resource_id: [] },
    });
    assert.equal(cb.messages[0].data.customer_id, b.customer.id);
    bus.publish(event('call_created', a.customer.id, ID_1));
    bus.publish(event('call_created', b.customer.id, ID_2));
    bus.publish(event('call_hangup', a.customer.id, ID_1));
    bus.publish(event('call_hangup', b.customer.id, ID_2));
    assert.equal((await ca.next((m) => m.type === 'call_hangup')).data.id, ID_1);
    assert.equal((await cb.next((m) => m.type === 'call_hangup')).data.id, ID_2);
    const seen = (c: EventClient) => c.messages.slice(1).map((m) => m.data.customer_id as string);
    assert.deepEqual(seen(ca), [a.customer.id, a.customer.id], "A never sees B's events");
    assert.deepEqual(seen(cb), [b.customer.id, b.customer.id], "B never sees A's events");
    await ca.close();
    await cb.close();
  });

  it('sends the envelope { "type", "data" } exactly, data as published', async () => {
    const c = await connect({ key: a.key });
    const e = event('call_ringing', a.customer.id, ID_1, {
      source: { type: 'sip', target: '101', target_name: '', name: 'Alice', detail: '' },
      chained_call_ids: [ID_2],
    });
    bus.publish(e);
    await c.next((m) => m.type === 'call_ringing');
    assert.equal(c.texts.at(-1), JSON.stringify({ type: 'call_ringing', data: e.data }));
    await c.close();
  });

  it('filters by ?type= and ?resource_id= (comma lists, repeated parameters)', async () => {
    const c = await connect({
      key: a.key,
      query: { type: 'call_ringing,call_hangup', resource_id: ID_2 },
    });
    assert.deepEqual(c.messages[0].data, {
      customer_id: a.customer.id,
      type: ['call_ringing', 'call_hangup'],
      resource_id: [ID_2],
    });
    const repeated = await connect({ key: a.key, query: { type: 'call_created&type=call_hangup' } });
    assert.deepEqual(repeated.messages[0].data.type, ['call_created', 'call_hangup']);
    bus.publish(event('call_created', a.customer.id, ID_2));
    bus.publish(event('call_ringing', a.customer.id, ID_1));
    bus.publish(event('call_ringing', a.customer.id, ID_2));
    bus.publish(event('call_hangup', a.customer.id, ID_2));
    await c.next((m) => m.type === 'call_hangup');
    assert.deepEqual(
      c.messages.slice(1).map((m) => `${m.type}/${m.data.id === ID_1 ? 1 : 2}`),
      ['call_ringing/2', 'call_hangup/2'],
    );
    await repeated.next((m) => m.type === 'call_hangup');
    assert.deepEqual(
      repeated.messages.slice(1).map((m) => m.type),
      ['call_created', 'call_hangup'],
    );
    await c.close();
    await repeated.close();
  });

  it('refuses a bad filter with a 400 envelope naming the parameter, before the upgrade', async () => {
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ type: 'call_created,call_hungup' }, '/type', /unknown event type 'call_hungup'/],
      [{ type: '' }, '/type', /empty item/],
      [{ resource_id: 'not-a-uuid' }, '/resource_id', /must be UUIDs/],
      [{ resource_id: `${ID_1},,${ID_2}` }, '/resource_id', /empty item/],
      [{ since: 'yesterday' }, '/since', /./],
    ];
    for (const [query, path, message] of cases) {
      const r = await refusedUpgrade(base, { key: a.key, query });
      assert.equal(r.status, 400, JSON.stringify(query));
      const err = (r.body as { error: { reason: string; details: Array<{ path: string; message: string }> } })
        .error;
      assert.equal(err.reason, 'VALIDATION_FAILED', JSON.stringify(query));
      const detail = err.details.find((d) => d.path === path);
      assert.ok(detail, `a detail at ${path}: ${JSON.stringify(err)}`);
      assert.match(detail.message, message);
    }
  });

  it('a subscribe message replaces the filter; a bad one is answered with an error message', async () => {
    const c = await connect({ key: a.key, query: { type: 'call_created' } });
    c.send({ type: 'subscribe', data: { type: 'call_nope' } });
    const err = await c.next((m) => m.type === 'error');
    assert.equal(err.data.reason, 'VALIDATION_FAILED');
    assert.equal(err.data.details[0].path, '/data/type');
    c.send({ type: 'subscribe', data: { type: ['call_hangup'], resource_id: [ID_1] } });
    const ack = await c.next((m) => m.type === 'subscribed');
    assert.deepEqual(ack.data, { customer_id: a.customer.id, type: ['call_hangup'], resource_id: [ID_1] });
    bus.publish(event('call_created', a.customer.id, ID_1));
    bus.publish(event('call_hangup', a.customer.id, ID_2));
    bus.publish(event('call_hangup', a.customer.id, ID_1));
    const got = await c.next((m) => m.type !== 'error' && m.type !== 'subscribed');
    assert.equal(got.type, 'call_hangup');
    assert.equal(got.data.id, ID_1);
    c.send({ type: 'ping' });
    assert.deepEqual(await c.next(), { type: 'pong', data: {} }, 'nothing else arrived in between');
    await c.close();
  });

  it('a plain GET (no upgrade) is answered 426 UPGRADE_REQUIRED', async () => {
    const r = await a.api.get('/v1.0/events');
    assertError(r, 426, 'UPGRADE_REQUIRED');
    assert.equal(r.headers.upgrade, 'websocket');
    assertError(await env.anon.get('/v1.0/events'), 401, 'UNAUTHORIZED');
    assertError(await a.api.get('/v1.0/events?type=nope'), 400, 'VALIDATION_FAILED', '/type');
  });

  it('an upgrade to another route is closed at once, with no event', async () => {
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1.0/users`, {
      headers: { authorization: `Bearer ${a.key}` },
    });
    const got: string[] = [];
    ws.on('message', (d) => got.push(String(d)));
    ws.on('error', () => {});
    await new Promise<void>((resolve) => ws.once('close', () => resolve()));
    assert.deepEqual(got, []);
  });

  it('limits connections per tenant: the next upgrade gets 429 TOO_MANY_CONNECTIONS', async () => {
    const t = await newTenant(env);
    const three = [
      await connect({ key: t.key }),
      await connect({ key: t.key }),
      await connect({ key: t.key }),
    ];
    const r = await refusedUpgrade(base, { key: t.key });
    assert.equal(r.status, 429);
    assert.equal((r.body as { error: { reason: string } }).error.reason, 'TOO_MANY_CONNECTIONS');
    const other = await connect({ key: a.key });
    await other.close();
    await three[0].close();
    // The slot is free once the server has seen the close.
    for (let i = 0; i < 50 && bus.subscriberCount(t.customer.id) > 2; i++)
      await new Promise((r) => setTimeout(r, 10));
    const again = await connect({ key: t.key });
    await again.close();
    for (const c of three) await c.close();
  });

  it('drops a client that stops reading: close 4008 SLOW_CONSUMER once it reads again, bus unsubscribed', async () => {
    const t = await newTenant(env);
    const c = await connect({ key: t.key });
    const raw = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause(); // the client stops reading; the kernel buffers fill, then the server's
    const padding = 'x'.repeat(64 * 1024);
    let published = 0;
    for (let round = 0; round < 2000 && bus.subscriberCount(t.customer.id) > 0; round++) {
      for (let i = 0; i < 8; i++) bus.publish(event('call_ringing', t.customer.id, ID_1, { padding }));
      published += 8;
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(bus.subscriberCount(t.customer.id), 0, `dropped after ${published} events of 64 KiB`);
    assert.ok(published * 64 < 2000 * 8 * 64, 'long before the test gave up');
    raw.resume();
    const closed = await c.closed;
    assert.equal(closed.code, 4008);
    assert.match(closed.reason, /^SLOW_CONSUMER: /);
    const delivered = c.messages.length - 1; // after `subscribed`
    assert.ok(delivered < published, `${delivered} of the ${published} events were delivered`);
  });

  it('closes a connection whose key is revoked with 4001 KEY_REVOKED (at the next keep-alive)', async () => {
    const t = await newTenant(env);
    const c = await connect({ key: t.key });
    const stays = await connect({ key: a.key });
    const del = await t.api.delete(`/v1.0/accesskeys/${t.keyId}`);
    assert.equal(del.status, 200, del.text);
    const closed = await c.closed;
    assert.equal(closed.code, 4001);
    assert.match(closed.reason, /^KEY_REVOKED: /);
    await new Promise((r) => setTimeout(r, 250)); // two more keep-alive rounds
    assert.equal(stays.ws.readyState, stays.ws.OPEN, 'other connections answer their pings and stay');
    await stays.close();
  });
});

describe('GET /v1.0/events: shutdown', () => {
  it('closing the API closes every event connection with 1001 SHUTTING_DOWN', async () => {
    const bus = new EventBus();
    const env = await openEnv('sqlite', { events: { bus } });
    try {
      const t = await newTenant(env);
      const base = await env.app.listen({ host: '127.0.0.1', port: 0 });
      const c = await connectEvents(base, { key: t.key });
      await env.app.close();
      const closed = await c.closed;
      assert.equal(closed.code, 1001);
      assert.match(closed.reason, /^SHUTTING_DOWN: /);
      assert.equal(bus.subscriberCount(), 0);
    } finally {
      await env.close();
    }
  });
});
