import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseAuthValue } from '../../../../src/sip/auth/auth-params.ts';
import { DigestClient } from '../../../../src/sip/auth/digest-client.ts';
import { computeDigestResponse } from '../../../../src/sip/auth/digest-response.ts';
import type { DigestServerOptions, VerifyInput } from '../../../../src/sip/auth/digest-server.ts';
import { DigestServer } from '../../../../src/sip/auth/digest-server.ts';
import type { DigestAlgorithm, DigestAlgorithmName } from '../../../../src/sip/auth/ha1.ts';
import { computeHa1Set } from '../../../../src/sip/auth/ha1.ts';
import { ManualClock, scriptedIds, SECRET } from './helpers.ts';

const REALM = 'ringd.test';
const URI = 'sip:ringd.test';
const USERS = new Map([['alice', computeHa1Set('alice', REALM, 's3cret')]]);
const lookupHa1 = (username: string, realm: string, algorithm: DigestAlgorithm): string | undefined => {
  const set = realm === REALM ? USERS.get(username) : undefined;
  return set === undefined ? undefined : algorithm === 'MD5' ? set.md5 : set.sha256;
};

function setup(options: Partial<DigestServerOptions> = {}) {
  const clock = new ManualClock();
  const ids = scriptedIds();
  const server = new DigestServer({ realm: REALM, clock, ids, secret: SECRET, ...options });
  const client = new DigestClient({ ids });
  return { clock, server, client };
}

/** Parsed params of a header value. */
function p(value: string): Map<string, string> {
  const r = parseAuthValue(value);
  assert.ok(r.ok);
  return r.params;
}

/** Credentials for a given nonce with a chosen nc, computed by hand (to forge replays). */
function credentials(
  nonce: string,
  nc: number,
  o: { algorithm?: DigestAlgorithmName; uri?: string; pw?: string } = {},
) {
  const algorithm = o.algorithm ?? 'SHA-256';
  const set = computeHa1Set('alice', REALM, o.pw ?? 's3cret');
  const ncText = nc.toString(16).padStart(8, '0');
  const uri = o.uri ?? URI;
  const response = computeDigestResponse({
    algorithm,
    ha1: algorithm.startsWith('MD5') ? set.md5 : set.sha256,
    nonce,
    method: 'REGISTER',
    uri,
    qop: 'auth',
    cnonce: 'cn',
    nc: ncText,
  });
  return (
    `Digest username="alice", realm="${REALM}", nonce="${nonce}", uri="${uri}", response="${response}", ` +
    `algorithm=${algorithm}, qop=auth, nc=${ncText}, cnonce="cn"`
  );
}

const verifyInput = (creds: VerifyInput['credentials'], method = 'REGISTER'): VerifyInput => ({
  method,
  uri: URI,
  credentials: creds,
  lookupHa1,
});

describe('DigestServer.challenge', () => {
  test('one challenge per algorithm, SHA-256 first, same fresh nonce, qop="auth", opaque', () => {
    const { server } = setup({ algorithms: ['MD5', 'SHA-256'] });
    const c = server.challenge();
    assert.equal(c.header, 'WWW-Authenticate');
    assert.equal(c.values.length, 2);
    const [a, b] = c.values.map(p);
    assert.equal(a.get('algorithm'), 'SHA-256');
    assert.equal(b.get('algorithm'), 'MD5');
    assert.equal(a.get('nonce'), b.get('nonce'));
    assert.equal(a.get('realm'), REALM);
    assert.equal(a.get('qop'), 'auth');
    assert.ok((a.get('opaque') ?? '').length > 0);
    assert.equal(a.has('stale'), false);
    assert.match(
      c.values[0],
      /^Digest realm="ringd\.test", nonce="[^"]+", opaque="[^"]+", algorithm=SHA-256, qop="auth"$/,
    );
    assert.notEqual(server.challenge().values[0], c.values[0], 'every challenge has a fresh nonce');
  });

  test('stale=true and Proxy-Authenticate on request', () => {
    const { server } = setup();
    const c = server.challenge({ stale: true, proxy: true });
    assert.equal(c.header, 'Proxy-Authenticate');
    assert.ok(c.values.every((v) => v.endsWith(', stale=true')));
  });

  test('only the configured algorithms are offered', () => {
    const { server } = setup({ algorithms: ['MD5'] });
    assert.deepEqual(
      server.challenge().values.map((v) => p(v).get('algorithm')),
      ['MD5'],
    );
  });
});

