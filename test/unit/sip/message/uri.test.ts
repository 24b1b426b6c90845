import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError, formatUri, parseUri, uriEquals } from '../../../../src/sip/message/index.ts';

describe('parseUri', () => {
  test('full sip URI: user, password, host, port, params, headers', () => {
    const u = parseUri(
      'sip:alice:secret@Atlanta.Example.com:5061;transport=TCP;lr;Maddr=1.2.3.4?subject=hi&priority=urgent',
    );
    assert.equal(u.scheme, 'sip');
    assert.equal(u.user, 'alice');
    assert.equal(u.password, 'secret');
    assert.equal(u.host, 'Atlanta.Example.com');
    assert.equal(u.port, 5061);
    assert.deepEqual(u.params, { transport: 'TCP', lr: null, maddr: '1.2.3.4' });
    assert.deepEqual(u.headers, { subject: 'hi', priority: 'urgent' });
  });

  test('scheme is lower-cased; sips kept distinct', () => {
    assert.equal(parseUri('SIPS:bob@example.com').scheme, 'sips');
  });

  test('no user part', () => {
    const u = parseUri('sip:example.com');
    assert.equal(u.user, undefined);
    assert.equal(u.host, 'example.com');
    assert.equal(u.port, undefined);
  });

  test('IPv6 host references keep their brackets, with and without port', () => {
    assert.equal(parseUri('sip:alice@[2001:db8::10]').host, '[2001:db8::10]');
    const u = parseUri('sip:[2001:db8::10]:5070;transport=udp');
    assert.equal(u.host, '[2001:db8::10]');
    assert.equal(u.port, 5070);
    assert.deepEqual(u.params, { transport: 'udp' });
  });

  test('%HH decoded once per component, never recursively', () => {
    const u = parseUri('sip:%61lice%2540@example.com;n%61me=v%61lue%25%34%31?h%65ader=a%20b');
    assert.equal(u.user, 'alice%40');
    assert.equal(u.params.name, 'value%41');
    assert.deepEqual(u.headers, { header: 'a b' });
  });

  test('%00 in the user part is kept, not a terminator', () => {
    assert.equal(parseUri('sip:a%00b@example.com').user, 'a\x00b');
  });

  test('%-escapes decode to UTF-8', () => {
    assert.equal(parseUri('sip:%C3%A9t%C3%A9@example.com').user, 'été');
  });

  test('user part may hold ; ? / and escaped @ (semiuri)', () => {
    const u = parseUri('sip:user;par=u%40example.net@example.com');
    assert.equal(u.user, 'user;par=u@example.net');
    assert.deepEqual(u.params, {});
  });

  test('other schemes are opaque', () => {
    const u = parseUri('tel:+1-201-555-0123;phone-context=example.com');
    assert.equal(u.scheme, 'tel');
    assert.equal(u.opaque, '+1-201-555-0123;phone-context=example.com');
    assert.equal(formatUri(u), 'tel:+1-201-555-0123;phone-context=example.com');
  });

  for (const bad of [
    'sip:user@exa mple.com',
    '<sip:user@example.com>',
    'sip:user@example.com:99999',
    'sip:user@example.com:',
    'sip:%zzuser@example.com',
    'sip:user%4@example.com',
    'sip:@',
    'sip:user@',
    'sip:user@example.com;;lr',
    'sip:user@[::1',
    'sip:user@example.com?noequals',
    'nocolon',
    ':nothing',
    '',
  ]) {
    test(`rejects ${JSON.stringify(bad)} with SipParseError 400`, () => {
      assert.throws(
        () => parseUri(bad),
        (e: unknown) => e instanceof SipParseError && e.status === 400,
      );
    });
  }
});

describe('formatUri', () => {
  test('round trip of a parsed URI', () => {
    const text = 'sip:alice:pw@example.com:5060;transport=tcp;lr?subject=x';
    assert.equal(formatUri(parseUri(text)), text);
  });

  test('escapes what each component does not allow', () => {
    const s = formatUri({
      scheme: 'sip',
      user: 'user;par=u@example.net',
      host: 'example.com',
      params: { 'a b': 'c=d' },
      headers: { Route: '<sip:x>' },
    });
    assert.equal(s, 'sip:user;par=u%40example.net@example.com;a%20b=c%3Dd?Route=%3Csip:x%3E');
    const back = parseUri(s);
    assert.equal(back.user, 'user;par=u@example.net');
    assert.deepEqual(back.params, { 'a b': 'c=d' });
    assert.deepEqual(back.headers, { Route: '<sip:x>' });
  });

  test('%00 survives a round trip', () => {
    assert.equal(parseUri(formatUri(parseUri('sip:%00@h'))).user, '\x00');
  });
});

describe('uriEquals (RFC 3261 §19.1.4)', () => {
  const eq = (a: string, b: string): boolean => uriEquals(parseUri(a), parseUri(b));
  test('examples of equal URIs from §19.1.4', () => {
    assert.ok(eq('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'));
    assert.ok(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'));
    assert.ok(eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;newparam=5'));
    assert.ok(
      eq(
        'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com',
        'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com',
      ),
    );
    assert.ok(
      eq(
        'sip:alice@atlanta.com?subject=project%20x&priority=urgent',
        'sip:alice@atlanta.com?priority=urgent&subject=project%20x',
      ),
    );
  });
  test('examples of different URIs from §19.1.4', () => {
    assert.ok(!eq('SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'));
    assert.ok(!eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'));
    assert.ok(!eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'));
    assert.ok(!eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'));
    assert.ok(!eq('sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'));
    assert.ok(!eq('sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'));
    assert.ok(!eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off'));
  });
  test('sip and sips never equal; escaped name=value%41 differs from valueA', () => {
    assert.ok(!eq('sip:a@b', 'sips:a@b'));
    assert.ok(!eq('sip:c@h;name=value%2541', 'sip:c@h;name=valueA'));
    assert.ok(eq('sip:c@h;name=value%41', 'sip:c@h;name=valueA'));
  });
});
