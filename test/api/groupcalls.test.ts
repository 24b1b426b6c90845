/**
 * The groupcall and outbound-call routes (groupcall.md) over a real call engine on a fake SIP network, on
 * both dialects: `POST /v1.0/groupcalls`, `GET` (live from memory, then the store), `POST …/hangup`,
 * `DELETE` (soft), `POST /v1.0/calls`; every refusal with its reason and path; tenant scoping. Every answer
 * is checked against the OpenAPI document by the test client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PbxApi } from '../../src/api/pbx.ts';
import type { DeviceEntry } from '../../src/directory/contract.ts';
import { CallEngine } from '../../src/pbx/calls/index.ts';
import type { Binding, RegistrarLookup } from '../../src/pbx/registrar/types.ts';
import { sequentialIds } from '../../src/sip/ids.ts';
import { FakeClock, FakeNetwork } from '../../src/sip/testing/index.ts';
import { UserAgent, type IncomingInvite } from '../../src/sip/ua/index.ts';
import { NIL_UUID, NOT_YET } from '../../src/store/index.ts';
import { assertError, ok } from '../support/api-client.ts';
import { availableDialects } from '../support/databases.ts';
import { FakeMedia } from '../support/fake-media.ts';
import { UNKNOWN_ID, useEnv, useTenant, type Env, type Tenant } from './harness.ts';

const RINGD = '10.1.0.10';

/** A SIP phone that rings (180) and keeps its INVITEs for the test to answer. */
class Phone {
  readonly ua: UserAgent;
  readonly invites: IncomingInvite[] = [];
  constructor(
    net: FakeNetwork,
    clock: FakeClock,
    readonly name: string,
    readonly address: string,
  ) {
    this.ua = new UserAgent({
      transport: net.attach({ address }),
      clock,
      ids: sequentialIds(`${name}-`),
      contactUser: name,
      delegate: {
        onInvite: (inv) => {
          this.invites.push(inv);
          inv.progress(180);
        },
      },
    });
  }
  answer(i = 0): void {
    const sdp = [
      'v=0',
      `o=p 1 1 IN IP4 ${this.address}`,
      's=-',
      `c=IN IP4 ${this.address}`,
      't=0 0',
      'm=audio 40000 RTP/AVP 0',
      'a=rtpmap:0 PCMU/8000',
      '',
    ].join('\r\n');
    this.invites[i].accept({ body: sdp });
  }
}

/** The call engine of the suite, built once the env (store, directory) exists. */
class World {
  readonly clock = new FakeClock(0);
  readonly net = new FakeNetwork({ clock: this.clock });
  readonly bindings = new Map<string, Binding[]>();
  readonly phones = new Map<string, Phone>();
  engine!: CallEngine;
  private ringd!: UserAgent;

  /** Forwards to the engine (the API is built before it exists). */
  readonly pbx: PbxApi = {
    registrations: { list: () => ({ result: [], next_page_token: '' }) },
    calls: {
      latest: (c, id) => this.engine.latestCall(c, id),
      written: () => this.engine.callsWritten(),
      hangup: (c, id) => this.engine.hangup(c, id),
      create: (c, input) => this.engine.createCalls(c, input),
    },
    groupcalls: {
      create: (c, input) => this.engine.createGroupcall(c, input),
      latest: (c, id) => this.engine.groupcall(c, id),
      written: () => this.engine.groupcallsWritten(),
      hangup: (c, id) => this.engine.hangupGroupcall(c, id),
      delete: (c, id) => this.engine.deleteGroupcall(c, id),
    },
  };

  start(env: Env): void {
    const registrar: RegistrarLookup = { contactsOf: (_c, id) => this.bindings.get(id) ?? [] };
    this.ringd = new UserAgent({
      transport: this.net.attach({ address: RINGD }),
      clock: this.clock,
      ids: sequentialIds('ringd-'),
    });
    this.engine = new CallEngine({
      ua: this.ringd,
      media: new FakeMedia(),
      directory: env.directory.cache,
      registrar,
      auth: { check: () => ({ ok: false, status: 403, reason: 'Forbidden', headers: [], cause: 'test' }) },
      store: env.store,
      clock: this.clock,
      trunks: async (customerId) => (await env.directory.trunks.list(customerId, { page_size: 100 })).result,
      // Longer than any test here: a record reaches the store only when something asks for it.
      recordWriteMs: 5_000,
    });
  }

