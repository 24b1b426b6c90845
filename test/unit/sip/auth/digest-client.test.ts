import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAuthValue } from '../../../../src/sip/auth/auth-params.ts';
import {
  authorizationHeaderFor,
  DigestClient,
  DigestClientError,
  parseDigestChallenge,
} from '../../../../src/sip/auth/digest-client.ts';
import { computeDigestResponse } from '../../../../src/sip/auth/digest-response.ts';
import { computeHa1, computeHa1Set, hashHex } from '../../../../src/sip/auth/ha1.ts';
import { scriptedIds } from './helpers.ts';

const ch = (algorithm: string, extra = '', nonce = 'N1') =>
  `Digest realm="r", nonce="${nonce}", algorithm=${algorithm}, qop="auth"${extra}`;

function params(value: string): Map<string, string> {
  const r = parseAuthValue(value);
  assert.ok(r.ok);
  return r.params;
}

const base = { method: 'REGISTER', uri: 'sip:r', username: 'bob' };

describe('DigestClient.selectChallenge', () => {
  test('picks the strongest supported algorithm whatever the order', () => {
    const client = new DigestClient({ ids: scriptedIds() });
    assert.equal(client.selectChallenge([ch('MD5'), ch('SHA-256')])?.algorithm, 'SHA-256');
    assert.equal(client.selectChallenge([ch('SHA-256'), ch('MD5')])?.index, 0);
    assert.equal(client.selectChallenge([ch('MD5-sess'), ch('MD5')])?.algorithm, 'MD5');
  });

  test('skips other schemes, unknown algorithms, unusable qop and incomplete challenges', () => {
    const client = new DigestClient({ ids: scriptedIds() });
    const values = [
      'Basic realm="r"',
      ch('SHA-512-256'),
      'Digest realm="r", nonce="x", qop="auth-conf", algorithm=SHA-256',
      'Digest realm="r", algorithm=SHA-256',
      'Digest realm="r", nonce="n", nonce="m"',
      'garbage "',
      ch('MD5'),
    ];
    assert.equal(client.selectChallenge(values)?.index, 6);
    assert.equal(client.selectChallenge(values.slice(0, 6)), undefined);
  });

  test('parseDigestChallenge: qop choice and stale flag', () => {
    assert.equal(parseDigestChallenge('Digest realm="r", nonce="n", qop="auth-int, auth"')?.qop, 'auth');
    assert.equal(parseDigestChallenge('Digest realm="r", nonce="n", qop="auth-int"')?.qop, 'auth-int');
    assert.equal(parseDigestChallenge('Digest realm="r", nonce="n"')?.qop, undefined);
    assert.equal(parseDigestChallenge('Digest realm="r", nonce="n"')?.algorithm, 'MD5');
    assert.equal(parseDigestChallenge('Digest realm="r", nonce="n", stale=TRUE')?.stale, true);
    assert.equal(parseDigestChallenge('Digest realm="r", nonce="n", stale=false')?.stale, false);
  });

  test('authorizationHeaderFor', () => {
    assert.equal(authorizationHeaderFor('WWW-Authenticate'), 'Authorization');
    assert.equal(authorizationHeaderFor('Proxy-Authenticate'), 'Proxy-Authorization');
  });
});

