import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Dialog, DialogError, dialogKey } from '../../../../src/sip/dialog/index.ts';
import { formatNameAddr, formatUri } from '../../../../src/sip/message/index.ts';
import { CALL_ID, invite, response } from './helpers.ts';

const P1 = '<sip:p1.atlanta.example.com;lr>';
const P2 = '<sip:p2.biloxi.example.com;lr>';

describe('Dialog.fromUac (§12.1.2)', () => {
  test('2xx: confirmed, route set = Record-Route reversed, remote target = response Contact', () => {
    const inv = invite();
    const ok = response(200, { recordRoute: [P2, P1] });
    const d = Dialog.fromUac(inv, ok);
    assert.equal(d.role, 'uac');
    assert.equal(d.state, 'confirmed');
    assert.deepEqual(d.id, { callId: CALL_ID, localTag: '9fxced76sl', remoteTag: '8321234356' });
    assert.equal(d.key, dialogKey(CALL_ID, '9fxced76sl', '8321234356'));
    assert.equal(d.key, `${CALL_ID}\n9fxced76sl\n8321234356`);
    assert.deepEqual(
      d.routeSet.map((r) => r.uri.host),
      ['p1.atlanta.example.com', 'p2.biloxi.example.com'],
    );
    assert.equal(formatUri(d.remoteTarget), 'sip:bob@client.biloxi.example.com;transport=udp');
    assert.equal(formatUri(d.localTarget), 'sip:alice@client.atlanta.example.com;transport=udp');
    assert.equal(d.localSeq, 1);
    assert.equal(d.remoteSeq, undefined);
    assert.equal(d.localUri.params.tag, '9fxced76sl');
    assert.equal(d.localUri.uri.user, 'alice');
    assert.equal(d.remoteUri.params.tag, '8321234356');
    assert.equal(d.remoteUri.uri.user, 'bob');
    assert.equal(d.remoteUri.displayName, 'Bob');
    assert.equal(d.secure, false);
  });

  test('1xx with To tag: early', () => {
    const d = Dialog.fromUac(invite(), response(180, { recordRoute: [P1] }));
    assert.equal(d.state, 'early');
    assert.equal(d.routeSet.length, 1);
  });

  test('100, 1xx without tag and failures create no dialog', () => {
    const inv = invite();
    for (const r of [response(100, { toTag: null }), response(180, { toTag: null }), response(486)]) {
      assert.throws(
        () => Dialog.fromUac(inv, r),
        (e: unknown) => e instanceof DialogError && e.code === 'not-dialog-creating',
      );
    }
  });

  test('2xx without To tag (RFC 2543 peer): remote tag empty', () => {
    const d = Dialog.fromUac(invite(), response(200, { toTag: null }));
    assert.equal(d.id.remoteTag, '');
    assert.equal(d.remoteUri.params.tag, undefined);
    assert.equal(d.key, `${CALL_ID}\n9fxced76sl\n`);
  });

  test('response without Contact keeps the Request-URI as remote target (documented deviation)', () => {
    const d = Dialog.fromUac(invite(), response(200, { contact: null }));
    assert.equal(formatUri(d.remoteTarget), 'sip:bob@biloxi.example.com');
  });

  test('sips Request-URI sets the secure flag; the option overrides', () => {
    const inv = invite({ uri: 'sips:bob@biloxi.example.com' });
    assert.equal(Dialog.fromUac(inv, response(200)).secure, true);
    assert.equal(Dialog.fromUac(inv, response(200), { secure: false }).secure, false);
  });

  test('our request without From tag or Contact is refused', () => {
    assert.throws(() => Dialog.fromUac(invite({ fromTag: null }), response(200)), { code: 'missing-tag' });
    assert.throws(() => Dialog.fromUac(invite({ contact: null }), response(200)), {
      code: 'missing-contact',
    });
  });

  test('dialog state does not alias the messages', () => {
    const ok = response(200, { recordRoute: [P1] });
    const d = Dialog.fromUac(invite(), ok);
    ok.recordRoute[0].uri.host = 'evil.example.com';
    ok.contact[0].uri.host = 'evil.example.com';
    assert.equal(d.routeSet[0].uri.host, 'p1.atlanta.example.com');
    assert.equal(d.remoteTarget.host, 'client.biloxi.example.com');
  });
});

