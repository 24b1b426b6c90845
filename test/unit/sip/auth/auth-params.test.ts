import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatAuthValue, isDigestScheme, parseAuthValue } from '../../../../src/sip/auth/auth-params.ts';

function params(text: string): Record<string, string> {
  const r = parseAuthValue(text);
  assert.ok(r.ok, `expected ${JSON.stringify(text)} to parse`);
  return Object.fromEntries(r.params);
}

describe('parseAuthValue', () => {
  test('scheme, tokens and quoted strings; names lower-cased, scheme kept as written', () => {
    const r = parseAuthValue('DIGEST Realm="atlanta.com", NONCE="84a4cc6f", Algorithm=MD5, stale=TRUE');
    assert.ok(r.ok);
    assert.equal(r.scheme, 'DIGEST');
    assert.ok(isDigestScheme(r.scheme));
    assert.deepEqual(Object.fromEntries(r.params), {
      realm: 'atlanta.com',
      nonce: '84a4cc6f',
      algorithm: 'MD5',
      stale: 'TRUE',
    });
  });

  test('LWS anywhere: around "=", around ",", folded lines, tabs', () => {
    assert.deepEqual(params('Digest  realm \t=\r\n  "a" ,\r\n\tnonce= "b",qop =auth  '), {
      realm: 'a',
      nonce: 'b',
      qop: 'auth',
    });
  });

  test('quoted-pairs are resolved; commas and "=" inside quotes are data', () => {
    assert.deepEqual(params('Digest username="a\\"b\\\\c", uri="sip:x@y;a=b,c", opaque=""'), {
      username: 'a"b\\c',
      uri: 'sip:x@y;a=b,c',
      opaque: '',
    });
  });

  test('folding inside a quoted string keeps the whitespace, drops the line break', () => {
    assert.deepEqual(params('Digest realm="a,\r\n b"'), { realm: 'a, b' });
  });

  test('empty list elements are skipped; a scheme alone has no params', () => {
    assert.deepEqual(params('Digest , realm="a",, nonce=b ,'), { realm: 'a', nonce: 'b' });
    assert.deepEqual(params('Digest'), {});
  });

  test('lenient unquoted values (nonce=abc/de=)', () => {
    assert.deepEqual(params('Digest nonce=abc/de=, realm=x'), { nonce: 'abc/de=', realm: 'x' });
  });

  test('duplicate params (any case) are an error', () => {
    const r = parseAuthValue('Digest realm="a", REALM="b"');
    assert.deepEqual(r.ok ? undefined : [r.error, r.scheme], ['duplicate-param', 'Digest']);
  });

  test('malformed values are reported, with the scheme when it was readable', () => {
    const cases: [string, string, string | undefined][] = [
      ['', 'empty', undefined],
      ['   \r\n ', 'empty', undefined],
      ['"Digest" realm=a', 'malformed', undefined],
      ['Digest realm', 'malformed', 'Digest'],
      ['Digest realm=', 'malformed', 'Digest'],
      ['Digest realm="open', 'malformed', 'Digest'],
      ['Digest realm="a" nonce="b"', 'malformed', 'Digest'],
      ['Digest realm="a\\', 'malformed', 'Digest'],
      ['Digest realm="a\r\nb"', 'malformed', 'Digest'],
      ['Digest realm="a\u0000"', 'malformed', 'Digest'],
      ['Digest realm=a"b"', 'malformed', 'Digest'],
      ['Digest =a', 'malformed', 'Digest'],
      ['Digest, realm=a', 'malformed', 'Digest'],
    ];
    for (const [text, error, scheme] of cases) {
      const r = parseAuthValue(text);
      assert.equal(r.ok, false, JSON.stringify(text));
      if (!r.ok) assert.deepEqual([r.error, r.scheme], [error, scheme], JSON.stringify(text));
    }
  });

  test('RFC 4475 §3.3.7 regaut01: unknown scheme is parsed, not a crash', () => {
    const r = parseAuthValue('NoOneKnowsThisScheme opaque-data=here');
    assert.ok(r.ok);
    assert.equal(r.scheme, 'NoOneKnowsThisScheme');
    assert.equal(isDigestScheme(r.scheme), false);
    // A token68 credential of another scheme: not auth-params, but the scheme is still reported.
    const basic = parseAuthValue('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
    assert.equal(basic.scheme, 'Basic');
  });

  test('never throws on arbitrary input (property)', () => {
    const alphabet = fc.constantFrom(...'Digest realm="=,\\ \t\r\nabc\u0000\u007f\u00e9'.split(''));
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: alphabet, maxLength: 60 }), fc.string({ maxLength: 60 })),
        (s) => {
          const r = parseAuthValue(s);
          assert.equal(typeof r.ok, 'boolean');
        },
      ),
      { numRuns: 3000, seed: 4475 },
    );
  });
});

describe('formatAuthValue', () => {
  test('challenge: algorithm and stale unquoted, qop quoted (RFC 7616 §3.3)', () => {
    assert.equal(
      formatAuthValue(
        'Digest',
        [
          ['realm', 'ringd'],
          ['nonce', 'n'],
          ['algorithm', 'SHA-256'],
          ['qop', 'auth'],
          ['stale', 'true'],
        ],
        'challenge',
      ),
      'Digest realm="ringd", nonce="n", algorithm=SHA-256, qop="auth", stale=true',
    );
  });

  test('credentials: algorithm, qop and nc unquoted; the rest quoted and escaped (RFC 7616 §3.4)', () => {
    assert.equal(
      formatAuthValue(
        'Digest',
        [
          ['username', 'a"b\\c'],
          ['algorithm', 'MD5'],
          ['qop', 'auth'],
          ['nc', '00000001'],
          ['cnonce', 'x'],
        ],
        'credentials',
      ),
      'Digest username="a\\"b\\\\c", algorithm=MD5, qop=auth, nc=00000001, cnonce="x"',
    );
  });

  test('an unquoted directive whose value is not a token is quoted anyway', () => {
    assert.equal(formatAuthValue('Digest', [['algorithm', 'a b']], 'credentials'), 'Digest algorithm="a b"');
  });

  test('refuses header injection and bad names (programming errors)', () => {
    assert.throws(() => formatAuthValue('Digest', [['username', 'a\r\nVia: x']], 'credentials'), RangeError);
    assert.throws(() => formatAuthValue('Digest', [['user name', 'a']], 'credentials'), RangeError);
    assert.throws(() => formatAuthValue('Dig est', [], 'credentials'), RangeError);
  });

  test('format → parse round trip (property)', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    const isControl = (c: number) => (c < 32 && c !== 9) || c === 127;
    const value = fc
      .string({ maxLength: 20 })
      .filter((v) => ![...v].some((ch) => isControl(ch.charCodeAt(0))));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(name, value), { selector: (t) => t[0], maxLength: 6 }),
        fc.boolean(),
        (ps, ch) => {
          const text = formatAuthValue('Digest', ps, ch ? 'challenge' : 'credentials');
          const r = parseAuthValue(text);
          assert.ok(r.ok, text);
          // Unquoted empty values cannot be written as tokens, so they come back quoted: still equal.
          assert.deepEqual(Object.fromEntries(r.params), Object.fromEntries(ps), text);
        },
      ),
      { numRuns: 2000, seed: 7616 },
    );
  });
});
