/**
 * `/v1.0/customers` and `/v1.0/accesskeys`: the admin/customer role split, feature-code callflows made with
 * a tenant, domain rules, key creation/revocation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, ok } from '../support/api-client.ts';
import { availableDialects } from '../support/databases.ts';
import { bodies, newTenant, uniqueDomain, UNKNOWN_ID, useEnv, useTenant } from './harness.ts';

const NIL = '00000000-0000-0000-0000-000000000000';

for (const dialect of await availableDialects()) {
  describe(`customers and access keys (${dialect})`, () => {
    const env = useEnv(dialect);
    const a = useTenant(env);
    const b = useTenant(env);

    describe('/v1.0/customers as the platform admin', () => {
      it('creates a tenant with default settings and the three feature-code callflows', async () => {
        const domain = uniqueDomain('Upper').toUpperCase();
        const c = ok(await env.admin.post('/v1.0/customers', { name: 'Acme', domain }));
        assert.equal(c.domain, domain.toLowerCase());
        assert.deepEqual(c.settings, {
          feature_codes: true,
          pickup_failure_mode: 'reject',
          ring_timeout: 20,
          monitor_all: false,
        });
        const key = ok(await env.admin.post('/v1.0/accesskeys', { customer_id: c.id })).key;
        const flows = ok(await env.anon.get('/v1.0/callflows', { key }));
        const codes = flows.result.map((f: { feature_code: string }) => f.feature_code).sort();
        assert.deepEqual(codes, ['directed_pickup', 'general_pickup', 'named_pickup']);
      });

      it('feature_codes: false makes no callflows; settings merge with the defaults', async () => {
        const c = ok(
          await env.admin.post('/v1.0/customers', {
            name: 'Bare',
            domain: uniqueDomain(),
            settings: { feature_codes: false, ring_timeout: 45 },
          }),
        );
        assert.equal(c.settings.ring_timeout, 45);
        assert.equal(c.settings.pickup_failure_mode, 'reject');
        const key = ok(await env.admin.post('/v1.0/accesskeys', { customer_id: c.id })).key;
        assert.deepEqual(ok(await env.anon.get('/v1.0/callflows', { key })).result, []);
      });

      it('refuses bad input: domain syntax, settings types and unknown settings', async () => {
        const post = (body: unknown) => env.admin.post('/v1.0/customers', body);
        assertError(await post({ name: 'x', domain: 'bad domain' }), 400, 'VALIDATION_FAILED', '/domain');
        assertError(await post({ name: 'x', domain: '-x.com' }), 400, 'VALIDATION_FAILED', '/domain');
        assertError(await post({ name: 'x' }), 400, 'VALIDATION_FAILED', '/domain');
        assertError(
          await post({ name: 'x', domain: uniqueDomain(), settings: { ring_timeout: 0 } }),
          400,
          'VALIDATION_FAILED',
          '/settings/ring_timeout',
        );
        assertError(
          await post({ name: 'x', domain: uniqueDomain(), settings: { pickup_failure_mode: 'loud' } }),
          400,
          'VALIDATION_FAILED',
          '/settings/pickup_failure_mode',
        );
        assertError(
          await post({ name: 'x', domain: uniqueDomain(), settings: { colour: 'red' } }),
          400,
          'VALIDATION_FAILED',
          '/settings/colour',
        );
        assertError(
          await post({ name: 'x', domain: uniqueDomain(), id: NIL }),
          400,
          'VALIDATION_FAILED',
          '/id',
        );
      });

      it('a taken domain → 409 DOMAIN_TAKEN (case-insensitive)', async () => {
        const r = await env.admin.post('/v1.0/customers', {
          name: 'Dup',
          domain: a.customer.domain.toUpperCase(),
        });
        assertError(r, 409, 'DOMAIN_TAKEN');
        const other = ok(await env.admin.post('/v1.0/customers', { name: 'C', domain: uniqueDomain() }));
        assertError(
          await env.admin.put(`/v1.0/customers/${other.id}`, { domain: a.customer.domain }),
          409,
          'DOMAIN_TAKEN',
        );
      });

      it('lists, gets, updates; a domain change is refused while the tenant has devices', async () => {
        const t = await newTenant(env);
        const list = ok(await env.admin.get('/v1.0/customers?page_size=100'));
        assert.ok(list.result.some((c: { id: string }) => c.id === t.customer.id));
        assert.deepEqual(ok(await env.admin.get(`/v1.0/customers/${t.customer.id}`)), t.customer);
        const renamed = ok(await env.admin.put(`/v1.0/customers/${t.customer.id}`, { name: 'Renamed' }));
        assert.equal(renamed.name, 'Renamed');
        const moved = ok(await env.admin.put(`/v1.0/customers/${t.customer.id}`, { domain: uniqueDomain() }));
        assert.notEqual(moved.domain, t.customer.domain);
        const device = ok(await t.api.post('/v1.0/devices', bodies.device()));
        const r = await env.admin.put(`/v1.0/customers/${t.customer.id}`, { domain: uniqueDomain() });
        assertError(r, 409, 'DOMAIN_IN_USE');
        assert.ok(JSON.stringify(r.body.error.details).includes(device.id), 'details name the devices');
        assertError(await env.admin.get(`/v1.0/customers/${UNKNOWN_ID}`), 404, 'CUSTOMER_NOT_FOUND');
        assertError(
          await env.admin.put(`/v1.0/customers/${UNKNOWN_ID}`, { name: 'x' }),
          404,
          'CUSTOMER_NOT_FOUND',
        );
        assertError(await env.admin.get('/v1.0/customers/not-a-uuid'), 400, 'INVALID_ID');
      });

      it('delete purges the tenant: its keys stop working and its rows are gone', async () => {
        const t = await newTenant(env);
        ok(await t.api.post('/v1.0/users', bodies.user()));
        const deleted = ok(await env.admin.delete(`/v1.0/customers/${t.customer.id}`));
        assert.equal(deleted.id, t.customer.id);
        assertError(await t.api.get('/v1.0/users'), 401, 'UNAUTHORIZED');
        assertError(await env.admin.get(`/v1.0/customers/${t.customer.id}`), 404, 'CUSTOMER_NOT_FOUND');
        assertError(await env.admin.delete(`/v1.0/customers/${t.customer.id}`), 404, 'CUSTOMER_NOT_FOUND');
        assert.equal(await env.store.repos.users.count(t.customer.id), 0);
      });
    });

    describe('/v1.0/customers as a customer key', () => {
      it('sees only itself', async () => {
        const list = ok(await a.api.get('/v1.0/customers'));
        assert.deepEqual(
          list.result.map((c: { id: string }) => c.id),
          [a.customer.id],
        );
        assert.equal(list.next_page_token, '');
        assert.equal(ok(await a.api.get(`/v1.0/customers/${a.customer.id}`)).id, a.customer.id);
        assertError(await a.api.get(`/v1.0/customers/${b.customer.id}`), 404, 'CUSTOMER_NOT_FOUND');
        assertError(await a.api.get(`/v1.0/customers/${UNKNOWN_ID}`), 404, 'CUSTOMER_NOT_FOUND');
      });

      it('updates its own name and settings, not its domain, not others', async () => {
        const upd = ok(
          await a.api.put(`/v1.0/customers/${a.customer.id}`, { settings: { monitor_all: true } }),
        );
        assert.equal(upd.settings.monitor_all, true);
        assert.equal(upd.settings.feature_codes, true);
        ok(await a.api.put(`/v1.0/customers/${a.customer.id}`, { name: 'Mine' }));
        const r = await a.api.put(`/v1.0/customers/${a.customer.id}`, { domain: uniqueDomain() });
        assertError(r, 403, 'FORBIDDEN');
        assert.match(r.body.error.message, /admin/);
        assertError(
          await a.api.put(`/v1.0/customers/${b.customer.id}`, { name: 'x' }),
          404,
          'CUSTOMER_NOT_FOUND',
        );
        assert.equal(ok(await b.api.get(`/v1.0/customers/${b.customer.id}`)).name, b.customer.name);
      });

      it('may not create or delete tenants', async () => {
        assertError(
          await a.api.post('/v1.0/customers', { name: 'x', domain: uniqueDomain() }),
          403,
          'FORBIDDEN',
        );
        assertError(await a.api.delete(`/v1.0/customers/${a.customer.id}`), 403, 'FORBIDDEN');
        assertError(await a.api.delete(`/v1.0/customers/${b.customer.id}`), 403, 'FORBIDDEN');
        ok(await b.api.get(`/v1.0/customers/${b.customer.id}`));
      });

      it('needs a key', async () => {
        assertError(await env.anon.get('/v1.0/customers'), 401, 'UNAUTHORIZED');
        assertError(
          await env.anon.post('/v1.0/customers', { name: 'x', domain: uniqueDomain() }),
          401,
          'UNAUTHORIZED',
        );
      });
    });

    describe('/v1.0/accesskeys', () => {
      it('the admin creates a key for a customer; unknown customer → 404; none named → 400', async () => {
        const k = ok(await env.admin.post('/v1.0/accesskeys', { customer_id: a.customer.id, name: 'ci' }));
        assert.match(k.key, /^rk_[0-9a-f]{10}_[A-Za-z0-9_-]+$/);
        assert.equal(k.role, 'customer');
        assert.equal(k.name, 'ci');
        assert.ok(k.key.startsWith(`rk_${k.key_prefix}`));
        ok(await env.anon.get('/v1.0/users', { key: k.key }));
        assertError(
          await env.admin.post('/v1.0/accesskeys', { customer_id: UNKNOWN_ID }),
          404,
          'CUSTOMER_NOT_FOUND',
        );
        assertError(
          await env.admin.post('/v1.0/accesskeys', { customer_id: NIL }),
          404,
          'CUSTOMER_NOT_FOUND',
        );
        assertError(await env.admin.post('/v1.0/accesskeys', {}), 400, 'VALIDATION_FAILED', '/customer_id');
        assertError(
          await env.admin.post('/v1.0/accesskeys', { customer_id: 'nope' }),
          400,
          'VALIDATION_FAILED',
          '/customer_id',
        );
      });

      it("a customer key creates keys for its own tenant; someone else's customer_id → 403", async () => {
        const own = ok(await a.api.post('/v1.0/accesskeys', { name: 'second' }));
        assert.equal(own.customer_id, a.customer.id);
        const same = ok(await a.api.post('/v1.0/accesskeys', { customer_id: a.customer.id }));
        assert.equal(same.customer_id, a.customer.id);
        assertError(await a.api.post('/v1.0/accesskeys', { customer_id: b.customer.id }), 403, 'FORBIDDEN');
        assertError(
          await a.api.post('/v1.0/accesskeys', { role: 'admin' }),
          400,
          'VALIDATION_FAILED',
          '/role',
        );
      });

      it('lists and gets keys without secrets; revoked keys stop working at once', async () => {
        const k = ok(await a.api.post('/v1.0/accesskeys', { name: 'temp' }));
        const list = ok(await a.api.get('/v1.0/accesskeys'));
        assert.ok(list.result.every((x: { customer_id: string }) => x.customer_id === a.customer.id));
        const listed = list.result.find((x: { id: string }) => x.id === k.id);
        assert.ok(listed);
        assert.equal('key' in listed, false, 'list must not leak secrets');
        const got = ok(await a.api.get(`/v1.0/accesskeys/${k.id}`));
        assert.equal('key' in got, false);
        assertError(await b.api.get(`/v1.0/accesskeys/${k.id}`), 404, 'ACCESSKEY_NOT_FOUND');
        assertError(await b.api.delete(`/v1.0/accesskeys/${k.id}`), 404, 'ACCESSKEY_NOT_FOUND');
        ok(await env.anon.get('/v1.0/users', { key: k.key }));
        ok(await a.api.delete(`/v1.0/accesskeys/${k.id}`));
        assertError(await env.anon.get('/v1.0/users', { key: k.key }), 401, 'UNAUTHORIZED');
        assertError(await env.anon.get('/v1.0/users', { key: k.key, keyInQuery: true }), 401, 'UNAUTHORIZED');
        assertError(await a.api.get(`/v1.0/accesskeys/${k.id}`), 404, 'ACCESSKEY_NOT_FOUND');
      });

      it('the admin lists its own (platform) keys, not tenant keys', async () => {
        const list = ok(await env.admin.get('/v1.0/accesskeys'));
        assert.ok(list.result.length >= 1);
        assert.ok(list.result.every((x: { role: string }) => x.role === 'admin'));
        assertError(await env.admin.get(`/v1.0/accesskeys/${a.keyId}`), 404, 'ACCESSKEY_NOT_FOUND');
      });
    });
  });
}
