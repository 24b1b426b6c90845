import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { SipRequest } from '../../../../src/sip/message/index.ts';
import { createResponse, parseMessage, serialize } from '../../../../src/sip/message/index.ts';

const req = (to = 'To: Bob <sip:bob@biloxi.example.com>'): SipRequest =>
  parseMessage(
    Buffer.from(
      [
        'INVITE sip:bob@biloxi.example.com SIP/2.0',
        'Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bK2, SIP/2.0/UDP p1.example.com;branch=z9hG4bK1',
        'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK0;received=192.0.2.1',
        'Max-Forwards: 70',
        to,
        'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
        'Call-ID: a84b4c76e66710',
        'CSeq: 314159 INVITE',
        'Contact: <sip:alice@pc33.atlanta.example.com>',
        'Record-Route: <sip:p1.example.com;lr>',
        'Content-Type: application/sdp',
        'Content-Length: 4',
        '',
        'v=0\n',
      ].join('\r\n'),
    ),
  ) as SipRequest;

describe('createResponse (§8.2.6.2)', () => {
  test('copies Via (all, in order), From, To, Call-ID, CSeq and nothing else', () => {
    const r = createResponse(req(), 180, undefined, { toTag: 'abc' });
    assert.equal(
      serialize(r).toString(),
      'SIP/2.0 180 Ringing\r\n' +
        'Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bK2, SIP/2.0/UDP p1.example.com;branch=z9hG4bK1\r\n' +
        'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK0;received=192.0.2.1\r\n' +
        'To: Bob <sip:bob@biloxi.example.com>;tag=abc\r\n' +
        'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n' +
        'Call-ID: a84b4c76e66710\r\n' +
        'CSeq: 314159 INVITE\r\n' +
        'Content-Length: 0\r\n\r\n',
    );
    assert.equal(r.toTag, 'abc');
    assert.equal(r.via.length, 3);
  });

  test('100 Trying never gets a To tag', () => {
    assert.equal(createResponse(req(), 100, undefined, { toTag: 'abc' }).toTag, undefined);
  });

  test('an existing To tag is kept, not replaced', () => {
    const r = createResponse(req('To: <sip:bob@biloxi.example.com>;tag=old'), 200, 'OK', { toTag: 'new' });
    assert.equal(r.toTag, 'old');
  });

  test('custom reason, extra headers and body', () => {
    const r = createResponse(req(), 486, 'Busy Right Now', {
      headers: [
        ['Retry-After', '60'],
        ['Warning', '399 h "x"'],
      ],
      body: 'b',
    });
    assert.equal(r.reason, 'Busy Right Now');
    assert.equal(r.get('Retry-After'), '60');
    assert.equal(r.body.toString(), 'b');
    const back = parseMessage(r.toBuffer());
    assert.equal(back.get('Warning'), '399 h "x"');
    assert.equal(back.callId, 'a84b4c76e66710');
  });

  test('the response is independent of the request', () => {
    const q = req();
    const r = createResponse(q, 200, undefined, { toTag: 't' });
    r.removeFirst('Via');
    assert.equal(q.getAll('Via').length, 3);
    assert.equal(r.getAll('Via').length, 2);
  });

  test("the response reads the request's Via, Call-ID, CSeq and From, and its own after a change", () => {
    const q = req();
    const r = createResponse(q, 200, undefined, { toTag: 't' });
    assert.deepEqual(r.topVia, q.topVia);
    assert.equal(r.topVia?.host, 'p2.example.com');
    assert.equal(r.via.length, 3);
    assert.equal(r.callId, 'a84b4c76e66710');
    assert.deepEqual(r.cseq, { seq: 314159, method: 'INVITE' });
    assert.equal(r.fromTag, '1928301774');
    assert.equal(r.toTag, 't');
    r.removeFirst('Via');
    assert.equal(r.topVia?.host, 'p1.example.com');
    assert.equal(r.via.length, 2);
    assert.equal(q.topVia?.host, 'p2.example.com');
    r.replaceFirst('Via', 'SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bKnew');
    assert.equal(r.topVia?.port, 5070);
    assert.equal(r.branch, 'z9hG4bKnew');
  });
});