describe('Dialog.fromUas (§12.1.1)', () => {
  test('route set = Record-Route in order, remote target = request Contact, remote seq = CSeq', () => {
    const inv = invite({ recordRoute: [P2, P1], cseq: 314159 });
    const ok = response(200, { toTag: 'bobtag', contact: '<sip:bob@192.0.2.4>', cseq: 314159 });
    const d = Dialog.fromUas(inv, ok);
    assert.equal(d.role, 'uas');
    assert.equal(d.state, 'confirmed');
    assert.deepEqual(d.id, { callId: CALL_ID, localTag: 'bobtag', remoteTag: '9fxced76sl' });
    assert.deepEqual(
      d.routeSet.map((r) => formatNameAddr(r)),
      ['<sip:p2.biloxi.example.com;lr>', '<sip:p1.atlanta.example.com;lr>'],
    );
    assert.equal(formatUri(d.remoteTarget), 'sip:alice@client.atlanta.example.com;transport=udp');
    assert.equal(formatUri(d.localTarget), 'sip:bob@192.0.2.4');
    assert.equal(d.remoteSeq, 314159);
    assert.equal(d.localSeq, 0);
    assert.equal(d.localUri.params.tag, 'bobtag');
    assert.equal(d.localUri.uri.user, 'bob');
    assert.equal(d.remoteUri.params.tag, '9fxced76sl');
  });

  test('1xx: early; confirm() on sending the 2xx; initialLocalSeq', () => {
    const d = Dialog.fromUas(invite(), response(180, { toTag: 'bobtag' }), { initialLocalSeq: 41 });
    assert.equal(d.state, 'early');
    d.confirm(response(200, { toTag: 'bobtag', contact: '<sip:bob@198.51.100.7:5070>' }));
    assert.equal(d.state, 'confirmed');
    assert.equal(formatUri(d.localTarget), 'sip:bob@198.51.100.7:5070');
    assert.equal(d.createRequest('BYE').cseq.seq, 42);
  });

  test('request without From tag (RFC 2543): empty remote tag', () => {
    const d = Dialog.fromUas(invite({ fromTag: null }), response(200, { toTag: 'bobtag' }));
    assert.equal(d.id.remoteTag, '');
  });

  test('refuses a response without To tag, a request without Contact, a non dialog-creating status', () => {
    assert.throws(() => Dialog.fromUas(invite(), response(200, { toTag: null })), { code: 'missing-tag' });
    assert.throws(() => Dialog.fromUas(invite({ contact: null }), response(200)), {
      code: 'missing-contact',
    });
    assert.throws(() => Dialog.fromUas(invite(), response(100)), { code: 'not-dialog-creating' });
    assert.throws(() => Dialog.fromUas(invite(), response(603)), { code: 'not-dialog-creating' });
  });
});

describe('state machine', () => {
  test('illegal transitions throw; terminate is idempotent; listeners hear changes', () => {
    const d = Dialog.fromUac(invite(), response(180));
    const seen: string[] = [];
    const off = d.onStateChange((s) => seen.push(s));
    d.receiveResponse(response(200));
    assert.equal(d.state, 'confirmed');
    assert.throws(() => d.confirm(), { code: 'illegal-transition' });
    d.terminate();
    d.terminate();
    off();
    assert.deepEqual(seen, ['confirmed', 'terminated']);
    assert.throws(() => d.confirm(), { code: 'illegal-transition' });
    assert.throws(() => d.createRequest('BYE'), { code: 'dialog-terminated' });
  });
});
