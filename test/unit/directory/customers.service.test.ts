import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, refused, unknownId, useEnv } from './helpers.ts';

for (const dialect of dialects) {
  describe(`customers (${dialect})`, () => {
    const env = useEnv(dialect);

    it('creates the tenant with its three feature-code callflows, which match *87, *87101 and 88sales', async () => {
      const c = await env.dir.customers.create({ name: 'Acme', domain: 'PBX.Acme.Example' });
      assert.equal(c.domain, 'pbx.acme.example');
      assert.deepEqual(c.settings, {
        feature_codes: true,
        pickup_failure_mode: 'reject',
        ring_timeout: 20,
        monitor_all: false,
      });
      const page = await env.dir.callflows.list(c.id, {});
      const byCode = Object.fromEntries(page.result.map((cf) => [cf.feature_code, cf]));
      assert.deepEqual(Object.keys(byCode).sort(), ['directed_pickup', 'general_pickup', 'named_pickup']);
      assert.deepEqual(byCode.general_pickup.patterns, ['^\\*87#?$']);
      assert.deepEqual(byCode.general_pickup.flow, { module: 'general_pickup', data: {}, children: {} });
      assert.deepEqual(byCode.directed_pickup.patterns, ['^\\*87([0-9]+)#?$']);
      assert.deepEqual(byCode.directed_pickup.flow, {
        module: 'group_pickup_feature',
        data: { type: 'extension' },
        children: {},
      });
      assert.deepEqual(byCode.named_pickup.patterns, ['^88\\*?(.+)$']);
      assert.equal(byCode.named_pickup.flow.module, 'named_pickup');

      const m1 = env.dir.cache.matchCallflow(c.id, '*87');
      assert.equal(m1?.callflow.feature_code, 'general_pickup');
      const m2 = env.dir.cache.matchCallflow(c.id, '*87101');
      assert.equal(m2?.callflow.feature_code, 'directed_pickup');
      assert.equal(m2?.capture, '101');
      assert.equal(env.dir.cache.matchCallflow(c.id, '*87101#')?.capture, '101');
      const m3 = env.dir.cache.matchCallflow(c.id, '88sales');
      assert.equal(m3?.callflow.feature_code, 'named_pickup');
      assert.equal(m3?.capture, 'sales');
      assert.equal(env.dir.cache.tenantByDomain('pbx.acme.example')?.id, c.id);
    });

    it('makes no feature codes when settings.feature_codes is false; other settings merge with defaults', async () => {
      const c = await env.tenant({ feature_codes: false, ring_timeout: 45 });
      assert.deepEqual(c.settings, {
        feature_codes: false,
        pickup_failure_mode: 'reject',
        ring_timeout: 45,
        monitor_all: false,
      });
      assert.deepEqual((await env.dir.callflows.list(c.id, {})).result, []);
      assert.equal(env.dir.cache.matchCallflow(c.id, '*87'), undefined);
    });

    it('refuses a taken domain (case-insensitively) with 409 DOMAIN_TAKEN, creating nothing', async () => {
      const c = await env.tenant();
      const before = (await env.dir.customers.list({})).result.length;
      await refused(
        env.dir.customers.create({ name: 'Dup', domain: c.domain.toUpperCase() }),
        409,
        'DOMAIN_TAKEN',
        '/domain',
      );
      assert.equal((await env.dir.customers.list({})).result.length, before);
    });

    it('validates input: bad domain and unknown fields are 400 with the path', async () => {
      await refused(
        env.dir.customers.create({ name: 'x', domain: 'bad domain' }),
        400,
        'VALIDATION_FAILED',
        '/domain',
      );
      await refused(
        env.dir.customers.create({ name: 'x', domain: 'ok.example', color: 'red' } as never),
        400,
        'VALIDATION_FAILED',
        '/color',
      );
    });

    it('gets, lists newest first with pages, 404 CUSTOMER_NOT_FOUND for unknown ids', async () => {
      const a = await env.tenant();
      const b = await env.tenant();
      assert.equal((await env.dir.customers.get(a.id)).domain, a.domain);
      const first = await env.dir.customers.list({ page_size: 1 });
      assert.equal(first.result[0].id, b.id);
      const second = await env.dir.customers.list({ page_size: 1, page_token: first.next_page_token });
      assert.equal(second.result[0].id, a.id);
      await refused(env.dir.customers.get(unknownId()), 404, 'CUSTOMER_NOT_FOUND');
      await refused(
        env.dir.customers.list({ page_token: 'garbage!' }),
        400,
        'INVALID_PAGE_TOKEN',
        '/page_token',
      );
    });

    it('updates name, settings (partially) and domain; the cache follows at once', async () => {
      const c = await env.tenant();
      const domain = `moved-${c.domain}`;
      const u = await env.dir.customers.update(c.id, {
        name: 'Renamed',
        domain: domain.toUpperCase(),
        settings: { monitor_all: true },
      });
      assert.equal(u.name, 'Renamed');
      assert.equal(u.domain, domain);
      assert.equal(u.settings.monitor_all, true);
      assert.equal(u.settings.ring_timeout, 20);
      assert.notEqual(u.tm_update, '9999-01-01 00:00:00.000000');
      assert.equal(env.dir.cache.tenantByDomain(domain)?.id, c.id);
      assert.equal(env.dir.cache.tenantByDomain(c.domain), undefined);
      assert.equal(env.dir.cache.tenant(c.id)?.settings.monitor_all, true);
    });

    it('refuses a domain change while devices exist: 409 DOMAIN_IN_USE naming them and saying why', async () => {
      const c = await env.tenant();
      const d = await env.dir.devices.create(c.id, {
        name: 'p',
        sip_username: '100',
        sip_password: 'password1',
      });
      const e = await refused(
        env.dir.customers.update(c.id, { domain: `x-${c.domain}` }),
        409,
        'DOMAIN_IN_USE',
        '/domain',
      );
      assert.deepEqual(e.details[0].ids, [d.id]);
      assert.match(e.message, /realm/);
      assert.match(e.message, /HA1/);
      assert.equal((await env.dir.customers.get(c.id)).domain, c.domain);
      // the same domain (any case) is not a change
      await env.dir.customers.update(c.id, { domain: c.domain.toUpperCase(), name: 'same' });
    });

    it('refuses moving to a taken domain', async () => {
      const a = await env.tenant();
      const b = await env.tenant();
      await refused(env.dir.customers.update(b.id, { domain: a.domain }), 409, 'DOMAIN_TAKEN');
    });

    it('delete purges the tenant: rows, cache and keys', async () => {
      const c = await env.tenant();
      const user = await env.dir.users.create(c.id, { name: 'Ann' });
      const key = await env.dir.accessKeys.create(c.id, 'customer');
      assert.ok(env.dir.accessKeys.authenticate(key.key));
      const removed = await env.dir.customers.delete(c.id);
      assert.equal(removed.id, c.id);
      await refused(env.dir.customers.get(c.id), 404, 'CUSTOMER_NOT_FOUND');
      assert.equal(await env.store.repos.users.get(c.id, user.id), undefined);
      assert.equal(await env.store.repos.callflows.count(c.id), 0);
      assert.equal(env.dir.cache.tenant(c.id), undefined);
      assert.equal(env.dir.cache.user(c.id, user.id), undefined);
      assert.equal(env.dir.accessKeys.authenticate(key.key), undefined);
      await refused(env.dir.customers.delete(c.id), 404, 'CUSTOMER_NOT_FOUND');
      await refused(env.dir.users.create(c.id, { name: 'late' }), 404, 'CUSTOMER_NOT_FOUND');
    });

    it('a restarted directory loads every tenant from the store', async () => {
      const c = await env.tenant();
      const u = await env.dir.users.create(c.id, { name: 'Ann', call_groups: ['sales'] });
      const d = await env.dir.devices.create(c.id, {
        name: 'p',
        owner_id: u.id,
        sip_username: '200',
        sip_password: 'password1',
      });
      const again = await env.reopen();
      assert.equal(again.cache.tenantByDomain(c.domain)?.id, c.id);
      assert.equal(again.cache.deviceBySipUsername(c.id, '200')?.id, d.id);
      assert.deepEqual(
        again.cache.devicesOfUser(c.id, u.id).map((x) => x.id),
        [d.id],
      );
      assert.deepEqual(again.cache.usersInCallGroup(c.id, 'sales'), [u.id]);
      assert.equal(again.cache.matchCallflow(c.id, '*87200')?.capture, '200');
    });
  });
}
