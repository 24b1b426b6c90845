/**
 * The registrar behind a real UA on the fake network, in virtual time: a test phone registers with digest
 * (401 then 200), a wrong password gets 403, a burst of 16 wrong attempts is throttled, and after the
 * cooldown the right password works. Real store (SQLite in memory) and directory.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createDirectory } from '../../src/directory/index.ts';
import { DeviceAuth } from '../../src/pbx/auth/device-auth.ts';
import { Registrar } from '../../src/pbx/registrar/registrar.ts';
import { DigestClient } from '../../src/sip/auth/index.ts';
import { sequentialIds } from '../../src/sip/ids.ts';
import type { SipResponse } from '../../src/sip/message/index.ts';
import { FakeClock, FakeNetwork } from '../../src/sip/testing/index.ts';
import { UserAgent } from '../../src/sip/ua/index.ts';
import { openStore } from '../../src/store/index.ts';

const DOMAIN = 'acme.example.com';
const PBX = { transport: 'UDP', address: '10.0.0.1', port: 5060 };

async function setup() {
  const clock = new FakeClock(Date.parse('2025-03-01T12:00:00Z'));
  const store = await openStore({ url: 'sqlite::memory:' });
  const dir = await createDirectory({ store, now: () => clock.now() });
  const tenant = await dir.customers.create({ name: 'Acme', domain: DOMAIN });
  const device = await dir.devices.create(tenant.id, {
    name: 'Alice',
    sip_username: 'alice',
    sip_password: 'correct horse',
  });
  const net = new FakeNetwork({ clock });
  const logs: Array<{ msg: string; o?: object }> = [];
  const auth = new DeviceAuth({
    cache: dir.cache,
    clock,
    ids: sequentialIds('n'),
    log: (msg, o) => logs.push({ msg, o }),
  });
  const registrar = new Registrar({
    auth,
    store,
    clock,
    ids: sequentialIds('r'),
    now: () => clock.now(),
    directory: dir,
  });
  await registrar.load();
  const pbx = new UserAgent({
    transport: net.attach({ address: PBX.address }),
    clock,
    ids: sequentialIds('p'),
    capabilities: { methods: new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER']) },
    delegate: { onRequest: (req, txn, inbound) => registrar.handle(req, txn, inbound) },
  });
  // The phone sits behind a NAT: its Contact names a private address, its packets come from 10.0.0.2:5062.
  const phone = new UserAgent({
    transport: net.attach({ address: '10.0.0.2', udpPort: 5062, advertisedHost: '192.168.1.20' }),
    clock,
    ids: sequentialIds('ph'),
    contactUser: 'alice-0x55d',
  });
  const digest = new DigestClient({ ids: sequentialIds('cn') });

  /** Runs the network and the registrar until `p` settles. */
  const run = async (p: Promise<SipResponse>): Promise<SipResponse> => {
    let res: SipResponse | undefined;
    void p.then((r) => (res = r));
    for (let i = 0; i < 100 && res === undefined; i++) {
      clock.advance(0);
      await registrar.idle();
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(res, 'the REGISTER got a final answer');
    return res;
  };
  const send = (headers: Array<[string, string]> = []) =>
    run(
      phone.request('REGISTER', {
        uri: `sip:${DOMAIN}`,
        destination: PBX,
        from: `<sip:alice@${DOMAIN}>`,
        to: `<sip:alice@${DOMAIN}>`,
        headers: [['Expires', '600'], ...headers],
      }),
    );
  /** REGISTER, answer the 401 with `password`, return the second answer. */
  const register = async (password: string, extra: Array<[string, string]> = []) => {
    const first = await send(extra);
    if (first.status !== 401) return first;
    const value = digest.authorize({
      challenge: first.getAll('www-authenticate'),
      method: 'REGISTER',
      uri: `sip:${DOMAIN}`,
      username: 'alice',
      password,
    });
    return send([['Authorization', value], ...extra]);
  };
  const close = async () => {
    await registrar.idle();
    registrar.close();
    phone.close();
    pbx.close();
    await store.close();
  };
  return { clock, net, store, tenant, device, registrar, send, register, logs, close };
}

describe('registrar over the wire', () => {
  test('REGISTER → 401 with digest challenges → REGISTER with credentials → 200; bound to the NAT source', async () => {
    const s = await setup();
    try {
      const first = await s.send();
      assert.equal(first.status, 401, 'challenged');
      assert.equal(first.getAll('www-authenticate').length, 2, 'SHA-256 and MD5 challenges');
      const ok = await s.register('correct horse', [['Route', '<sip:10.0.0.1:5060;lr>']]);
      assert.equal(ok.status, 200, 'registered (with a Route to us, as baresip outbound= sends)');
      const contacts = ok.getAll('contact');
      assert.equal(contacts.length, 1);
      assert.match(
        contacts[0],
        /^<sip:alice-0x55d@192\.168\.1\.20(:5062)?[^>]*>;expires=600$/,
        'contact with expires',
      );
      assert.ok(ok.get('date'), 'Date header');
      const b = s.registrar.contactsOf(s.tenant.id, s.device.id);
      assert.equal(b.length, 1);
      assert.deepEqual(
        b[0].source,
        { address: '10.0.0.2', port: 5062, transport: 'UDP' },
        'the packet source',
      );
      assert.equal((await s.store.repos.registrations.all()).length, 1, 'stored');
    } finally {
      await s.close();
    }
  });

  test('wrong password → 403 Forbidden, nothing bound', async () => {
    const s = await setup();
    try {
      const res = await s.register('wrong horse');
      assert.equal(res.status, 403);
      assert.equal(res.reason, 'Forbidden');
      assert.equal(s.registrar.contactsOf(s.tenant.id, s.device.id).length, 0);
    } finally {
      await s.close();
    }
  });

  test('16 quick wrong attempts → throttled; the right password too during the cooldown; works after it', async () => {
    const s = await setup();
    try {
      const statuses: string[] = [];
      for (let i = 0; i < 16; i++) {
        const res = await s.register('wrong horse');
        statuses.push(`${res.status} ${res.reason}`);
      }
      assert.deepEqual(statuses.slice(0, 10), Array(10).fill('403 Forbidden'), 'ten counted failures');
      assert.deepEqual(statuses.slice(10), Array(6).fill('403 Too Many Failed Attempts'), 'then throttled');
      const starts = s.logs.filter((l) => l.msg === 'auth throttle started');
      assert.ok(starts.length >= 1, 'the throttle start is logged');
      assert.match(JSON.stringify(starts), /10\.0\.0\.2/, 'with the address');
      assert.match(JSON.stringify(starts), /alice/, 'and the username');

      const during = await s.register('correct horse');
      assert.equal(during.status, 403, 'still throttled during the cooldown');
      assert.equal(during.reason, 'Too Many Failed Attempts');

      s.clock.advance(60_000);
      const after = await s.register('correct horse');
      assert.equal(after.status, 200, 'the right password works after the cooldown');
      assert.equal(s.registrar.contactsOf(s.tenant.id, s.device.id).length, 1);
    } finally {
      await s.close();
    }
  });
});
