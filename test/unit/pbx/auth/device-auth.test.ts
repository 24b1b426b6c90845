/** DeviceAuth outcomes: every status a phone can get, on a fake directory cache, in virtual time. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeviceEntry, DirectoryCache, TenantEntry } from '../../../../src/directory/index.ts';
import { DeviceAuth } from '../../../../src/pbx/auth/device-auth.ts';
import type { AuthOutcome } from '../../../../src/pbx/auth/types.ts';
import type { SourceAddress } from '../../../../src/pbx/registrar/types.ts';
import { computeHa1Set, DigestClient } from '../../../../src/sip/auth/index.ts';
import { sequentialIds } from '../../../../src/sip/ids.ts';
import { SipRequest } from '../../../../src/sip/message/index.ts';
import { FakeClock } from '../../../../src/sip/testing/index.ts';

const DOMAIN = 'acme.example.com';
const SRC: SourceAddress = { address: '192.0.2.10', port: 5060, transport: 'UDP' };

function fakeCache(): { cache: DirectoryCache; devices: Map<string, DeviceEntry> } {
  const tenant: TenantEntry = { id: 'T1', domain: DOMAIN, settings: {} as TenantEntry['settings'] };
  const devices = new Map<string, DeviceEntry>();
  const add = (id: string, user: string, password: string, enabled = true) => {
    const h = computeHa1Set(user, DOMAIN, password);
    devices.set(user, {
      id,
      customerId: 'T1',
      ownerId: '',
      sipUsername: user,
      ha1Md5: h.md5,
      ha1Sha256: h.sha256,
      enabled,
    });
  };
  add('D1', 'alice', 'alice-secret');
  add('D2', 'bob', 'bob-secret', false);
  const cache = {
    tenantByDomain: (d: string) => (d.toLowerCase() === DOMAIN ? tenant : undefined),
    deviceBySipUsername: (c: string, u: string) => (c === 'T1' ? devices.get(u) : undefined),
  } as unknown as DirectoryCache;
  return { cache, devices };
}

function setup(opts: { defaultDomain?: string } = {}) {
  const clock = new FakeClock(1_700_000_000_000);
  const { cache } = fakeCache();
  const logs: string[] = [];
  const auth = new DeviceAuth({
    cache,
    clock,
    ids: sequentialIds('s'),
    defaultDomain: opts.defaultDomain,
    log: (m) => logs.push(m),
  });
  const client = new DigestClient({ ids: sequentialIds('c') });
  let cseq = 0;
  const request = (
    method: string,
    user: string,
    o: { host?: string; toUser?: string; headers?: Array<[string, string]> } = {},
  ) => {
    const host = o.host ?? DOMAIN;
    return new SipRequest(method, `sip:${host}`, [
      ['Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK' + ++cseq],
      ['From', `<sip:${user}@${host}>;tag=f${cseq}`],
      ['To', `<sip:${o.toUser ?? user}@${host}>`],
      ['Call-ID', 'call-1'],
      ['CSeq', `${cseq} ${method}`],
      ...(o.headers ?? []),
    ]);
  };
  /** Challenge, then answer it with `password`; returns the second outcome. */
  const login = (
    user: string,
    password: string,
    o: { method?: string; proxy?: boolean; toUser?: string; host?: string } = {},
  ): AuthOutcome => {
    const method = o.method ?? 'REGISTER';
    const first = auth.check(request(method, user, o), SRC, o.proxy ?? false);
    assert.equal(first.ok, false, 'the first request is challenged');
    if (first.ok) throw new Error('unreachable');
    assert.equal(first.status, o.proxy ? 407 : 401, 'challenge status');
    const challenge = first.headers.map(([, v]) => v);
    const host = o.host ?? DOMAIN;
    const value = client.authorize({ challenge, method, uri: `sip:${host}`, username: user, password });
    const header = o.proxy ? 'Proxy-Authorization' : 'Authorization';
    return auth.check(request(method, user, { ...o, headers: [[header, value]] }), SRC, o.proxy ?? false);
  };
  return { clock, auth, client, request, login, logs };
}

const failure = (o: AuthOutcome) => {
  assert.equal(o.ok, false, 'expected a refusal');
  if (o.ok) throw new Error('unreachable');
  return o;
};

