import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError, formatNameAddr, parseNameAddr } from '../../../../src/sip/message/index.ts';

const is400 = (e: unknown): boolean => e instanceof SipParseError && e.status === 400;

describe('parseNameAddr', () => {
  test('quoted display name with quoted-pairs, <uri>, header params', () => {
    const n = parseNameAddr(
      '"Alice \\"A\\" Liddell" <sip:alice@atlanta.example.com;transport=tcp>;tag=9fx;expires=60',
    );
    assert.equal(n.displayName, 'Alice "A" Liddell');
    assert.equal(n.uri.user, 'alice');
    assert.deepEqual(n.uri.params, { transport: 'tcp' });
    assert.deepEqual(n.params, { tag: '9fx', expires: '60' });
  });

  test('token display name (several tokens), and name<uri> without LWS (lwsdisp)', () => {
    assert.equal(parseNameAddr('Bob  Smith <sip:bob@b.example>').displayName, 'Bob Smith');
    assert.equal(parseNameAddr('caller<sip:caller@example.com>;tag=323').displayName, 'caller');
  });

  test('addr-spec without <>: parameters after the URI are header parameters (§20.10)', () => {
    const n = parseNameAddr('sip:+19725552222@gw1.example.net;unknownparam;tag=1');
    assert.equal(n.displayName, undefined);
    assert.deepEqual(n.uri.params, {});
    assert.deepEqual(n.params, { unknownparam: null, tag: '1' });
  });

  test('URI parameters inside <> stay URI parameters', () => {
    const n = parseNameAddr('<sip:+19725552222@gw1.example.net;unknownparam>');
    assert.deepEqual(n.uri.params, { unknownparam: null });
    assert.deepEqual(n.params, {});
  });

  test('LWS around ; and = in header params', () => {
    const n = parseNameAddr(
      '"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam = newvalue ; secondparam ; q = 0.33',
    );
    assert.deepEqual(n.params, { newparam: 'newvalue', secondparam: null, q: '0.33' });
  });

  test('quoted parameter values keep their quotes; param names lower-cased', () => {
    const n = parseNameAddr('<sip:a@b>;+sip.Instance="<urn:uuid:1234>";Reg-Id=1');
    assert.deepEqual(n.params, { '+sip.instance': '"<urn:uuid:1234>"', 'reg-id': '1' });
  });

  test('non-sip schemes', () => {
    assert.equal(parseNameAddr('<http://www.example.com>;tag=3').uri.scheme, 'http');
    assert.equal(parseNameAddr('isbn:2983792873').uri.opaque, '2983792873');
  });

  test('IPv6 inside <> and quoted commas in display names', () => {
    const n = parseNameAddr('"Watson, Thomas" <sip:t@[2001:db8::1]:5060>');
    assert.equal(n.displayName, 'Watson, Thomas');
    assert.equal(n.uri.host, '[2001:db8::1]');
    assert.equal(n.uri.port, 5060);
  });

  for (const bad of [
    '"Mr. J. User <sip:j.user@example.com>', // quotbal
    'Bell, Alexander <sip:a.g.bell@example.com>;tag=43', // baddn
    '"Watson, Thomas" < sip:t.watson@example.org >', // badaspec
    'sip:user@example.com?Route=%3Csip:sip.example.com%3E', // regbadct
    '"Joe" <sip:joe@example.org>;;;;', // badinv01
    '<sip:joe@example.org',
    '<sip:joe@example.org>;tag=',
    '<sip:joe@example.org> junk',
    '',
  ]) {
    test(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => parseNameAddr(bad), is400));
  }
});

describe('formatNameAddr', () => {
  test('always <>, display name quoted only when needed', () => {
    assert.equal(
      formatNameAddr({
        displayName: 'Bob',
        uri: { scheme: 'sip', user: 'bob', host: 'b', params: {}, headers: {} },
        params: { tag: 'x' },
      }),
      'Bob <sip:bob@b>;tag=x',
    );
    assert.equal(
      formatNameAddr({
        displayName: 'Watson, "T"',
        uri: { scheme: 'sip', host: 'b', params: { lr: null }, headers: {} },
        params: {},
      }),
      '"Watson, \\"T\\"" <sip:b;lr>',
    );
  });

  test('round trip', () => {
    for (const s of [
      '"J Rosenberg \\\\\\"" <sip:jdrosen@example.com>;tag=98asjd8',
      'sip:+19725552222@gw1.example.net;unknownparam',
      '<sip:user@example.com?Route=%3Csip:sip.example.com%3E>',
      '"BEL:\\\x07 NUL:\\\x00" <sip:x@y>',
    ]) {
      const a = parseNameAddr(s);
      assert.deepEqual(parseNameAddr(formatNameAddr(a)), a);
    }
  });
});
