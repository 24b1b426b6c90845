import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Dialog } from '../../../../src/sip/dialog/index.ts';
import { formatUri } from '../../../../src/sip/message/index.ts';
import { invite, response } from './helpers.ts';

/** A UAS dialog (we are Bob): requests from Alice carry From tag 9fxced76sl and To tag bobtag. */
function uasDialog(cseq = 5): Dialog {
  return Dialog.fromUas(invite({ cseq }), response(200, { toTag: 'bobtag', cseq }));
}

function inDialog(method: string, cseq: number, contact?: string) {
  return invite({ method, cseq, toTag: 'bobtag', contact: contact ?? null });
}

describe('receiveRequest (§12.2.2)', () => {
  test('higher CSeq accepted and remembered; lower → 500; equal accepted', () => {
    const d = uasDialog(5);
    assert.deepEqual(d.receiveRequest(inDialog('INFO', 6)), { ok: true });
    assert.equal(d.remoteSeq, 6);
    assert.deepEqual(d.receiveRequest(inDialog('INFO', 4)), {
      ok: false,
      status: 500,
      reason: 'Server Internal Error',
    });
    assert.equal(d.remoteSeq, 6);
    assert.deepEqual(d.receiveRequest(inDialog('INFO', 6)), { ok: true });
    assert.deepEqual(d.receiveRequest(inDialog('BYE', 1000)), { ok: true });
    assert.equal(d.remoteSeq, 1000);
  });

  test('ACK and CANCEL carry the INVITE CSeq: accepted even when lower, remote seq unchanged', () => {
    const d = uasDialog(5);
    assert.deepEqual(d.receiveRequest(inDialog('ACK', 5)), { ok: true });
    d.receiveRequest(inDialog('INFO', 6));
    assert.deepEqual(d.receiveRequest(inDialog('ACK', 5)), { ok: true });
    assert.equal(d.remoteSeq, 6);
  });

  test('UAC side: remote seq empty until the first request, then any value is accepted', () => {
    const d = Dialog.fromUac(invite({ cseq: 100 }), response(200, { cseq: 100 }));
    assert.equal(d.remoteSeq, undefined);
    // A request from Bob (To tag = our tag, From tag = Bob's), built by Bob's own UAS dialog.
    const fromBob = Dialog.fromUas(invite({ cseq: 100 }), response(200, { cseq: 100 })).createRequest('BYE');
    assert.deepEqual(d.receiveRequest(fromBob), { ok: true });
    assert.equal(d.remoteSeq, 1);
  });

  test('UPDATE, SUBSCRIBE and NOTIFY refresh the remote target at once; INFO does not', () => {
    const d = uasDialog();
    d.receiveRequest(inDialog('UPDATE', 6, '<sip:alice@192.0.2.50>'));
    assert.equal(formatUri(d.remoteTarget), 'sip:alice@192.0.2.50');
    d.receiveRequest(inDialog('NOTIFY', 7, '<sip:alice@192.0.2.51>'));
    assert.equal(formatUri(d.remoteTarget), 'sip:alice@192.0.2.51');
    d.receiveRequest(inDialog('SUBSCRIBE', 8, '<sip:alice@192.0.2.52>'));
    assert.equal(formatUri(d.remoteTarget), 'sip:alice@192.0.2.52');
    d.receiveRequest(inDialog('INFO', 9, '<sip:alice@192.0.2.53>'));
    assert.equal(formatUri(d.remoteTarget), 'sip:alice@192.0.2.52');
    d.receiveRequest(inDialog('UPDATE', 10));
    assert.equal(formatUri(d.remoteTarget), 'sip:alice@192.0.2.52', 'no Contact: target kept');
    assert.equal(d.createRequest('BYE').uriText, 'sip:alice@192.0.2.52');
  });

  test('re-INVITE refreshes the target only when the UA applies it (after its 2xx)', () => {
    const d = uasDialog();
    const reinvite = inDialog('INVITE', 6, '<sip:alice@192.0.2.60>');
    assert.deepEqual(d.receiveRequest(reinvite), { ok: true });
    assert.equal(d.remoteTarget.host, 'client.atlanta.example.com');
    assert.equal(d.applyTargetRefresh(reinvite), true);
    assert.equal(d.remoteTarget.host, '192.0.2.60');
    assert.equal(d.createRequest('BYE').uriText, 'sip:alice@192.0.2.60');
  });

  test('terminated dialog or foreign request → 481', () => {
    const d = uasDialog();
    const wrongTag = invite({ method: 'INFO', cseq: 9, toTag: 'other' });
    assert.equal(d.receiveRequest(wrongTag).ok, false);
    d.terminate();
    assert.deepEqual(d.receiveRequest(inDialog('BYE', 9)), {
      ok: false,
      status: 481,
      reason: 'Call/Transaction Does Not Exist',
    });
  });
});

