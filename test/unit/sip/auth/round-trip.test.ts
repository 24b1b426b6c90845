import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DigestClient } from '../../../../src/sip/auth/digest-client.ts';
import { DigestServer } from '../../../../src/sip/auth/digest-server.ts';
import type { DigestAlgorithm, DigestAlgorithmName } from '../../../../src/sip/auth/ha1.ts';
import { computeHa1Set } from '../../../../src/sip/auth/ha1.ts';
import { ManualClock, scriptedIds } from './helpers.ts';

const REALM = 'pbx.example';
const URI = 'sip:pbx.example';
const store = new Map([['100', computeHa1Set('100', REALM, 'secret-100')]]);
const lookupHa1 = (u: string, _r: string, a: DigestAlgorithm) => {
  const s = store.get(u);
  return s === undefined ? undefined : a === 'MD5' ? s.md5 : s.sha256;
};

describe('DigestServer ↔ DigestClient', () => {
  for (const algorithm of ['SHA-256', 'MD5', 'SHA-256-sess', 'MD5-sess'] as DigestAlgorithmName[]) {
    test(`${algorithm}: REGISTER challenge → credentials → accepted; re-REGISTER on the same nonce`, () => {
      const clock = new ManualClock();
      const server = new DigestServer({ realm: REALM, clock, ids: scriptedIds(), algorithms: [algorithm] });
      const client = new DigestClient({ ids: scriptedIds() });
      const { header, values } = server.challenge();
      assert.equal(header, 'WWW-Authenticate');
      for (let i = 0; i < 3; i++) {
        const credentials = client.authorize({
          challenge: values,
          method: 'REGISTER',
          uri: URI,
          username: '100',
          password: 'secret-100',
        });
        assert.deepEqual(server.verify({ method: 'REGISTER', uri: URI, credentials, lookupHa1 }), {
          ok: true,
          username: '100',
          realm: REALM,
          algorithm,
        });
        clock.advance(30_000);
      }
    });
  }

  test('default server + client agree on SHA-256; HA1-only client works too', () => {
    const server = new DigestServer({ realm: REALM, clock: new ManualClock(), ids: scriptedIds() });
    const client = new DigestClient({ ids: scriptedIds() });
    const values = server.challenge({ proxy: true }).values;
    const credentials = client.authorize({
      challenge: values,
      method: 'INVITE',
      uri: 'sip:200@pbx.example',
      username: '100',
      ha1: store.get('100'),
    });
    const r = server.verify({ method: 'INVITE', uri: 'sip:200@pbx.example', credentials, lookupHa1 });
    assert.deepEqual(r, { ok: true, username: '100', realm: REALM, algorithm: 'SHA-256' });
  });

  test('expired nonce → stale challenge → client retries without the password → accepted', () => {
    const clock = new ManualClock();
    const server = new DigestServer({ realm: REALM, clock, ids: scriptedIds(), nonceTtlMs: 10_000 });
    const client = new DigestClient({ ids: scriptedIds() });
    const challenge = server.challenge().values;
    const ask = { method: 'REGISTER', uri: URI, username: '100' };
    const first = client.authorize({ ...ask, challenge, password: 'secret-100' });
    assert.equal(server.verify({ ...ask, credentials: first, lookupHa1 }).ok, true);
    clock.advance(10_001);
    // Pre-emptive re-REGISTER on the old nonce: right password, old nonce.
    const late = client.authorize({ ...ask, challenge, password: 'secret-100' });
    assert.deepEqual(server.verify({ ...ask, credentials: late, lookupHa1 }), { ok: false, reason: 'stale' });
    const again = server.challenge({ stale: true });
    const retry = client.tryAuthorize({ ...ask, challenge: again.values });
    assert.ok(retry.ok);
    assert.equal(server.verify({ ...ask, credentials: retry.value, lookupHa1 }).ok, true);
  });
});
