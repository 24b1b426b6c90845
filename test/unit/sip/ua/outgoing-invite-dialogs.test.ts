/**
 * The dialogs of an OutgoingInvite (RFC 3261 §12.1.2, §13.2.2.4, RFC 6026 §8.4). Early dialogs are built
 * only when asked for (`earlyDialog`): a provisional reaches `onProgress` without one, even when a header a
 * dialog would need is malformed. After the answer, the INVITE client transaction stays in `Accepted` for
 * 64·T1 and passes every further 2xx up: a retransmitted answer is ACKed again, another fork's answer is
 * ACKed and ended with BYE once. That is done by a small stand-in (late-answers.ts), so the OutgoingInvite —
 * its INVITE, dialogs and session — can be collected while the transaction lingers.
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, test } from 'node:test';
import { sequentialIds } from '../../../../src/sip/ids.ts';
import { createResponse, SipParseError } from '../../../../src/sip/message/index.ts';
import type { SipRequest, SipResponse } from '../../../../src/sip/message/index.ts';
import { FakeClock, FakeNetwork } from '../../../../src/sip/testing/index.ts';
import type { FakeTransportLayer } from '../../../../src/sip/testing/index.ts';
import { UserAgent, type OutgoingInvite } from '../../../../src/sip/ua/index.ts';

const SDP =
  'v=0\r\no=p 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';

/** A UA calling a forking "proxy" that answers only when told to, with the To tag it is given. */
function setup() {
  const clock = new FakeClock();
  const net = new FakeNetwork({ clock });
  const proxy: FakeTransportLayer = net.attach({ address: '10.0.0.9' });
  const ua = new UserAgent({
    transport: net.attach({ address: '10.0.0.1' }),
    clock,
    ids: sequentialIds('a'),
  });
  let invite: SipRequest | undefined;
  proxy.onMessage = (m) => {
    const req = m.message as SipRequest;
    if (req.kind !== 'request') return;
    if (req.method === 'INVITE') invite = req;
    if (req.method === 'BYE') proxy.sendResponse(createResponse(req, 200, 'OK'));
  };
  const answer = (tag: string) => {
    assert.ok(invite, 'the INVITE reached the proxy');
    const res = createResponse(invite, 200, 'OK', { toTag: tag, body: SDP });
    res.set('Contact', `<sip:${tag}@10.0.0.9>`);
    res.set('Content-Type', 'application/sdp');
    proxy.sendResponse(res);
    clock.advance(1);
  };
  const ring = (tag: string, contact = `<sip:${tag}@10.0.0.9>`) => {
    assert.ok(invite, 'the INVITE reached the proxy');
    const res = createResponse(invite, 180, 'Ringing', { toTag: tag });
    res.set('Contact', contact);
    proxy.sendResponse(res);
    clock.advance(1);
  };
  const sent = (method: string) =>
    net.sent
      .map((p) => p.message)
      .filter((m): m is SipRequest => m?.kind === 'request' && (m as SipRequest).method === method);
  const call = (): OutgoingInvite => {
    const out = ua.invite({ uri: 'sip:x@10.0.0.9', body: SDP });
    clock.advance(1);
    return out;
  };
  return { clock, ua, answer, ring, sent, call };
}

