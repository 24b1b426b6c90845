import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SipRequest, SipResponse, parseMessage, serialize } from '../../../../src/sip/message/index.ts';

const lines = (...l: string[]): Buffer => Buffer.from(l.join('\r\n'));

describe('serialize', () => {
  test('request built through the API: start line, headers in order, correct Content-Length', () => {
    const r = new SipRequest(
      'INVITE',
      'sip:bob@example.com',
      [
        ['v', 'SIP/2.0/UDP h;branch=z9hG4bK1'],
        ['f', '<sip:a@h>;tag=1'],
        ['t', '<sip:bob@example.com>'],
        ['i', 'cid'],
        ['cseq', '1 INVITE'],
        ['x-my-header', 'kept'],
        ['Content-Length', '999'],
      ],
      'héllo',
    );
    assert.equal(
      serialize(r).toString(),
      'INVITE sip:bob@example.com SIP/2.0\r\n' +
        'Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n' +
        'From: <sip:a@h>;tag=1\r\n' +
        'To: <sip:bob@example.com>\r\n' +
        'Call-ID: cid\r\n' +
        'CSeq: 1 INVITE\r\n' +
        'x-my-header: kept\r\n' +
        'Content-Length: 6\r\n\r\nhéllo',
    );
    assert.deepEqual(r.toBuffer(), serialize(r));
  });

  test('response with default reason phrase and empty body', () => {
    const r = new SipResponse(486, undefined, [['Call-ID', 'x']]);
    assert.equal(serialize(r).toString(), 'SIP/2.0 486 Busy Here\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n');
    assert.equal(new SipResponse(299).reason, 'Success');
  });

  test('long canonical names for compact/odd-case input; unknown names as received', () => {
    const m = parseMessage(
      lines(
        'OPTIONS sip:a@b SIP/2.0',
        'v: SIP/2.0/UDP h',
        'WWW-AUTHENTICATE: Digest realm="x"',
        'cseq: 1 OPTIONS',
        'X-Odd-CASE: v',
        'i: c',
        'l: 0',
        '',
        '',
      ),
    );
    assert.equal(
      serialize(m).toString(),
      'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nWWW-Authenticate: Digest realm="x"\r\nCSeq: 1 OPTIONS\r\nX-Odd-CASE: v\r\nCall-ID: c\r\nContent-Length: 0\r\n\r\n',
    );
  });

  test('folded values are written unfolded; whitespace inside values untouched', () => {
    const m = parseMessage(lines('OPTIONS sip:a@b SIP/2.0', 'Subject: one', '   two  three', 'l: 0', '', ''));
    assert.ok(serialize(m).includes('\r\nSubject: one two  three\r\n'));
  });

  test('binary bodies are copied exactly', () => {
    const body = Buffer.from([0, 1, 2, 0x0a, 0x0d, 0xff, 0]);
    const r = new SipRequest('MESSAGE', 'sip:a@b', [['Content-Type', 'application/octet-stream']], body);
    const out = serialize(r);
    assert.deepEqual(out.subarray(out.length - body.length), body);
    assert.deepEqual(parseMessage(out).body, body);
  });

  test('parse → serialize → parse gives equal typed views', () => {
    const src = lines(
      'INVITE sip:bob@biloxi.example.com;transport=tcp SIP/2.0',
      'Via: SIP/2.0/TCP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com:5070;branch=z9hG4bK2;received=10.0.0.1',
      'Max-Forwards: 70',
      'Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
      'Route: <sip:p3.example.com;lr>',
      'From: "Alice, A." <sip:alice@atlanta.example.com>;tag=1928301774',
      'To: <sip:bob@biloxi.example.com>',
      'Call-ID: a84b4c76e66710',
      'CSeq: 314159 INVITE',
      'Contact: <sip:alice@[2001:db8::1]:5060>;expires=60, *',
      'Content-Type: application/sdp; charset=utf-8',
      'Content-Length: 4',
      '',
      'v=0\n',
    );
    const a = parseMessage(src) as SipRequest;
    const b = parseMessage(serialize(a)) as SipRequest;
    assert.deepEqual(b.uri, a.uri);
    assert.deepEqual(b.via, a.via);
    assert.deepEqual(b.from, a.from);
    assert.deepEqual(b.to, a.to);
    assert.equal(b.callId, a.callId);
    assert.deepEqual(b.cseq, a.cseq);
    assert.deepEqual(b.contact, a.contact);
    assert.equal(b.contact[1].uri.scheme, '*');
    assert.deepEqual(b.route, a.route);
    assert.deepEqual(b.recordRoute, a.recordRoute);
    assert.equal(b.maxForwards, 70);
    assert.equal(b.contentType, 'application/sdp');
    assert.deepEqual(b.body, a.body);
    assert.deepEqual(serialize(b), serialize(a));
    // A clone of a freshly parsed message (lazy Request-URI and body) serializes the same.
    const fresh = parseMessage(src) as SipRequest;
    const c = fresh.clone();
    assert.equal(c.uriText, 'sip:bob@biloxi.example.com;transport=tcp');
    assert.deepEqual(serialize(c), serialize(fresh));
    assert.deepEqual(c.body, Buffer.from('v=0\n'));
  });
});