  /** A phone registered for `device`. */
  phone(device: DeviceEntry, address: string): Phone {
    const p = new Phone(this.net, this.clock, device.sipUsername, address);
    this.phones.set(address, p);
    this.bindings.set(device.id, [
      {
        customerId: device.customerId,
        deviceId: device.id,
        contact: `sip:${device.sipUsername}@${address}:5060`,
        source: { address, port: 5060, transport: 'UDP' },
        expiresAt: Number.MAX_SAFE_INTEGER,
        userAgent: 'test',
        callId: `reg-${address}`,
        cseq: 1,
        q: 1,
      },
    ]);
    return p;
  }

  /** Lets the network and the engine's timers run for `ms` of virtual time. */
  async run(ms = 50): Promise<void> {
    const end = this.clock.now() + ms;
    for (;;) {
      for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
      const next = this.clock.nextTimerAt();
      if (next === undefined || next > end) break;
      this.clock.advance(Math.max(0, next - this.clock.now()));
    }
    this.clock.advance(end - this.clock.now());
    for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
  }

  async close(): Promise<void> {
    await this.engine?.close();
    this.ringd?.close();
    for (const p of this.phones.values()) p.ua.close();
  }
}

/** Devices made over the API, as the engine's cache sees them. */
async function devices(env: Env, t: Tenant, names: string[]): Promise<Record<string, DeviceEntry>> {
  const out: Record<string, DeviceEntry> = {};
  for (const name of names) {
    const d = ok(
      await t.api.post('/v1.0/devices', {
        name,
        sip_username: `${name}${Math.random().toString(36).slice(2, 8)}`,
        sip_password: 'secret-password-1',
      }),
    );
    out[name] = env.directory.cache.device(t.customer.id, d.id)!;
  }
  return out;
}

