/**
 * Every tenant route, table-driven: success of each CRUD step, unknown and foreign ids (404), bad UUIDs,
 * oversized and malformed bodies, wrong types, unknown and missing fields, content types, auth and roles.
 * Every answer is checked against the OpenAPI document by the client (and never a 500).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, ok } from '../support/api-client.ts';
import { availableDialects } from '../support/databases.ts';
import { CRUD_RESOURCES, UNKNOWN_ID, useEnv, useTenant } from './harness.ts';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/;
const OVERSIZED = 'x'.repeat(1024 * 1024 + 10);

for (const dialect of await availableDialects()) {
  describe(`tenant routes (${dialect})`, () => {
    const env = useEnv(dialect);
    const a = useTenant(env);
    const b = useTenant(env);

    for (const res of CRUD_RESOURCES) {
      describe(`/v1.0/${res.path}`, () => {
        const base = `/v1.0/${res.path}`;

        it('create, list, get, update and delete', async () => {
          const created = ok(await a.api.post(base, res.make()));
          assert.equal(created.customer_id, a.customer.id);
          assert.match(created.tm_create, TIMESTAMP);
          assert.equal(created.tm_delete, '9999-01-01 00:00:00.000000');

          const listed = ok(await a.api.get(base));
          assert.ok(listed.result.some((r: { id: string }) => r.id === created.id));

          assert.deepEqual(ok(await a.api.get(`${base}/${created.id}`)), created);

          const updated = ok(await a.api.put(`${base}/${created.id}`, res.update));
          assert.equal(updated.id, created.id);
          assert.equal(updated.name, 'Renamed');
          assert.match(updated.tm_update, TIMESTAMP);
          assert.ok(updated.tm_update >= created.tm_create && updated.tm_update < '9999');
          assert.deepEqual(ok(await a.api.get(`${base}/${created.id}`)), updated);

          const deleted = ok(await a.api.delete(`${base}/${created.id}`));
          assert.equal(deleted.id, created.id);
          assertError(await a.api.get(`${base}/${created.id}`), 404, res.notFound);
          assertError(await a.api.delete(`${base}/${created.id}`), 404, res.notFound);
        });

        it('an empty update keeps the resource', async () => {
          const created = ok(await a.api.post(base, res.make()));
          const same = ok(await a.api.put(`${base}/${created.id}`, {}));
          assert.equal(same.name, created.name);
        });

        it(`unknown id → 404 ${res.notFound}`, async () => {
          assertError(await a.api.get(`${base}/${UNKNOWN_ID}`), 404, res.notFound);
          assertError(await a.api.put(`${base}/${UNKNOWN_ID}`, res.update), 404, res.notFound);
          assertError(await a.api.delete(`${base}/${UNKNOWN_ID}`), 404, res.notFound);
        });

        it("another tenant's id → the same 404, and it is not listed", async () => {
          const theirs = ok(await b.api.post(base, res.make()));
          assertError(await a.api.get(`${base}/${theirs.id}`), 404, res.notFound);
          assertError(await a.api.put(`${base}/${theirs.id}`, res.update), 404, res.notFound);
          assertError(await a.api.delete(`${base}/${theirs.id}`), 404, res.notFound);
          const mine = ok(await a.api.get(base));
          assert.ok(!mine.result.some((r: { id: string }) => r.id === theirs.id));
          // untouched
          assert.equal(ok(await b.api.get(`${base}/${theirs.id}`)).name, theirs.name);
        });

        it('bad UUID in the path → 400 INVALID_ID', async () => {
          for (const bad of ['xyz', '123', `${UNKNOWN_ID}0`, 'g' + UNKNOWN_ID.slice(1)]) {
            assertError(await a.api.get(`${base}/${bad}`), 400, 'INVALID_ID', '/id');
            assertError(await a.api.put(`${base}/${bad}`, res.update), 400, 'INVALID_ID');
            assertError(await a.api.delete(`${base}/${bad}`), 400, 'INVALID_ID');
          }
        });

        it('oversized body → 413 PAYLOAD_TOO_LARGE', async () => {
          assertError(await a.api.post(base, res.make({ name: OVERSIZED })), 413, 'PAYLOAD_TOO_LARGE');
          const created = ok(await a.api.post(base, res.make()));
          assertError(
            await a.api.put(`${base}/${created.id}`, { name: OVERSIZED }),
            413,
            'PAYLOAD_TOO_LARGE',
          );
        });

        it('malformed JSON → 400 INVALID_JSON; empty JSON body → 400 INVALID_JSON', async () => {
          const headers = { 'content-type': 'application/json' };
          for (const payload of ['{"name": ', '{name: 1}', "{'a':1}", '[1,', '{"__proto__": {"x": 1}}']) {
            assertError(await a.api.post(base, undefined, { payload, headers }), 400, 'INVALID_JSON');
          }
          assertError(await a.api.post(base, undefined, { payload: '', headers }), 400, 'INVALID_JSON');
        });

        it('non-JSON content type with a body → 415', async () => {
          for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
            const r = await a.api.post(base, undefined, {
              payload: 'name=x',
              headers: { 'content-type': type },
            });
            assertError(r, 415, 'UNSUPPORTED_MEDIA_TYPE');
          }
          const r = await a.api.post(base, undefined, { payload: '{"name":"x"}' });
          assertError(r, 415, 'UNSUPPORTED_MEDIA_TYPE');
        });

        it('wrong types → 400 VALIDATION_FAILED at the field', async () => {
          for (const name of [42, true, null, ['a'], { a: 1 }, '']) {
            assertError(await a.api.post(base, res.make({ name })), 400, 'VALIDATION_FAILED', '/name');
          }
          for (const body of [[], 'text', 7, null]) {
            assertError(await a.api.post(base, body), 400, 'VALIDATION_FAILED');
          }
        });

        it('unknown fields → 400 naming them; customer_id in the body is refused', async () => {
          const r = await a.api.post(base, res.make({ bogus: 1, 'we/ird': 2 }));
          assertError(r, 400, 'VALIDATION_FAILED', '/bogus');
          assertError(r, 400, 'VALIDATION_FAILED', '/we~1ird');
          assert.match(r.body.error.message, /body/);
          assertError(
            await a.api.post(base, res.make({ customer_id: b.customer.id })),
            400,
            'VALIDATION_FAILED',
            '/customer_id',
          );
          const created = ok(await a.api.post(base, res.make()));
          assertError(
            await a.api.put(`${base}/${created.id}`, { id: UNKNOWN_ID }),
            400,
            'VALIDATION_FAILED',
            '/id',
          );
        });

        it('missing required fields → 400 naming them', async () => {
          const r = await a.api.post(base, {});
          assertError(r, 400, 'VALIDATION_FAILED');
          // every required field is named (callflows: only `flow` is required)
          const required =
            res.path === 'callflows' ? ['/flow'] : res.path === 'trunks' ? ['/name', '/uri'] : ['/name'];
          for (const p of required) assertError(r, 400, 'VALIDATION_FAILED', p);
          assertError(await a.api.post(base), 400, 'VALIDATION_FAILED');
        });

        it('bad query parameters → 400 naming them', async () => {
          for (const q of ['page_size=0', 'page_size=101', 'page_size=abc', 'bogus=1']) {
            const r = await a.api.get(`${base}?${q}`);
            assertError(r, 400, 'VALIDATION_FAILED', `/${q.split('=')[0]}`);
            assert.match(r.body.error.message, /querystring/);
          }
        });

        it('auth: no key, bad key → 401; admin key → 403; ?accesskey= works', async () => {
          const r = await a.api.get(base, { key: null });
          assertError(r, 401, 'UNAUTHORIZED');
          assert.match(String(r.headers['www-authenticate']), /^Bearer/);
          assertError(await a.api.get(base, { key: 'rk_0000000000_nope' }), 401, 'UNAUTHORIZED');
          assertError(await a.api.post(base, res.make(), { key: 'garbage' }), 401, 'UNAUTHORIZED');
          const forbidden = await env.admin.get(base);
          assertError(forbidden, 403, 'FORBIDDEN');
          assert.match(forbidden.body.error.message, /customer (access )?key/);
          assertError(await env.admin.post(base, res.make()), 403, 'FORBIDDEN');
          ok(await a.api.get(base, { keyInQuery: true }));
          ok(await a.api.post(base, res.make(), { keyInQuery: true }));
        });
      });
    }

    for (const [path, notFound] of [
      ['groupcalls', 'GROUPCALL_NOT_FOUND'],
      ['calls', 'CALL_NOT_FOUND'],
    ] as const) {
      describe(`/v1.0/${path} (read-only)`, () => {
        it('list, unknown id, bad UUID, roles; no create route', async () => {
          assert.deepEqual(ok(await a.api.get(`/v1.0/${path}`)), { result: [], next_page_token: '' });
          assertError(await a.api.get(`/v1.0/${path}/${UNKNOWN_ID}`), 404, notFound);
          assertError(await a.api.get(`/v1.0/${path}/nope`), 400, 'INVALID_ID');
          assertError(await env.admin.get(`/v1.0/${path}`), 403, 'FORBIDDEN');
          assertError(await a.api.get(`/v1.0/${path}`, { key: null }), 401, 'UNAUTHORIZED');
          assertError(await a.api.post(`/v1.0/${path}`, {}), 404, 'ROUTE_NOT_FOUND');
          assertError(await a.api.delete(`/v1.0/${path}/${UNKNOWN_ID}`), 404, 'ROUTE_NOT_FOUND');
        });
      });
    }
  });
}
