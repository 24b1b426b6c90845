import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Dialog } from '../../../../src/sip/dialog/index.ts';
import { formatUri, parseMessage, SipRequest } from '../../../../src/sip/message/index.ts';
import { CALL_ID, invite, response } from './helpers.ts';

const P1 = '<sip:p1.atlanta.example.com;lr>';
const P2 = '<sip:p2.biloxi.example.com;lr>';

/** Serializes and re-parses, so assertions are on what goes on the wire. */
function wire(r: SipRequest): SipRequest {
  const m = parseMessage(r.toBuffer());
  assert.ok(m instanceof SipRequest);
  return m;
}

describe('createRequest (§12.2.1.1)', () => {
  test('BYE with loose routing: R-URI = remote target, Route = route set, no Via, no Contact', () => {
    const d = Dialog.fromUac(invite(), response(200, { recordRoute: [P2, P1] }));
    const bye = wire(d.createRequest('BYE'));
    assert.equal(bye.method, 'BYE');
    assert.equal(bye.uriText, 'sip:bob@client.biloxi.example.com;transport=udp');
    assert.deepEqual(bye.getAll('Route'), [
      '<sip:p1.atlanta.example.com;lr>',
      '<sip:p2.biloxi.example.com;lr>',
    ]);
    assert.equal(bye.has('Via'), false);
    assert.equal(bye.has('Contact'), false);
    assert.equal(bye.maxForwards, 70);
    assert.equal(bye.callId, CALL_ID);
    assert.equal(bye.fromTag, '9fxced76sl');
    assert.equal(bye.toTag, '8321234356');
    assert.equal(bye.from.uri.user, 'alice');
    assert.equal(bye.to.uri.user, 'bob');
    assert.deepEqual(bye.cseq, { seq: 2, method: 'BYE' });
    assert.equal(bye.body.length, 0);
    assert.equal(formatUri(d.nextHop()), 'sip:p1.atlanta.example.com;lr');
  });

  test('no route set: R-URI = remote target, no Route, next hop = remote target', () => {
    const d = Dialog.fromUac(invite(), response(200));
    const info = wire(d.createRequest('INFO'));
    assert.equal(info.uriText, 'sip:bob@client.biloxi.example.com;transport=udp');
    assert.equal(info.has('Route'), false);
    assert.equal(formatUri(d.nextHop()), 'sip:bob@client.biloxi.example.com;transport=udp');
  });

  test('strict router first: R-URI = first route (stripped), Route = rest + remote target', () => {
    const d = Dialog.fromUac(
      invite(),
      response(200, {
        recordRoute: ['<sip:p2.biloxi.example.com;lr>', '<sip:p1.atlanta.example.com;method=INVITE>'],
      }),
    );
    const bye = wire(d.createRequest('BYE'));
    assert.equal(bye.uriText, 'sip:p1.atlanta.example.com');
    assert.deepEqual(bye.getAll('Route'), [
      '<sip:p2.biloxi.example.com;lr>',
      '<sip:bob@client.biloxi.example.com;transport=udp>',
    ]);
    assert.equal(formatUri(d.nextHop()), 'sip:p1.atlanta.example.com');
    assert.equal(d.requestTarget.looseRouting, false);
  });

  test('CSeq increments by one per request; ACK and CANCEL reuse the current number', () => {
    const d = Dialog.fromUac(invite({ cseq: 10 }), response(200, { cseq: 10 }));
    assert.equal(d.createRequest('INFO').cseq.seq, 11);
    const reinvite = d.createRequest('INVITE');
    assert.deepEqual(reinvite.cseq, { seq: 12, method: 'INVITE' });
    assert.deepEqual(d.createRequest('CANCEL').cseq, { seq: 12, method: 'CANCEL' });
    assert.deepEqual(d.createRequest('ACK').cseq, { seq: 12, method: 'ACK' });
    assert.equal(d.createRequest('BYE').cseq.seq, 13);
    assert.equal(d.localSeq, 13);
  });

  test('Contact = local target on target refresh methods and REFER only', () => {
    const d = Dialog.fromUac(invite(), response(200));
    for (const m of ['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']) {
      assert.deepEqual(
        wire(d.createRequest(m)).getAll('Contact'),
        ['<sip:alice@client.atlanta.example.com;transport=udp>'],
        m,
      );
    }
    for (const m of ['BYE', 'INFO', 'MESSAGE', 'OPTIONS', 'PRACK']) {
      assert.equal(wire(d.createRequest(m)).has('Contact'), false, m);
    }
  });

  test('body, content type and extra headers; extras override dialog defaults; reserved ones refused', () => {
    const d = Dialog.fromUac(invite(), response(200));
    const sdp = 'v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\n';
    const r = wire(
      d.createRequest('INVITE', {
        body: sdp,
        contentType: 'application/sdp',
        headers: [
          ['Contact', '<sip:alice@192.0.2.99>'],
          ['Supported', 'timer'],
          ['Supported', '100rel'],
        ],
      }),
    );
    assert.equal(r.body.toString(), sdp);
    assert.equal(r.contentType, 'application/sdp');
    assert.deepEqual(r.getAll('Contact'), ['<sip:alice@192.0.2.99>']);
    assert.deepEqual(r.getAll('Supported'), ['timer', '100rel']);
    for (const name of ['To', 'from', 'Call-ID', 'i', 'CSeq', 'Route', 'Via']) {
      assert.throws(
        () => d.createRequest('INFO', { headers: [[name, 'x']] }),
        { code: 'reserved-header' },
        name,
      );
    }
  });

  test('setLocalTarget changes the Contact of later requests', () => {
    const d = Dialog.fromUac(invite(), response(200));
    d.setLocalTarget({
      scheme: 'sip',
      user: 'alice',
      host: '203.0.113.9',
      port: 5080,
      params: {},
      headers: {},
    });
    assert.deepEqual(wire(d.createRequest('INVITE')).getAll('Contact'), ['<sip:alice@203.0.113.9:5080>']);
  });

  test('UAS side: From = our To with our tag, To = their From, Route = Record-Route in order', () => {
    const inv = invite({ recordRoute: [P2, P1] });
    const d = Dialog.fromUas(inv, response(200, { toTag: 'bobtag', contact: '<sip:bob@192.0.2.4>' }));
    const bye = wire(d.createRequest('BYE'));
    assert.equal(bye.uriText, 'sip:alice@client.atlanta.example.com;transport=udp');
    assert.deepEqual(bye.getAll('Route'), [P2, P1]);
    assert.equal(bye.from.uri.user, 'bob');
    assert.equal(bye.fromTag, 'bobtag');
    assert.equal(bye.to.uri.user, 'alice');
    assert.equal(bye.toTag, '9fxced76sl');
    assert.deepEqual(bye.cseq, { seq: 1, method: 'BYE' });
  });
});