for (const dialect of await availableDialects()) {
  describe(`groupcall routes (${dialect})`, () => {
    const world = new World();
    const env = useEnv(dialect, { pbx: world.pbx });
    const a = useTenant(env);
    const b = useTenant(env);
    let dev: Record<string, DeviceEntry>;
    let n = 0;
    before(async () => {
      world.start(env);
      dev = await devices(env, a, ['carol', 'dave']);
      const base = 20 + 10 * (dialect === 'postgres' ? 1 : 0);
      world.phone(dev.carol, `10.1.0.${base + 1}`);
      world.phone(dev.dave, `10.1.0.${base + 2}`);
    });
    after(() => world.close());
    const phoneOf = (d: DeviceEntry) => [...world.phones.values()].find((p) => p.name === d.sipUsername)!;

    it('create → 200 with the seed struct; GET live; the answer; hangup twice; delete; hidden from lists', async () => {
      const created = ok(
        await a.api.post('/v1.0/groupcalls', {
          source: { type: 'tel', target: '+15551234567' },
          destinations: [
            { type: 'extension', target_name: dev.carol.sipUsername },
            { type: 'extension', target: `${dev.dave.sipUsername}@${a.customer.domain}` },
          ],
        }),
      );
      assert.equal(created.customer_id, a.customer.id);
      assert.equal(created.status, 'progressing');
      assert.deepEqual(
        [created.ring_method, created.answer_method, created.owner_type, created.owner_id],
        ['ring_all', 'hangup_others', '', NIL_UUID],
      );
      assert.deepEqual(
        [created.master_call_id, created.master_groupcall_id, created.flow_id],
        [NIL_UUID, NIL_UUID, NIL_UUID],
      );
      assert.deepEqual([created.answer_call_id, created.answer_groupcall_id], [NIL_UUID, NIL_UUID]);
      assert.deepEqual([created.call_count, created.groupcall_count, created.dial_index], [0, 2, 0]);
      assert.equal(created.groupcall_ids.length, 2);
      assert.deepEqual(created.call_ids, []);
      assert.deepEqual([created.tm_update, created.tm_delete], [NOT_YET, NOT_YET]);
      assert.deepEqual(ok(await a.api.get(`/v1.0/groupcalls/${created.id}`)), created, 'stored as answered');

      await world.run();
      const carol = phoneOf(dev.carol);
      const dave = phoneOf(dev.dave);
      assert.equal(carol.invites.length, 1);
      assert.equal(dave.invites.length, 1);
      dave.answer();
      await world.run();
      const live = ok(await a.api.get(`/v1.0/groupcalls/${created.id}`));
      assert.equal(live.answer_groupcall_id, created.groupcall_ids[1]);
      assert.equal(live.status, 'progressing');
      assert.match(live.tm_update, /^\d{4}-/);
      assert.notEqual(live.tm_update, NOT_YET);
      assertError(await b.api.get(`/v1.0/groupcalls/${created.id}`), 404, 'GROUPCALL_NOT_FOUND');
      assertError(await b.api.post(`/v1.0/groupcalls/${created.id}/hangup`), 404, 'GROUPCALL_NOT_FOUND');

      const hanging = ok(await a.api.post(`/v1.0/groupcalls/${created.id}/hangup`));
      assert.equal(hanging.status, 'hangingup');
      await world.run();
      const done = ok(await a.api.get(`/v1.0/groupcalls/${created.id}`));
      assert.equal(done.status, 'hangup');
      assert.deepEqual(ok(await a.api.post(`/v1.0/groupcalls/${created.id}/hangup`)), done, 'idempotent');

      const listed = ok(await a.api.get('/v1.0/groupcalls'));
      const ids = listed.result.map((g: { id: string }) => g.id);
      assert.ok(ids.includes(created.id));
      for (const nested of created.groupcall_ids)
        assert.ok(ids.includes(nested), 'nested groupcalls are listed');

      const deleted = ok(await a.api.delete(`/v1.0/groupcalls/${created.id}`));
      assert.equal(deleted.id, created.id);
      assert.notEqual(deleted.tm_delete, NOT_YET);
      assertError(await a.api.get(`/v1.0/groupcalls/${created.id}`), 404, 'GROUPCALL_NOT_FOUND');
      assertError(await a.api.delete(`/v1.0/groupcalls/${created.id}`), 404, 'GROUPCALL_NOT_FOUND');
      assertError(await a.api.post(`/v1.0/groupcalls/${created.id}/hangup`), 404, 'GROUPCALL_NOT_FOUND');
      const after = ok(await a.api.get('/v1.0/groupcalls'));
      assert.ok(!after.result.some((g: { id: string }) => g.id === created.id), 'gone from lists');
    });

    it('linear with ring_timeout: dial_index advances when the first rings out', async () => {
      const created = ok(
        await a.api.post('/v1.0/groupcalls', {
          ring_method: 'linear',
          ring_timeout: 3,
          destinations: [
            { type: 'device', target: dev.carol.id },
            { type: 'device', target: dev.dave.id },
          ],
        }),
      );
      assert.deepEqual([created.ring_method, created.dial_index, created.call_count], ['linear', 0, 1]);
      await world.run(3_100);
      const moved = ok(await a.api.get(`/v1.0/groupcalls/${created.id}`));
      assert.equal(moved.dial_index, 1);
      assert.equal(moved.call_ids.length, 2);
      await world.run(3_100);
      assert.equal(ok(await a.api.get(`/v1.0/groupcalls/${created.id}`)).status, 'hangup');
    });

    it('refusals: unknown type, unknown targets, tel without trunk, bad flow_id, unknown fields', async () => {
      const post = (body: unknown) => a.api.post('/v1.0/groupcalls', body);
      assertError(await post({ destinations: [{ type: 'fax', target: '1' }] }), 400, 'VALIDATION_FAILED');
      assertError(await post({ destinations: [] }), 400, 'VALIDATION_FAILED');
      assertError(
        await post({ destinations: [{ type: 'sip', target: 'sip:x@10.1.0.99' }], colour: 1 }),
        400,
        'VALIDATION_FAILED',
      );
      assertError(
        await post({ destinations: [{ type: 'sip', target: 'sip:x@10.1.0.99' }], ring_method: 'random' }),
        400,
        'VALIDATION_FAILED',
      );
      assertError(
        await post({ destinations: [{ type: 'extension', target_name: 'nobody' }] }),
        400,
        'REFERENCE_NOT_FOUND',
        '/destinations/0/target_name',
      );
      assertError(
        await post({ destinations: [{ type: 'user', target: UNKNOWN_ID }] }),
        400,
        'REFERENCE_NOT_FOUND',
        '/destinations/0/target',
      );
      assertError(
        await post({ destinations: [{ type: 'device', target: dev.carol.id }] }).then(() =>
          b.api.post('/v1.0/groupcalls', { destinations: [{ type: 'device', target: dev.carol.id }] }),
        ),
        400,
        'REFERENCE_NOT_FOUND',
      );
      assertError(
        await post({ destinations: [{ type: 'tel', target: '+15550001111' }] }),
        400,
        'NO_TRUNK',
        '/destinations/0/target',
      );
      assertError(
        await post({ destinations: [{ type: 'device', target: dev.carol.id }], flow_id: UNKNOWN_ID }),
        400,
        'REFERENCE_NOT_FOUND',
        '/flow_id',
      );
      assertError(await a.api.post(`/v1.0/groupcalls/${UNKNOWN_ID}/hangup`), 404, 'GROUPCALL_NOT_FOUND');
      assertError(await a.api.delete(`/v1.0/groupcalls/${UNKNOWN_ID}`), 404, 'GROUPCALL_NOT_FOUND');
      assertError(await a.api.post('/v1.0/groupcalls/not-a-uuid/hangup'), 400, 'INVALID_ID');
      assertError(await env.admin.post('/v1.0/groupcalls', { destinations: [] }), 403, 'FORBIDDEN');
      assertError(await env.anon.post('/v1.0/groupcalls', { destinations: [] }), 401, 'UNAUTHORIZED');
      await world.run(10_000);
      for (const p of world.phones.values()) for (const inv of p.invites) inv.reject(486);
      await world.run(100);
    });

    it('tel through a trunk created over the API', async () => {
      const gw = new Phone(world.net, world.clock, 'gw', `10.1.0.${60 + n++}`);
      world.phones.set(gw.address, gw);
      ok(await a.api.post('/v1.0/trunks', { name: 'GW', uri: `sip:${gw.address}:5060`, prefixes: ['+1'] }));
      const created = ok(
        await a.api.post('/v1.0/groupcalls', { destinations: [{ type: 'tel', target: '+15550001111' }] }),
      );
      await world.run();
      assert.equal(gw.invites.length, 1);
      assert.equal(gw.invites[0].request.uriText, `sip:+15550001111@${gw.address}:5060`);
      ok(await a.api.post(`/v1.0/groupcalls/${created.id}/hangup`));
      await world.run();
    });

    it('POST /v1.0/calls: a call per single-leg destination, a groupcall per group', async () => {
      const user = ok(await a.api.post('/v1.0/users', { name: 'Erin' }));
      const made = ok(
        await a.api.post('/v1.0/calls', {
          destinations: [
            { type: 'device', target: dev.carol.id },
            { type: 'user', target: user.id },
          ],
        }),
      );
      assert.equal(made.calls.length, 1);
      assert.equal(made.groupcalls.length, 1);
      assert.deepEqual([made.calls[0].direction, made.calls[0].status], ['outgoing', 'dialing']);
      const listed = ok(await a.api.get(`/v1.0/calls/${made.calls[0].id}`));
      assert.equal(listed.id, made.calls[0].id, 'readable at once');
      assertError(
        await a.api.post('/v1.0/calls', { destinations: [{ type: 'extension', target: 'nobody' }] }),
        400,
        'REFERENCE_NOT_FOUND',
      );
      await world.run();
      ok(await a.api.post(`/v1.0/calls/${made.calls[0].id}/hangup`));
      await world.run();
    });

    it('GET /v1.0/calls/{id} and the list show the latest state, though records are written behind', async () => {
      const made = ok(
        await a.api.post('/v1.0/calls', { destinations: [{ type: 'device', target: dev.carol.id }] }),
      );
      const id = made.calls[0].id;
      await world.run();
      const ringing = ok(await a.api.get(`/v1.0/calls/${id}`));
      assert.equal(ringing.status, 'ringing', 'the live leg, from memory');
      assertError(await b.api.get(`/v1.0/calls/${id}`), 404, 'CALL_NOT_FOUND');
      ok(await a.api.post(`/v1.0/calls/${id}/hangup`));
      await world.run();
      const ended = ok(await a.api.get(`/v1.0/calls/${id}`));
      assert.deepEqual([ended.status, ended.hangup_by], ['hangup', 'local'], 'ended, not yet written');
      assertError(await b.api.get(`/v1.0/calls/${id}`), 404, 'CALL_NOT_FOUND');
      const listed = ok(await a.api.get('/v1.0/calls?page_size=100'));
      const row = listed.result.find((c: { id: string }) => c.id === id);
      assert.deepEqual(row, ended, 'the list waited for the write');
    });
  });
}