describe('DeviceAuth', () => {
  test('no credentials → 401 with one WWW-Authenticate per algorithm, SHA-256 first; not a failure', () => {
    const s = setup();
    const o = failure(s.auth.check(s.request('REGISTER', 'alice'), SRC, false));
    assert.equal(o.status, 401);
    assert.equal(o.reason, 'Unauthorized');
    assert.equal(o.cause, 'challenge');
    assert.deepEqual(
      o.headers.map(([h]) => h),
      ['WWW-Authenticate', 'WWW-Authenticate'],
      'two challenge headers',
    );
    assert.match(o.headers[0][1], /algorithm=SHA-256/, 'SHA-256 first');
    assert.match(o.headers[0][1], new RegExp(`realm="${DOMAIN}"`), 'realm = tenant domain');
    assert.match(o.headers[1][1], /algorithm=MD5/, 'MD5 second');
  });

  test('INVITE (proxy) → 407 Proxy-Authenticate, then accepted with Proxy-Authorization', () => {
    const s = setup();
    const o = s.login('alice', 'alice-secret', { method: 'INVITE', proxy: true });
    assert.equal(o.ok, true, 'accepted');
    if (o.ok) assert.equal(o.device.id, 'D1');
  });

  test('right password → ok with tenant and device (SHA-256 and MD5)', () => {
    const s = setup();
    const o = s.login('alice', 'alice-secret');
    assert.equal(o.ok, true, 'accepted');
    if (!o.ok) return;
    assert.equal(o.tenant.id, 'T1');
    assert.equal(o.device.sipUsername, 'alice');
    // MD5 only client: answer the MD5 challenge.
    const first = failure(s.auth.check(s.request('REGISTER', 'alice'), SRC, false));
    const md5 = first.headers.map(([, v]) => v).filter((v) => /MD5/.test(v));
    const value = s.client.authorize({
      challenge: md5,
      method: 'REGISTER',
      uri: `sip:${DOMAIN}`,
      username: 'alice',
      password: 'alice-secret',
    });
    const second = s.auth.check(
      s.request('REGISTER', 'alice', { headers: [['Authorization', value]] }),
      SRC,
      false,
    );
    assert.equal(second.ok, true, 'MD5 accepted too');
  });

  test('wrong password → 403 Forbidden (bad-password); unknown user → 403 (unknown-user)', () => {
    const s = setup();
    const wrong = failure(s.login('alice', 'nope'));
    assert.deepEqual([wrong.status, wrong.reason, wrong.cause], [403, 'Forbidden', 'bad-password']);
    const unknown = failure(s.login('zed', 'whatever'));
    assert.deepEqual([unknown.status, unknown.reason, unknown.cause], [403, 'Forbidden', 'unknown-user']);
  });

  test('disabled device → 403 Device Disabled', () => {
    const s = setup();
    const o = failure(s.login('bob', 'bob-secret'));
    assert.deepEqual([o.status, o.reason, o.cause], [403, 'Device Disabled', 'disabled']);
  });

  test('REGISTER whose To user is not the authenticated user → 403', () => {
    const s = setup();
    const o = failure(s.login('alice', 'alice-secret', { toUser: 'carol' }));
    assert.equal(o.status, 403);
    assert.equal(o.cause, 'user-mismatch');
  });

  test('unknown domain → 404; IP literal → default domain when configured', () => {
    const s = setup();
    const o = failure(
      s.auth.check(s.request('REGISTER', 'alice', { host: 'other.example.org' }), SRC, false),
    );
    assert.deepEqual([o.status, o.reason, o.cause], [404, 'Unknown Domain', 'unknown-domain']);
    const ip = failure(s.auth.check(s.request('REGISTER', 'alice', { host: '192.0.2.1' }), SRC, false));
    assert.equal(ip.status, 404, 'an IP literal without default domain is unknown');

    const d = setup({ defaultDomain: DOMAIN.toUpperCase() });
    const c = failure(d.auth.check(d.request('REGISTER', 'alice', { host: '192.0.2.1' }), SRC, false));
    assert.equal(c.status, 401, 'challenged in the default domain');
    assert.match(c.headers[0][1], new RegExp(`realm="${DOMAIN}"`), 'realm of the default domain');
  });

  test('From host matching is case-insensitive', () => {
    const s = setup();
    const o = failure(s.auth.check(s.request('REGISTER', 'alice', { host: 'ACME.Example.COM' }), SRC, false));
    assert.equal(o.status, 401);
  });

  test('an expired nonce with the right password → 401 with stale=true (not a failure)', () => {
    const s = setup();
    const first = failure(s.auth.check(s.request('REGISTER', 'alice'), SRC, false));
    s.clock.advance(301_000); // past the 5 min nonce lifetime
    const value = s.client.authorize({
      challenge: first.headers.map(([, v]) => v),
      method: 'REGISTER',
      uri: `sip:${DOMAIN}`,
      username: 'alice',
      password: 'alice-secret',
    });
    const o = failure(
      s.auth.check(s.request('REGISTER', 'alice', { headers: [['Authorization', value]] }), SRC, false),
    );
    assert.equal(o.status, 401);
    assert.equal(o.cause, 'stale');
    assert.match(o.headers[0][1], /stale=true/, 'stale=true in the challenge');
  });

  test('malformed credentials → 400; a malformed From → 400; never throws', () => {
    const s = setup();
    const bad = failure(
      s.auth.check(
        s.request('REGISTER', 'alice', {
          headers: [['Authorization', `Digest realm="${DOMAIN}", username="alice"`]],
        }),
        SRC,
        false,
      ),
    );
    assert.equal(bad.status, 400);
    const req = new SipRequest('REGISTER', `sip:${DOMAIN}`, [
      ['Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKx'],
      ['From', '<<<garbage'],
      ['To', `<sip:alice@${DOMAIN}>`],
      ['Call-ID', 'x'],
      ['CSeq', '1 REGISTER'],
    ]);
    assert.equal(failure(s.auth.check(req, SRC, false)).status, 400);
  });

  test('brute force: after 10 wrong passwords → 403 Too Many Failed Attempts, even with the right one; then allowed', () => {
    const s = setup();
    for (let i = 0; i < 10; i++) assert.equal(failure(s.login('alice', 'wrong')).cause, 'bad-password');
    const first = failure(s.auth.check(s.request('REGISTER', 'alice'), SRC, false));
    const value = s.client.authorize({
      challenge: first.headers.map(([, v]) => v),
      method: 'REGISTER',
      uri: `sip:${DOMAIN}`,
      username: 'alice',
      password: 'alice-secret',
    });
    const blocked = failure(
      s.auth.check(s.request('REGISTER', 'alice', { headers: [['Authorization', value]] }), SRC, false),
    );
    assert.deepEqual(
      [blocked.status, blocked.reason, blocked.cause],
      [403, 'Too Many Failed Attempts', 'throttled'],
    );
    assert.ok(s.logs.includes('auth throttle started'), 'the throttle start is logged');
    s.clock.advance(60_000);
    assert.equal(s.login('alice', 'alice-secret').ok, true, 'the right password works after the cooldown');
  });
});