describe('DigestClient.authorize', () => {
  test('nc counts per nonce; a new cnonce every time (from the IdSource)', () => {
    const client = new DigestClient({ ids: scriptedIds('c1', 'c2', 'c3') });
    const a = params(client.authorize({ ...base, challenge: ch('SHA-256'), password: 'pw' }));
    const b = params(client.authorize({ ...base, challenge: ch('SHA-256'), password: 'pw' }));
    const c = params(client.authorize({ ...base, challenge: ch('SHA-256', '', 'N2'), password: 'pw' }));
    assert.deepEqual([a.get('nc'), b.get('nc'), c.get('nc')], ['00000001', '00000002', '00000001']);
    assert.deepEqual([a.get('cnonce'), b.get('cnonce'), c.get('cnonce')], ['c1', 'c2', 'c3']);
  });

  test('an HA1 string selects the challenge of its algorithm (length 32 = MD5, 64 = SHA-256)', () => {
    const client = new DigestClient({ ids: scriptedIds() });
    const md5 = computeHa1('MD5', 'bob', 'r', 'pw');
    const value = client.authorize({ ...base, challenge: [ch('SHA-256'), ch('MD5')], ha1: md5 });
    const got = params(value);
    assert.equal(got.get('algorithm'), 'MD5');
    const expected = computeDigestResponse({
      algorithm: 'MD5',
      ha1: md5,
      nonce: 'N1',
      method: 'REGISTER',
      uri: 'sip:r',
      qop: 'auth',
      cnonce: got.get('cnonce'),
      nc: '00000001',
    });
    assert.equal(got.get('response'), expected);
    const sha = computeHa1Set('bob', 'r', 'pw');
    assert.equal(
      params(client.authorize({ ...base, challenge: [ch('MD5'), ch('SHA-256')], ha1: sha })).get('algorithm'),
      'SHA-256',
    );
    assert.deepEqual(client.tryAuthorize({ ...base, challenge: ch('SHA-256'), ha1: md5 }), {
      ok: false,
      reason: 'no-usable-challenge',
    });
  });

  test('stale=true: re-authorizes without the password; a plain new challenge does not', () => {
    const client = new DigestClient({ ids: scriptedIds() });
    client.authorize({ ...base, challenge: [ch('SHA-256'), ch('MD5')], password: 'pw' });
    // The server answers stale=true with a new nonce (and this time prefers MD5 only).
    const stale = client.tryAuthorize({ ...base, challenge: ch('MD5', ', stale=true', 'N9') });
    assert.ok(stale.ok);
    const got = params(stale.value);
    const expected = computeDigestResponse({
      algorithm: 'MD5',
      ha1: computeHa1('MD5', 'bob', 'r', 'pw'),
      nonce: 'N9',
      method: 'REGISTER',
      uri: 'sip:r',
      qop: 'auth',
      cnonce: got.get('cnonce'),
      nc: '00000001',
    });
    assert.equal(got.get('response'), expected);
    // Not stale: the credentials were refused; they are not reused and are forgotten.
    assert.deepEqual(client.tryAuthorize({ ...base, challenge: ch('SHA-256', '', 'N10') }), {
      ok: false,
      reason: 'no-credentials',
    });
    assert.deepEqual(client.tryAuthorize({ ...base, challenge: ch('SHA-256', ', stale=true', 'N11') }), {
      ok: false,
      reason: 'no-credentials',
    });
    // Another user of the same realm never inherits them.
    const fresh = new DigestClient({ ids: scriptedIds() });
    fresh.authorize({ ...base, challenge: ch('SHA-256'), password: 'pw' });
    assert.equal(
      fresh.tryAuthorize({ ...base, username: 'eve', challenge: ch('SHA-256', ', stale=true', 'N3') }).ok,
      false,
    );
  });

  test('qop=auth-int hashes the body; no qop gives an RFC 2069 response without nc/cnonce', () => {
    const client = new DigestClient({ ids: scriptedIds('cn') });
    const body = 'v=0\r\n';
    const authInt = params(
      client.authorize({
        ...base,
        challenge: 'Digest realm="r", nonce="n", qop="auth-int"',
        password: 'pw',
        body,
      }),
    );
    assert.equal(authInt.get('qop'), 'auth-int');
    const ha1 = computeHa1('MD5', 'bob', 'r', 'pw');
    const ha2 = hashHex('MD5', `REGISTER:sip:r:${hashHex('MD5', body)}`);
    assert.equal(authInt.get('response'), hashHex('MD5', `${ha1}:n:00000001:cn:auth-int:${ha2}`));

    const old = params(
      client.authorize({ ...base, challenge: 'Digest realm="r", nonce="n2"', password: 'pw' }),
    );
    assert.equal(old.has('nc') || old.has('cnonce') || old.has('qop'), false);
    assert.equal(old.get('response'), hashHex('MD5', `${ha1}:n2:${hashHex('MD5', 'REGISTER:sip:r')}`));
  });

  test('errors: no usable challenge, no credentials, header injection — typed, never a crash', () => {
    const client = new DigestClient({ ids: scriptedIds() });
    assert.deepEqual(client.tryAuthorize({ ...base, challenge: 'Basic realm="r"', password: 'pw' }), {
      ok: false,
      reason: 'no-usable-challenge',
    });
    assert.deepEqual(client.tryAuthorize({ ...base, challenge: ch('MD5') }), {
      ok: false,
      reason: 'no-credentials',
    });
    assert.deepEqual(
      client.tryAuthorize({ ...base, username: 'bob\r\nX: y', challenge: ch('MD5'), password: 'p' }),
      {
        ok: false,
        reason: 'invalid-input',
      },
    );
    assert.throws(
      () => client.authorize({ ...base, challenge: [], password: 'pw' }),
      (e: unknown) => e instanceof DigestClientError && e.reason === 'no-usable-challenge',
    );
  });

  test('the nonce-count memory is bounded', () => {
    const client = new DigestClient({ ids: scriptedIds(), maxEntries: 2 });
    for (const n of ['A', 'B', 'C'])
      client.authorize({ ...base, challenge: ch('MD5', '', n), password: 'pw' });
    // A was evicted: its count restarts (documented trade-off for a bounded client).
    const again = params(client.authorize({ ...base, challenge: ch('MD5', '', 'A'), password: 'pw' }));
    assert.equal(again.get('nc'), '00000001');
    const c = params(client.authorize({ ...base, challenge: ch('MD5', '', 'C'), password: 'pw' }));
    assert.equal(c.get('nc'), '00000002');
  });
});