describe('DigestServer.verify', () => {
  test('missing, malformed and unknown-scheme credentials are reported, never thrown', () => {
    const { server } = setup();
    const cases: [VerifyInput['credentials'], string][] = [
      [undefined, 'missing'],
      ['', 'missing'],
      [[], 'missing'],
      ['NoOneKnowsThisScheme opaque-data=here', 'unknown-scheme'], // RFC 4475 regaut01
      ['Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==', 'unknown-scheme'],
      ['Digest', 'malformed'],
      ['Digest realm="ringd.test"', 'malformed'],
      ['Digest realm="ringd.test", realm="ringd.test"', 'malformed'],
      ['Digest username="alice", realm="ringd.test', 'malformed'],
      ['"quoted" scheme', 'malformed'],
      ['Digest username="alice", realm="elsewhere", nonce="x", uri="sip:a", response="0"', 'realm'],
    ];
    for (const [creds, reason] of cases) {
      assert.deepEqual(server.verify(verifyInput(creds)), { ok: false, reason }, JSON.stringify(creds));
    }
  });

  test('required directives: qop=auth (RFC 2069 style refused), cnonce, 8-hex nc ≥ 1, no userhash', () => {
    const { server } = setup();
    const nonce = p(server.challenge().values[0]).get('nonce') ?? '';
    const good = credentials(nonce, 1);
    const mutations: [string, string][] = [
      [good.replace(', qop=auth', ''), 'malformed'],
      [good.replace('qop=auth', 'qop=auth-int'), 'malformed'],
      [good.replace(', cnonce="cn"', ''), 'malformed'],
      [good.replace('nc=00000001', 'nc=1'), 'malformed'],
      [good.replace('nc=00000001', 'nc=00000000'), 'malformed'],
      [good.replace('nc=00000001', 'nc=0000000g'), 'malformed'],
      [good.replace(/, response="[^"]*"/, ''), 'malformed'],
      [good.replace(/, uri="[^"]*"/, ''), 'malformed'],
      [good + ', userhash=true', 'malformed'],
      [good.replace('algorithm=SHA-256', 'algorithm=SHA-512-256'), 'unsupported-algorithm'],
    ];
    for (const [creds, reason] of mutations) {
      assert.deepEqual(server.verify(verifyInput(creds)), { ok: false, reason }, creds);
    }
    assert.equal(server.verify(verifyInput(good)).ok, true);
  });

  test('wrong password → bad-response; unknown user → unknown-user; wrong realm → realm', () => {
    const { server, client } = setup();
    const challenge = server.challenge().values;
    const authorize = (username: string, password: string) =>
      client.authorize({ challenge, method: 'REGISTER', uri: URI, username, password });
    assert.deepEqual(server.verify(verifyInput(authorize('alice', 'guess'))), {
      ok: false,
      reason: 'bad-response',
    });
    assert.deepEqual(server.verify(verifyInput(authorize('mallory', 's3cret'))), {
      ok: false,
      reason: 'unknown-user',
    });
    const other = new DigestServer({
      realm: 'other.test',
      clock: new ManualClock(),
      ids: scriptedIds(),
      secret: SECRET,
    });
    const foreign = client.authorize({
      challenge: other.challenge().values,
      method: 'REGISTER',
      uri: URI,
      username: 'alice',
      password: 's3cret',
    });
    assert.deepEqual(server.verify(verifyInput(foreign)), { ok: false, reason: 'realm' });
  });

  test('a different method (A2) is a bad response', () => {
    const { server } = setup();
    const nonce = p(server.challenge().values[0]).get('nonce') ?? '';
    assert.deepEqual(server.verify(verifyInput(credentials(nonce, 1), 'INVITE')), {
      ok: false,
      reason: 'bad-response',
    });
  });

  test('uri mismatch, and a custom uriMatches comparator', () => {
    const { server } = setup();
    const nonce = p(server.challenge().values[0]).get('nonce') ?? '';
    const creds = credentials(nonce, 1, { uri: 'sip:RINGD.test' });
    assert.deepEqual(server.verify(verifyInput(creds)), { ok: false, reason: 'uri-mismatch' });
    const lenient = setup({ uriMatches: (a, b) => a.toLowerCase() === b.toLowerCase() }).server;
    const n2 = p(lenient.challenge().values[0]).get('nonce') ?? '';
    assert.equal(lenient.verify(verifyInput(credentials(n2, 1, { uri: 'sip:RINGD.test' }))).ok, true);
  });

  test('an algorithm not configured is refused', () => {
    const { server } = setup({ algorithms: ['SHA-256'] });
    const nonce = p(server.challenge().values[0]).get('nonce') ?? '';
    assert.deepEqual(server.verify(verifyInput(credentials(nonce, 1, { algorithm: 'MD5' }))), {
      ok: false,
      reason: 'unsupported-algorithm',
    });
  });

  test('-sess variants verify when configured', () => {
    const { server } = setup({ algorithms: ['SHA-256-sess', 'MD5-sess'] });
    const nonce = p(server.challenge().values[0]).get('nonce') ?? '';
    assert.deepEqual(server.verify(verifyInput(credentials(nonce, 1, { algorithm: 'MD5-sess' }))), {
      ok: true,
      username: 'alice',
      realm: REALM,
      algorithm: 'MD5-sess',
    });
    assert.equal(server.verify(verifyInput(credentials(nonce, 2, { algorithm: 'SHA-256-sess' }))).ok, true);
  });

  test('tampered nonce: bad-response unless the response was computed over it (then stale)', () => {
    const { server } = setup();
    const creds = credentials(p(server.challenge().values[0]).get('nonce') ?? '', 1);
    const nonce = p(creds).get('nonce') ?? '';
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'a' ? 'b' : 'a') + s.slice(i + 1);
    for (const i of [0, 5, nonce.length - 1, Math.floor(nonce.length / 2)]) {
      const tampered = flip(nonce, i);
      // Only the nonce text changed: the response no longer matches.
      assert.deepEqual(server.verify(verifyInput(creds.replace(nonce, tampered))), {
        ok: false,
        reason: 'bad-response',
      });
      // A client that knows the password but holds a nonce we did not sign (e.g. before a restart).
      assert.deepEqual(server.verify(verifyInput(credentials(tampered, 1))), { ok: false, reason: 'stale' });
    }
    assert.deepEqual(server.verify(verifyInput(credentials('short', 1))), { ok: false, reason: 'stale' });
    assert.equal(server.trackedNonces, 0);
  });

  test('a nonce signed with another key is not accepted', () => {
    const a = setup();
    const b = setup({ secret: new Uint8Array(32).fill(9) });
    const nonce = p(a.server.challenge().values[0]).get('nonce') ?? '';
    assert.deepEqual(b.server.verify(verifyInput(credentials(nonce, 1))), { ok: false, reason: 'stale' });
  });

  test('expiry on the virtual clock: valid up to nonceTtlMs, stale after', () => {
    const { server, clock } = setup({ nonceTtlMs: 60_000 });
    const nonce = p(server.challenge().values[0]).get('nonce') ?? '';
    clock.advance(60_000);
    assert.equal(server.verify(verifyInput(credentials(nonce, 1))).ok, true);
    clock.advance(1);
    assert.deepEqual(server.verify(verifyInput(credentials(nonce, 2))), { ok: false, reason: 'stale' });
    // A wrong password with an expired nonce is still a wrong password, not a hint to retry.
    assert.deepEqual(server.verify(verifyInput(credentials(nonce, 3, { pw: 'x' }))), {
      ok: false,
      reason: 'bad-response',
    });
  });

  test('default nonce lifetime is 5 minutes', () => {
    const { server, clock } = setup();
    const nonce = p(server.challenge().values[0]).get('nonce') ?? '';
    clock.advance(300_000);
    assert.equal(server.verify(verifyInput(credentials(nonce, 1))).ok, true);
    clock.advance(1);
    assert.deepEqual(server.verify(verifyInput(credentials(nonce, 2))), { ok: false, reason: 'stale' });
  });

  test('nonce-count: increasing accepted, replay and reuse refused (RFC 7616 §3.4.5)', () => {
    const { server } = setup();
    const nonce = p(server.challenge().values[0]).get('nonce') ?? '';
    const first = credentials(nonce, 1);
    assert.equal(server.verify(verifyInput(first)).ok, true);
    assert.deepEqual(server.verify(verifyInput(first)), { ok: false, reason: 'replay' });
    assert.equal(server.verify(verifyInput(credentials(nonce, 2))).ok, true);
    assert.equal(server.verify(verifyInput(credentials(nonce, 7))).ok, true); // gaps are fine
    assert.deepEqual(server.verify(verifyInput(credentials(nonce, 5))), { ok: false, reason: 'replay' });
    assert.deepEqual(server.verify(verifyInput(credentials(nonce, 7))), { ok: false, reason: 'replay' });
    assert.equal(server.verify(verifyInput(credentials(nonce, 8))).ok, true);
    assert.equal(server.trackedNonces, 1);
  });

  test('failed attempts leave no state; a wrong guess does not burn the next nc', () => {
    const { server } = setup();
    const nonce = p(server.challenge().values[0]).get('nonce') ?? '';
    for (let nc = 1; nc <= 50; nc++) server.verify(verifyInput(credentials(nonce, nc, { pw: 'guess' })));
    assert.equal(server.trackedNonces, 0);
    assert.equal(server.verify(verifyInput(credentials(nonce, 1))).ok, true);
  });

  test('memory is bounded by maxTrackedNonces; evicted live nonces are not reopened to replay', () => {
    const { server, clock } = setup({ maxTrackedNonces: 100, nonceTtlMs: 300_000 });
    const used: string[] = [];
    for (let i = 0; i < 1_000; i++) {
      const nonce = p(server.challenge().values[0]).get('nonce') ?? '';
      assert.equal(server.verify(verifyInput(credentials(nonce, 1))).ok, true);
      assert.ok(server.trackedNonces <= 100);
      used.push(nonce);
      clock.advance(10);
    }
    assert.equal(server.trackedNonces, 100);
    // The first nonce was evicted while still live: replaying its nc=1 must not succeed.
    assert.deepEqual(server.verify(verifyInput(credentials(used[0], 1))), { ok: false, reason: 'stale' });
    // A recent nonce is still tracked: replay detected, next nc accepted.
    assert.deepEqual(server.verify(verifyInput(credentials(used[999], 1))), { ok: false, reason: 'replay' });
    assert.equal(server.verify(verifyInput(credentials(used[999], 2))).ok, true);
    // A nonce issued after the evictions is accepted.
    const fresh = p(server.challenge().values[0]).get('nonce') ?? '';
    assert.equal(server.verify(verifyInput(credentials(fresh, 1))).ok, true);
  });

  test('expired entries are swept on the clock, without timers', () => {
    const { server, clock } = setup({ nonceTtlMs: 1_000 });
    for (let i = 0; i < 20; i++) {
      const nonce = p(server.challenge().values[0]).get('nonce') ?? '';
      server.verify(verifyInput(credentials(nonce, 1)));
    }
    assert.equal(server.trackedNonces, 20);
    clock.advance(2_000);
    const nonce = p(server.challenge().values[0]).get('nonce') ?? '';
    assert.equal(server.verify(verifyInput(credentials(nonce, 1))).ok, true);
    assert.equal(server.trackedNonces, 1);
  });

  test('several Authorization values: the one for our realm is used (RFC 3261 §22.4)', () => {
    const { server } = setup();
    const nonce = p(server.challenge().values[0]).get('nonce') ?? '';
    const other = 'Digest username="x", realm="proxy.other", nonce="n", uri="sip:a", response="0"';
    const r = server.verify(verifyInput(['Basic abc', other, credentials(nonce, 1)]));
    assert.equal(r.ok, true);
    assert.deepEqual(server.verify(verifyInput(['Basic abc', other])), { ok: false, reason: 'realm' });
  });

  test('username* (RFC 5987 encoding, RFC 7616 §3.4.4)', () => {
    const name = 'J\u00e4s\u00f8n';
    const ha1 = computeHa1Set(name, REALM, 'pw');
    const { server } = setup();
    const nonce = p(server.challenge().values[0]).get('nonce') ?? '';
    const response = computeDigestResponse({
      algorithm: 'SHA-256',
      ha1: ha1.sha256,
      nonce,
      method: 'REGISTER',
      uri: URI,
      qop: 'auth',
      cnonce: 'c',
      nc: '00000001',
    });
    const creds =
      `Digest username*=UTF-8''${encodeURIComponent(name)}, realm="${REALM}", nonce="${nonce}", uri="${URI}", ` +
      `response="${response}", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="c"`;
    const r = server.verify({
      method: 'REGISTER',
      uri: URI,
      credentials: creds,
      lookupHa1: (u) => (u === name ? ha1.sha256 : undefined),
    });
    assert.deepEqual(r, { ok: true, username: name, realm: REALM, algorithm: 'SHA-256' });
    const broken = creds.replace(/username\*=\S+,/, "username*=UTF-8''%E0%A4%A, ");
    assert.deepEqual(server.verify(verifyInput(broken)), { ok: false, reason: 'malformed' });
  });

  test('upper-case hex in the response is accepted', () => {
    const { server } = setup();
    const nonce = p(server.challenge().values[0]).get('nonce') ?? '';
    const creds = credentials(nonce, 1).replace(
      /response="([^"]*)"/,
      (_m, r: string) => `response="${r.toUpperCase()}"`,
    );
    assert.equal(server.verify(verifyInput(creds)).ok, true);
  });

  test('mutated credentials never throw and never leave state (property)', () => {
    const { server } = setup();
    const nonce = p(server.challenge().values[0]).get('nonce') ?? '';
    const good = credentials(nonce, 1);
    const edit = fc.tuple(fc.nat(good.length), fc.nat(3), fc.constantFrom(...'"\\,= \r\na0'.split('')));
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let s = good;
        for (const [at, op, ch] of edits) {
          const i = Math.min(at, s.length);
          s =
            op === 0
              ? s.slice(0, i) + s.slice(i + 1)
              : op === 1
                ? s.slice(0, i) + ch + s.slice(i)
                : s.slice(0, i) + ch + s.slice(i + 1);
        }
        const r = server.verify(verifyInput(s));
        if (r.ok) assert.equal(server.verify(verifyInput(s)).ok, false, 'a success can never be replayed');
      }),
      { numRuns: 2000, seed: 8760 },
    );
    assert.ok(server.trackedNonces <= 1);
  });
});
