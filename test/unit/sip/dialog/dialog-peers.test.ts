import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Dialog, DialogStore } from '../../../../src/sip/dialog/index.ts';
import { parseMessage, SipRequest } from '../../../../src/sip/message/index.ts';
import { invite, req, response } from './helpers.ts';

/** Serializes and re-parses, as if the request crossed the network. */
function wire(r: SipRequest): SipRequest {
  const m = parseMessage(r.toBuffer());
  assert.ok(m instanceof SipRequest);
  return m;
}

describe('both ends of one dialog', () => {
  test('requests built by one side are matched and accepted by the other, through two proxies', () => {
    const inv = invite({
      recordRoute: ['<sip:p2.biloxi.example.com;lr>', '<sip:p1.atlanta.example.com;lr>'],
    });
    const ok = response(200, {
      toTag: 'bobtag',
      contact: '<sip:bob@192.0.2.4>',
      recordRoute: ['<sip:p2.biloxi.example.com;lr>', '<sip:p1.atlanta.example.com;lr>'],
    });
    const alice = Dialog.fromUac(inv, ok);
    const bob = Dialog.fromUas(inv, ok);
    const aliceStore = new DialogStore();
    const bobStore = new DialogStore();
    aliceStore.add(alice);
    bobStore.add(bob);

    const info = wire(alice.createRequest('INFO'));
    assert.deepEqual(info.getAll('Route'), [
      '<sip:p1.atlanta.example.com;lr>',
      '<sip:p2.biloxi.example.com;lr>',
    ]);
    assert.equal(bobStore.matchRequest(info), bob);
    assert.deepEqual(bob.receiveRequest(info), { ok: true });
    assert.equal(bob.remoteSeq, 2);

    const reinvite = wire(bob.createRequest('INVITE'));
    assert.deepEqual(reinvite.getAll('Route'), [
      '<sip:p2.biloxi.example.com;lr>',
      '<sip:p1.atlanta.example.com;lr>',
    ]);
    assert.equal(reinvite.uriText, 'sip:alice@client.atlanta.example.com;transport=udp');
    assert.equal(aliceStore.matchRequest(reinvite), alice);
    assert.deepEqual(alice.receiveRequest(reinvite), { ok: true });
    assert.equal(alice.remoteSeq, 1);

    const bye = wire(alice.createRequest('BYE'));
    assert.equal(bye.cseq.seq, 3);
    assert.deepEqual(bobStore.matchRequest(bye)?.receiveRequest(bye), { ok: true });
    bob.terminate();
    alice.terminate();
    assert.equal(bobStore.size + aliceStore.size, 0);
    assert.equal(bobStore.matchRequest(bye), undefined, 'the UA answers 481');
  });

  test('UAS behind a strict router: R-URI = the router, Route ends with the remote target', () => {
    const inv = invite({ recordRoute: ['<sip:strict.example.com>', '<sip:p1.atlanta.example.com;lr>'] });
    const bob = Dialog.fromUas(inv, response(200, { toTag: 'bobtag' }));
    const bye = wire(bob.createRequest('BYE'));
    assert.equal(bye.uriText, 'sip:strict.example.com');
    assert.deepEqual(bye.getAll('Route'), [
      '<sip:p1.atlanta.example.com;lr>',
      '<sip:alice@client.atlanta.example.com;transport=udp>',
    ]);
  });

  test('compact Contact refreshes the target; a malformed Contact is ignored without throwing', () => {
    const bob = Dialog.fromUas(invite(), response(200, { toTag: 'bobtag' }));
    const update = req(
      [
        'UPDATE sip:bob@192.0.2.4 SIP/2.0',
        'v: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bKu1',
        'f: <sip:alice@atlanta.example.com>;tag=9fxced76sl',
        't: <sip:bob@biloxi.example.com>;tag=bobtag',
        'i: 3848276298220188511@atlanta.example.com',
        'CSeq: 2 UPDATE',
        'm: <sip:alice@[2001:db8::10]:5062>',
        'l: 0',
        '',
        '',
      ].join('\n'),
    );
    assert.deepEqual(bob.receiveRequest(update), { ok: true });
    assert.equal(bob.remoteTarget.host, '[2001:db8::10]');
    assert.equal(bob.createRequest('BYE').uriText, 'sip:alice@[2001:db8::10]:5062');

    const bad = invite({ method: 'UPDATE', cseq: 3, toTag: 'bobtag', contact: '<sip:alice@>;;"' });
    assert.deepEqual(bob.receiveRequest(bad), { ok: true });
    assert.equal(bob.remoteTarget.host, '[2001:db8::10]');
  });
});
