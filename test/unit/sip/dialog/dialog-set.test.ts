import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DialogStore, UacDialogSet } from '../../../../src/sip/dialog/index.ts';
import type { Dialog } from '../../../../src/sip/dialog/index.ts';
import { invite, response } from './helpers.ts';

describe('UacDialogSet: forking (§12.1.2, §13.2.2.4)', () => {
  test('two 180s with different tags → two early dialogs; a repeated tag reuses its dialog', () => {
    const created: Dialog[] = [];
    const set = new UacDialogSet(invite(), { onDialog: (d) => created.push(d) });
    assert.equal(set.onResponse(response(100, { toTag: null })), undefined);
    assert.equal(set.onResponse(response(180, { toTag: null })), undefined);
    const a = set.onResponse(response(180, { toTag: 'a', contact: '<sip:bob@192.0.2.1>' }));
    const b = set.onResponse(response(180, { toTag: 'b', contact: '<sip:bob@192.0.2.2>' }));
    assert.ok(a && b && a !== b);
    assert.equal(a.state, 'early');
    assert.equal(b.state, 'early');
    assert.equal(a.remoteTarget.host, '192.0.2.1');
    assert.equal(b.remoteTarget.host, '192.0.2.2');
    assert.equal(set.onResponse(response(183, { toTag: 'a' })), a);
    assert.deepEqual(created, [a, b]);
    assert.deepEqual(set.early, [a, b]);
  });

  test('two 2xx with different tags → two confirmed dialogs, each ACKed and one BYEd', () => {
    const set = new UacDialogSet(invite());
    const early = set.onResponse(response(180, { toTag: 'a' }));
    const a = set.onResponse(response(200, { toTag: 'a', contact: '<sip:bob@192.0.2.1>' }));
    const b = set.onResponse(response(200, { toTag: 'b', contact: '<sip:carol@192.0.2.2>' }));
    assert.equal(a, early);
    assert.ok(a && b && a !== b);
    assert.equal(a.state, 'confirmed');
    assert.equal(b.state, 'confirmed');
    assert.deepEqual(set.confirmed, [a, b]);
    const ackA = a.createAck(1);
    const ackB = b.createAck(1);
    assert.equal(ackA.toTag, 'a');
    assert.equal(ackB.toTag, 'b');
    assert.equal(ackB.uriText, 'sip:carol@192.0.2.2');
    const bye = b.createRequest('BYE');
    assert.equal(bye.toTag, 'b');
    assert.equal(bye.cseq.seq, 2);
    // A retransmitted 2xx returns the same dialog.
    assert.equal(set.onResponse(response(200, { toTag: 'b' })), b);
  });

  test('a non-2xx final terminates every early dialog; later 1xx are ignored', () => {
    const store = new DialogStore();
    const set = new UacDialogSet(invite(), { onDialog: (d) => store.add(d) });
    const a = set.onResponse(response(180, { toTag: 'a' }));
    const b = set.onResponse(response(180, { toTag: 'b' }));
    assert.equal(store.size, 2);
    assert.equal(set.onResponse(response(486, { toTag: 'b' })), undefined);
    assert.equal(a?.state, 'terminated');
    assert.equal(b?.state, 'terminated');
    assert.equal(set.failed, true);
    assert.equal(store.size, 0, 'terminated dialogs leave the store');
    assert.equal(set.onResponse(response(180, { toTag: 'c' })), undefined);
  });

  test('2xx for a dialog the UA ended while early (CANCEL race) → a fresh confirmed dialog to ACK and BYE', () => {
    const set = new UacDialogSet(invite());
    const early = set.onResponse(response(180, { toTag: 'a' }));
    early?.terminate();
    assert.equal(set.onResponse(response(183, { toTag: 'a' })), undefined);
    const ok = set.onResponse(response(200, { toTag: 'a' }));
    assert.ok(ok && ok !== early);
    assert.equal(ok.state, 'confirmed');
    assert.equal(ok.createRequest('BYE').method, 'BYE');
    ok.terminate();
    assert.equal(
      set.onResponse(response(200, { toTag: 'a' })),
      ok,
      '2xx retransmission after BYE: same dialog',
    );
  });

  test('terminateAll ends every dialog', () => {
    const set = new UacDialogSet(invite());
    set.onResponse(response(180, { toTag: 'a' }));
    set.onResponse(response(200, { toTag: 'b' }));
    set.terminateAll();
    assert.deepEqual(
      set.dialogs.map((d) => d.state),
      ['terminated', 'terminated'],
    );
  });
});