describe('early dialogs, on demand', () => {
  test('a 180 reaches onProgress; its early dialog is built when asked for, once per tag', () => {
    const s = setup();
    const out = s.call();
    const seen: SipResponse[] = [];
    out.onProgress = (res) => seen.push(res);
    s.ring('fork1');
    assert.deepEqual(
      seen.map((r) => r.status),
      [180],
    );
    assert.equal(out.state, 'early');
    const early = out.earlyDialog(seen[0]);
    assert.ok(early);
    assert.equal(early.state, 'early');
    assert.equal(early.id.remoteTag, 'fork1');
    assert.equal(out.earlyDialog(seen[0]), early, 'the same dialog again');
    s.answer('fork1');
    assert.equal(out.session?.dialog.state, 'confirmed');
    assert.equal(out.session?.dialog.id.remoteTag, 'fork1');
    assert.equal(out.earlyDialog(seen[0]), early, 'confirmed by the 2xx: the dialog of that tag');
    assert.equal(early.state, 'confirmed');
  });

  test('a 180 with a malformed Contact is still reported; only asking for its dialog fails', () => {
    const s = setup();
    const out = s.call();
    const seen: SipResponse[] = [];
    out.onProgress = (res) => seen.push(res);
    s.ring('fork1', '<sip:fork1@10.0.0.9');
    assert.deepEqual(
      seen.map((r) => r.status),
      [180],
    );
    assert.throws(() => out.earlyDialog(seen[0]), SipParseError);
    s.answer('fork1');
    assert.equal(out.state, 'answered', 'the 2xx (well-formed) still makes the session');
  });

  test('no early dialog for a 100, a final response, or once the INVITE failed', () => {
    const s = setup();
    const out = s.call();
    const seen: SipResponse[] = [];
    out.onProgress = (res) => seen.push(res);
    s.ring('fork1');
    const fake100 = createResponse(s.sent('INVITE')[0], 100, 'Trying');
    assert.equal(out.earlyDialog(fake100), undefined);
    const busy = createResponse(s.sent('INVITE')[0], 486, 'Busy Here', { toTag: 'fork1' });
    assert.equal(out.earlyDialog(busy), undefined);
    out.cancel();
    s.clock.advance(32_001);
    assert.equal(out.state, 'failed');
    assert.equal(out.earlyDialog(seen[0]), undefined);
  });
});

describe('an answered INVITE in Accepted (Timer M)', () => {
  test('a retransmitted answer is ACKed again, with no BYE; the session goes on', () => {
    const s = setup();
    const out = s.call();
    s.answer('fork1');
    assert.equal(out.state, 'answered');
    s.answer('fork1');
    s.answer('fork1');
    const acks = s.sent('ACK');
    assert.deepEqual(
      acks.map((a) => a.toTag),
      ['fork1', 'fork1', 'fork1'],
    );
    // the same dialog each time: Call-ID, CSeq of the INVITE, Request-URI from the answer's Contact
    for (const a of acks) {
      assert.equal(a.callId, acks[0].callId);
      assert.equal(a.cseq.seq, 1);
      assert.equal(a.cseq.method, 'ACK');
      assert.equal(a.uri.user, 'fork1');
    }
    assert.equal(s.sent('BYE').length, 0);
    assert.equal(out.session?.isEnded, false);
  });

  test("another fork's answer is ACKed each time it comes, and ended with one BYE", () => {
    const s = setup();
    const out = s.call();
    s.answer('fork1');
    s.answer('fork2');
    s.answer('fork2');
    s.clock.advance(10);
    assert.deepEqual(
      s.sent('ACK').map((a) => a.toTag),
      ['fork1', 'fork2', 'fork2'],
    );
    const byes = s.sent('BYE');
    assert.equal(byes.length, 1);
    assert.equal(byes[0].toTag, 'fork2');
    assert.equal(byes[0].uri.user, 'fork2');
    assert.equal(byes[0].cseq.seq, 2, 'the BYE follows the INVITE’s CSeq in the fork’s dialog');
    assert.equal(out.session?.isEnded, false);
    assert.equal(out.session?.dialog.id.remoteTag, 'fork1');
  });

  test('after Timer M a late 2xx is no longer passed up by the transaction', () => {
    const s = setup();
    s.call();
    s.answer('fork1');
    s.clock.advance(32_000);
    s.answer('fork3');
    assert.equal(
      s.sent('BYE').filter((b) => b.toTag === 'fork3').length,
      0,
      'a 2xx after 64·T1 matches no transaction',
    );
  });

  test('the answered OutgoingInvite is not kept alive by the lingering transaction', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const s = setup();
    let out: OutgoingInvite | undefined = s.call();
    s.answer('fork1');
    const session = out.session;
    assert.ok(session);
    const ref = new WeakRef(out);
    out = undefined;
    await new Promise((r) => setImmediate(r));
    gc();
    assert.ok(s.ua.stats().transactions >= 1, 'the INVITE transaction still lingers in Accepted');
    assert.equal(ref.deref(), undefined, 'the OutgoingInvite was collected');
    // …and the stand-in still does the work of Timer M.
    s.answer('fork1');
    s.answer('fork2');
    s.clock.advance(10);
    assert.deepEqual(
      s.sent('ACK').map((a) => a.toTag),
      ['fork1', 'fork1', 'fork2'],
    );
    assert.deepEqual(
      s.sent('BYE').map((b) => b.toTag),
      ['fork2'],
    );
    assert.equal(session.isEnded, false);
  });
});
