import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Dialog, DialogStore, dialogKey } from '../../../../src/sip/dialog/index.ts';
import { CALL_ID, invite, response } from './helpers.ts';

describe('DialogStore', () => {
  test('matches incoming requests (To tag = local, From tag = remote) and responses', () => {
    const store = new DialogStore();
    const uas = Dialog.fromUas(invite(), response(200, { toTag: 'bobtag' }));
    const uac = Dialog.fromUac(invite({ fromTag: 'mine' }), response(200, { toTag: 'theirs' }));
    store.add(uas);
    store.add(uac);
    store.add(uas);
    assert.equal(store.size, 2);
    assert.equal(store.get(dialogKey(CALL_ID, 'bobtag', '9fxced76sl')), uas);
    assert.equal(store.has(uac.key), true);
    assert.equal(store.matchRequest(invite({ method: 'BYE', cseq: 2, toTag: 'bobtag' })), uas);
    assert.equal(store.matchRequest(invite({ method: 'BYE', cseq: 2, toTag: 'nope' })), undefined);
    assert.equal(store.matchRequest(invite()), undefined, 'no To tag: outside any dialog');
    // A response to Alice's in-dialog request: From tag 9fxced76sl is hers, To tag is Bob's.
    assert.equal(store.matchResponse(response(200, { toTag: 'bobtag', cseq: 2, method: 'INFO' })), undefined);
    const aliceDialog = Dialog.fromUac(invite(), response(200, { toTag: 'bobtag' }));
    store.add(aliceDialog);
    assert.equal(
      store.matchResponse(response(200, { toTag: 'bobtag', cseq: 2, method: 'INFO' })),
      aliceDialog,
    );
  });

  test('terminated dialogs are deleted; conflicts refused; delete and clear', () => {
    const store = new DialogStore();
    const d = Dialog.fromUas(invite(), response(200, { toTag: 'bobtag' }));
    store.add(d);
    d.terminate();
    assert.equal(store.size, 0);
    assert.throws(() => store.add(d), { code: 'store-conflict' });
    const d1 = Dialog.fromUas(invite(), response(200, { toTag: 'x' }));
    const d2 = Dialog.fromUas(invite(), response(200, { toTag: 'x' }));
    store.add(d1);
    assert.throws(() => store.add(d2), { code: 'store-conflict' });
    assert.equal(store.delete(d2), false, 'not the held dialog');
    assert.equal(store.delete(d1.key), true);
    assert.equal(store.delete(d1.key), false);
    d1.terminate(); // no longer held: nothing happens
    const d3 = Dialog.fromUas(invite(), response(200, { toTag: 'y' }));
    store.add(d3);
    store.clear();
    assert.equal(store.size, 0);
    d3.terminate();
    assert.deepEqual(store.values(), []);
  });
});