describe('receiveResponse (§12.2.1.2, §13.2.2.4)', () => {
  test('early → confirmed on 2xx; route set and target recomputed from the 2xx', () => {
    const d = Dialog.fromUac(
      invite(),
      response(183, { recordRoute: ['<sip:old.example.com;lr>'], contact: '<sip:bob@192.0.2.70>' }),
    );
    assert.equal(d.state, 'early');
    assert.equal(d.receiveResponse(response(180)), 'early');
    const ok = response(200, {
      recordRoute: ['<sip:p2.biloxi.example.com;lr>', '<sip:p1.atlanta.example.com;lr>'],
      contact: '<sip:bob@192.0.2.71>',
    });
    assert.equal(d.receiveResponse(ok), 'confirmed');
    assert.deepEqual(
      d.routeSet.map((r) => r.uri.host),
      ['p1.atlanta.example.com', 'p2.biloxi.example.com'],
    );
    assert.equal(d.remoteTarget.host, '192.0.2.71');
    assert.deepEqual(d.createRequest('BYE').getAll('Route'), [
      '<sip:p1.atlanta.example.com;lr>',
      '<sip:p2.biloxi.example.com;lr>',
    ]);
  });

  test('2xx to re-INVITE and UPDATE refreshes the target; 2xx to INFO does not', () => {
    const d = Dialog.fromUac(invite(), response(200));
    d.createRequest('INVITE');
    d.receiveResponse(response(200, { cseq: 2, contact: '<sip:bob@192.0.2.80>' }));
    assert.equal(d.remoteTarget.host, '192.0.2.80');
    d.createRequest('UPDATE');
    d.receiveResponse(response(200, { cseq: 3, method: 'UPDATE', contact: '<sip:bob@192.0.2.81>' }));
    assert.equal(d.remoteTarget.host, '192.0.2.81');
    d.createRequest('INFO');
    d.receiveResponse(response(200, { cseq: 4, method: 'INFO', contact: '<sip:bob@192.0.2.82>' }));
    assert.equal(d.remoteTarget.host, '192.0.2.81');
    assert.equal(d.state, 'confirmed');
  });

  test('a failed re-INVITE leaves the confirmed dialog alone', () => {
    const d = Dialog.fromUac(invite(), response(200));
    d.createRequest('INVITE');
    assert.equal(d.receiveResponse(response(488, { cseq: 2 })), 'confirmed');
    assert.equal(d.receiveResponse(response(491, { cseq: 2 })), 'confirmed');
  });

  test('481 and 408 to an in-dialog request terminate the dialog', () => {
    for (const status of [481, 408]) {
      const d = Dialog.fromUac(invite(), response(200));
      d.createRequest('INFO');
      assert.equal(d.receiveResponse(response(status, { cseq: 2, method: 'INFO' })), 'terminated');
      assert.equal(d.receiveResponse(response(200, { cseq: 2, method: 'INFO' })), 'terminated');
    }
  });

  test('non-2xx final to the INVITE terminates an early dialog', () => {
    const d = Dialog.fromUac(invite(), response(180));
    assert.equal(d.receiveResponse(response(486)), 'terminated');
  });
});
