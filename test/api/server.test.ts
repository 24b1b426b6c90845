/**
 * The server's plumbing: request ids, the envelope for Fastify's own errors and for unexpected faults
 * (500 without leaking internals, logged with the request id), the access key kept out of logs, bearer
 * parsing, health and readiness, the body limit option.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { buildApi } from '../../src/api/server.ts';
import type { DirectoryApi, Principal } from '../../src/directory/contract.ts';
import { ApiClient, assertError, ok } from '../support/api-client.ts';
import { availableDialects } from '../support/databases.ts';
import { bodies, useEnv, useTenant } from './harness.ts';

const CUSTOMER = '11111111-1111-4111-8111-111111111111';

/** Collects pino's JSON lines. */
function logSink(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

/** A directory whose every service call throws a plain Error (a bug, a lost database…). */
function brokenDirectory(): DirectoryApi {
  const fail = async () => {
    throw new Error('connect ECONNREFUSED 10.0.0.7:5432 password=hunter2');
  };
  const service = { create: fail, get: fail, list: fail, update: fail, delete: fail };
  const principal: Principal = { keyId: 'k', role: 'customer', customerId: CUSTOMER };
  return {
    customers: service,
    accessKeys: { ...service, authenticate: (k: string) => (k === 'good' ? principal : undefined) },
    users: service,
    devices: service,
    groups: service,
    callflows: service,
    agents: service,
    queues: service,
    trunks: service,
    groupcalls: service,
    calls: service,
  } as unknown as DirectoryApi;
}

describe('server plumbing (no database)', () => {
  it('an unexpected fault → 500 INTERNAL without internals, logged with the request id', async () => {
    const sink = logSink();
    const app = await buildApi({
      directory: brokenDirectory(),
      version: 't',
      logger: pino({ level: 'info' }, sink.stream),
    });
    try {
      const r = await app.inject({ url: '/v1.0/users', headers: { authorization: 'Bearer good' } });
      assert.equal(r.statusCode, 500);
      const body = r.json();
      assert.equal(body.error.reason, 'INTERNAL');
      assert.equal(body.error.request_id, r.headers['x-request-id']);
      assert.ok(
        !r.body.includes('hunter2') && !r.body.includes('ECONNREFUSED'),
        'no internals in the answer',
      );
      const logged = sink.lines().find((l) => l.includes('hunter2'));
      assert.ok(logged, 'the fault is logged');
      assert.ok(logged.includes(body.error.request_id), 'with the request id');
    } finally {
      await app.close();
    }
  });

  it('the access key never reaches the logs, from the query or the header', async () => {
    const sink = logSink();
    const app = await buildApi({
      directory: brokenDirectory(),
      version: 't',
      logger: pino({ level: 'trace' }, sink.stream),
    });
    try {
      await app.inject({ url: '/v1.0/customers?page_size=2&accesskey=SEKRET-QUERY-KEY' });
      await app.inject({ url: '/v1.0/users?accesskey=good' });
      await app.inject({ url: '/v1.0/users', headers: { authorization: 'Bearer SEKRET-HEADER-KEY' } });
      await app.inject({ url: '/nope?accesskey=SEKRET-404-KEY' });
      const all = sink.lines().join('\n');
      assert.ok(all.length > 0, 'something was logged');
      assert.ok(!all.includes('SEKRET'), 'a key leaked into the logs');
      assert.ok(!all.includes('accesskey=good'), 'a key leaked into the logs');
      assert.match(all, /accesskey=\[redacted\]/);
      assert.match(all, /page_size=2/, 'the rest of the query is kept');
    } finally {
      await app.close();
    }
  });

  it('logger options and `true` are accepted; the default is silent', async () => {
    for (const logger of [{ level: 'silent' }, pino({ level: 'silent' }), false, undefined]) {
      const app = await buildApi({ directory: brokenDirectory(), version: 't', logger });
      assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
      await app.close();
    }
  });

  it('request ids: a fresh UUID per request, never taken from the client', async () => {
    const app = await buildApi({ directory: brokenDirectory(), version: 't' });
    try {
      const client = await ApiClient.create(app);
      const a = await client.get('/healthz', { headers: { 'x-request-id': 'chosen-by-client' } });
      const b = await client.get('/healthz');
      assert.notEqual(a.headers['x-request-id'], 'chosen-by-client');
      assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
    } finally {
      await app.close();
    }
  });

  it('unknown routes and methods → 404 ROUTE_NOT_FOUND; a malformed URL → 400', async () => {
    const app = await buildApi({ directory: brokenDirectory(), version: 't' });
    try {
      const client = await ApiClient.create(app);
      assertError(await client.get('/nope'), 404, 'ROUTE_NOT_FOUND');
      assertError(await client.get('/v1.0/nope'), 404, 'ROUTE_NOT_FOUND');
      assertError(await client.get('/v1.0/nope', { key: 'good' }), 404, 'ROUTE_NOT_FOUND');
      assertError(
        await client.request({ method: 'PATCH', url: '/v1.0/users', body: {}, key: 'good' }),
        404,
        'ROUTE_NOT_FOUND',
      );
      assertError(await client.get('/v1.1/users', { key: 'good' }), 404, 'ROUTE_NOT_FOUND');
      const r = await client.get('/v1.0/users/%E0%A4%A', { key: 'good' });
      assert.equal(r.status, 400, r.text);
      assert.ok(!r.text.includes('accesskey'));
    } finally {
      await app.close();
    }
  });

  it('bearer parsing: scheme case-insensitive; other schemes and empty tokens → 401', async () => {
    const app = await buildApi({ directory: brokenDirectory(), version: 't' });
    try {
      const inject = (authorization: string) =>
        app.inject({ url: '/v1.0/customers/not-a-uuid', headers: { authorization } });
      for (const h of ['Bearer good', 'bearer good', 'BEARER  good'])
        assert.equal((await inject(h)).statusCode, 400, h);
      for (const h of ['Basic Z29vZA==', 'Bearer', 'Bearer ', 'good', 'Bearer good extra']) {
        const r = await inject(h);
        assert.equal(r.statusCode, 401, h);
        assert.match(String(r.headers['www-authenticate']), /^Bearer/);
      }
    } finally {
      await app.close();
    }
  });

  it('/healthz and /readyz (ready, not ready, throwing checks) are public', async () => {
    let checks: Record<string, boolean> = { database: true, sip: true };
    let throws = false;
    const app = await buildApi({
      directory: brokenDirectory(),
      version: 't',
      ready: async () => {
        if (throws) throw new Error('boom');
        return checks;
      },
    });
    try {
      const client = await ApiClient.create(app);
      assert.deepEqual(ok(await client.get('/healthz')), { status: 'ok' });
      assert.deepEqual(ok(await client.get('/readyz')), { status: 'ready', checks });
      checks = { database: true, sip: false };
      const r = await client.get('/readyz');
      assert.equal(r.status, 503);
      assert.deepEqual(r.body, { status: 'not_ready', checks });
      throws = true;
      assert.equal((await client.get('/readyz')).status, 503);
    } finally {
      await app.close();
    }
    const plain = await buildApi({ directory: brokenDirectory(), version: 't' });
    assert.equal((await plain.inject({ url: '/readyz' })).statusCode, 200);
    await plain.close();
  });
});

for (const dialect of await availableDialects()) {
  describe(`server options over a real directory (${dialect})`, () => {
    const env = useEnv(dialect, { bodyLimit: 2048 });
    const t = useTenant(env);

    it('bodyLimit is honoured: just under passes, just over → 413', async () => {
      ok(await t.api.post('/v1.0/users', bodies.user({ name: 'n'.repeat(100) })));
      const big = { name: 'n', call_groups: Array.from({ length: 500 }, (_, i) => `g${i}`) };
      assert.ok(JSON.stringify(big).length > 2048);
      assertError(await t.api.post('/v1.0/users', big), 413, 'PAYLOAD_TOO_LARGE');
    });

    it('a revoked key is refused at once, by header and by query', async () => {
      const k = ok(await t.api.post('/v1.0/accesskeys', { name: 'short-lived' }));
      ok(await env.anon.get('/v1.0/users', { key: k.key, keyInQuery: true }));
      ok(await t.api.delete(`/v1.0/accesskeys/${k.id}`));
      assertError(await env.anon.get('/v1.0/users', { key: k.key }), 401, 'UNAUTHORIZED');
      assertError(await env.anon.get('/v1.0/users', { key: k.key, keyInQuery: true }), 401, 'UNAUTHORIZED');
    });
  });
}
