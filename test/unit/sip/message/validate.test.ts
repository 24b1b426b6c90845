import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  SipRequest,
  isKnownMethod,
  parseMessage,
  validateRequest,
} from '../../../../src/sip/message/index.ts';

const GOOD = [
  'OPTIONS sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
  'From: <sip:a@h>;tag=f',
  'To: <sip:bob@example.com>',
  'Call-ID: cid',
  'CSeq: 1 OPTIONS',
];
const build = (lines: string[], start = GOOD[0]): SipRequest =>
  parseMessage(Buffer.from([start, ...lines, 'Content-Length: 0', '', ''].join('\r\n'))) as SipRequest;
const without = (prefix: string): string[] => GOOD.slice(1).filter((l) => !l.startsWith(prefix));
const replace = (prefix: string, line: string): string[] =>
  GOOD.slice(1).map((l) => (l.startsWith(prefix) ? line : l));

describe('validateRequest', () => {
  test('accepts a minimal request (Max-Forwards may be absent: RFC 2543 peers)', () => {
    assert.equal(validateRequest(build(GOOD.slice(1))), undefined);
  });

  for (const h of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    test(`missing ${h} → 400`, () => {
      const e = validateRequest(build(without(h)));
      assert.equal(e?.status, 400);
      assert.equal(e?.reason, 'Bad Request');
      assert.equal(e?.partial, undefined);
    });
  }

  for (const h of ['From: <sip:x@y>;tag=2', 'To: <sip:z@y>', 'Call-ID: other', 'CSeq: 2 OPTIONS']) {
    test(`second ${h.split(':')[0]} → 400 with partial`, () => {
      const e = validateRequest(build([...GOOD.slice(1), h]));
      assert.equal(e?.status, 400);
      assert.ok(e?.partial);
    });
  }

  test('CSeq number above 2^32-1 → 400; exactly 2^32-1 is fine', () => {
    assert.equal(validateRequest(build(replace('CSeq', 'CSeq: 4294967296 OPTIONS')))?.status, 400);
    assert.equal(validateRequest(build(replace('CSeq', 'CSeq: 4294967295 OPTIONS'))), undefined);
  });

  test('CSeq method mismatch → 400 for known methods, left alone for unknown ones', () => {
    assert.equal(validateRequest(build(replace('CSeq', 'CSeq: 1 INVITE')))?.status, 400);
    assert.equal(
      validateRequest(build(replace('CSeq', 'CSeq: 1 INVITE'), 'NEWMETHOD sip:bob@example.com SIP/2.0')),
      undefined,
    );
  });

  test('bad Contact / Route / Record-Route syntax → 400', () => {
    for (const l of [
      'Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E',
      'Contact: "Joe" <sip:joe@example.org>;;;;',
      'Route: <sip:p1;lr',
      'Record-Route: garbage',
    ]) {
      assert.equal(validateRequest(build([...GOOD.slice(1), l]))?.status, 400, l);
    }
    assert.equal(validateRequest(build([...GOOD.slice(1), 'Contact: *'])), undefined);
  });

  test('malformed From/To URIs → 400 without partial', () => {
    const e = validateRequest(build(replace('To', 'To: <sip:bob@exa mple.com>')));
    assert.equal(e?.status, 400);
    assert.equal(e?.partial, undefined);
  });

  test('headers in the Request-URI → 400; unknown schemes are left to the UA', () => {
    assert.equal(
      validateRequest(build(GOOD.slice(1), 'OPTIONS sip:bob@example.com?Route=x SIP/2.0'))?.status,
      400,
    );
    assert.equal(validateRequest(build(GOOD.slice(1), 'OPTIONS urn:service:sos SIP/2.0')), undefined);
    assert.equal(validateRequest(build(GOOD.slice(1), 'OPTIONS sip:bob@ SIP/2.0'))?.status, 400);
  });

  test('never throws, even on a request built by hand without headers', () => {
    assert.equal(validateRequest(new SipRequest('INVITE', 'not a uri'))?.status, 400);
  });
});

describe('isKnownMethod', () => {
  test('the 14 methods, case-sensitively', () => {
    for (const m of [
      'INVITE',
      'ACK',
      'BYE',
      'CANCEL',
      'OPTIONS',
      'REGISTER',
      'PRACK',
      'SUBSCRIBE',
      'NOTIFY',
      'PUBLISH',
      'INFO',
      'REFER',
      'MESSAGE',
      'UPDATE',
    ]) {
      assert.ok(isKnownMethod(m), m);
    }
    assert.equal(isKnownMethod('invite'), false);
    assert.equal(isKnownMethod('RE%47IST%45R'), false);
  });
});