describe('createAck (§13.2.2.4)', () => {
  test('same CSeq number as the INVITE, method ACK, routed like any in-dialog request, no Contact', () => {
    const d = Dialog.fromUac(invite({ cseq: 7 }), response(200, { cseq: 7, recordRoute: [P1] }));
    const ack = wire(d.createAck(7));
    assert.equal(ack.method, 'ACK');
    assert.deepEqual(ack.cseq, { seq: 7, method: 'ACK' });
    assert.equal(ack.uriText, 'sip:bob@client.biloxi.example.com;transport=udp');
    assert.deepEqual(ack.getAll('Route'), [P1]);
    assert.equal(ack.has('Contact'), false);
    assert.equal(d.localSeq, 7, 'an ACK does not consume a sequence number');
  });

  test('copies the INVITE credentials and carries an optional body', () => {
    const inv = invite({
      extra: [
        'Proxy-Authorization: Digest username="alice", realm="atlanta.example.com", nonce="n", response="r"',
      ],
    });
    const d = Dialog.fromUac(inv, response(200));
    const ack = wire(d.createAck(1, { invite: inv, body: 'v=0\r\n', contentType: 'application/sdp' }));
    assert.deepEqual(ack.getAll('Proxy-Authorization'), [
      'Digest username="alice", realm="atlanta.example.com", nonce="n", response="r"',
    ]);
    assert.equal(ack.body.toString(), 'v=0\r\n');
    assert.equal(ack.contentType, 'application/sdp');
  });

  test('allowed after the dialog was terminated (every 2xx is acknowledged)', () => {
    const d = Dialog.fromUac(invite(), response(200));
    d.terminate();
    assert.equal(d.createAck(1).method, 'ACK');
  });
});
