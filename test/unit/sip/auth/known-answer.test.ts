import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAuthValue } from '../../../../src/sip/auth/auth-params.ts';
import { DigestClient } from '../../../../src/sip/auth/digest-client.ts';
import { computeDigestResponse } from '../../../../src/sip/auth/digest-response.ts';
import { DigestServer } from '../../../../src/sip/auth/digest-server.ts';
import { computeHa1, computeHa1Set } from '../../../../src/sip/auth/ha1.ts';
import { ManualClock, scriptedIds, SECRET } from './helpers.ts';

// RFC 7616 §3.9.1: user Mufasa, password "Circle of Life", GET /dir/index.html.
const REALM = 'http-auth@example.org';
const NONCE = '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v';
const CNONCE = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';
const OPAQUE = 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS';
const MD5_RESPONSE = '8ca523f5e9506fed4657c9700eebdbec';
const SHA256_RESPONSE = '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1';

/** The RFC's challenge, folded over several lines as printed there. */
function rfcChallenge(algorithm: string): string {
  return (
    'Digest\r\n    realm="http-auth@example.org",\r\n    qop="auth, auth-int",\r\n' +
    `    algorithm=${algorithm},\r\n    nonce="${NONCE}",\r\n    opaque="${OPAQUE}"`
  );
}

describe('RFC 7616 §3.9.1 example', () => {
  for (const [algorithm, expected] of [
    ['MD5', MD5_RESPONSE],
    ['SHA-256', SHA256_RESPONSE],
  ] as const) {
    test(`${algorithm}: computeDigestResponse gives the RFC response`, () => {
      const ha1 = computeHa1(algorithm, 'Mufasa', REALM, 'Circle of Life');
      const response = computeDigestResponse({
        algorithm,
        ha1,
        nonce: NONCE,
        method: 'GET',
        uri: '/dir/index.html',
        qop: 'auth',
        cnonce: CNONCE,
        nc: '00000001',
      });
      assert.equal(response, expected);
    });

    test(`${algorithm}: DigestClient answers the RFC challenge with the RFC credentials`, () => {
      const client = new DigestClient({ ids: scriptedIds(CNONCE) });
      const value = client.authorize({
        challenge: rfcChallenge(algorithm),
        method: 'GET',
        uri: '/dir/index.html',
        username: 'Mufasa',
        password: 'Circle of Life',
      });
      assert.equal(
        value,
        `Digest username="Mufasa", realm="${REALM}", nonce="${NONCE}", uri="/dir/index.html", ` +
          `response="${expected}", algorithm=${algorithm}, qop=auth, nc=00000001, cnonce="${CNONCE}", ` +
          `opaque="${OPAQUE}"`,
      );
    });

    test(`${algorithm}: DigestServer proves the RFC response right (nonce not ours → stale) and a wrong one bad`, () => {
      const server = new DigestServer({
        realm: REALM,
        clock: new ManualClock(),
        ids: scriptedIds(),
        secret: SECRET,
      });
      const credentials =
        `Digest username="Mufasa", realm="${REALM}", uri="/dir/index.html", algorithm=${algorithm}, ` +
        `nonce="${NONCE}", nc=00000001, cnonce="${CNONCE}", qop=auth, response="${expected}", opaque="${OPAQUE}"`;
      const good = computeHa1Set('Mufasa', REALM, 'Circle of Life');
      const bad = computeHa1Set('Mufasa', REALM, 'Circle of life');
      const pick = (set: { md5: string; sha256: string }) => (_u: string, _r: string, a: string) =>
        a === 'MD5' ? set.md5 : set.sha256;
      const uri = '/dir/index.html';
      assert.deepEqual(server.verify({ method: 'GET', uri, credentials, lookupHa1: pick(good) }), {
        ok: false,
        reason: 'stale',
      });
      assert.deepEqual(server.verify({ method: 'GET', uri, credentials, lookupHa1: pick(bad) }), {
        ok: false,
        reason: 'bad-response',
      });
    });
  }
});

describe('RFC 2617 §3.5 example', () => {
  const challenge =
    'Digest\r\n   realm="testrealm@host.com",\r\n   qop="auth,auth-int",\r\n' +
    '   nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",\r\n   opaque="5ccc069c403ebaf9f0171e9517f40e41"';

  test('MD5 (no algorithm directive) with password "Circle Of Life"', () => {
    const client = new DigestClient({ ids: scriptedIds('0a4f113b') });
    const value = client.authorize({
      challenge,
      method: 'GET',
      uri: '/dir/index.html',
      username: 'Mufasa',
      password: 'Circle Of Life',
    });
    const parsed = parseAuthValue(value);
    assert.ok(parsed.ok);
    assert.equal(parsed.params.get('response'), '6629fae49393a05397450978507c4ef1');
    assert.equal(parsed.params.get('nc'), '00000001');
    assert.equal(parsed.params.get('cnonce'), '0a4f113b');
    assert.equal(parsed.params.get('opaque'), '5ccc069c403ebaf9f0171e9517f40e41');
  });
});
