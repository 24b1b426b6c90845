/**
 * Component tests of the UA core over the fake network, in virtual time: the messages on the wire and
 * the callbacks an application sees, for calls answered, hung up from either side, cancelled, refused,
 * re-INVITEd, forked, and with lost ACKs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sequentialIds } from '../../src/sip/ids.ts';
import type { SipRequest, SipResponse } from '../../src/sip/message/index.ts';
import { createResponse, parseMessage } from '../../src/sip/message/index.ts';
import { FakeClock, FakeNetwork } from '../../src/sip/testing/index.ts';
import type { FakeTransportLayer, WirePacket } from '../../src/sip/testing/index.ts';
import { UserAgent, type IncomingInvite, type Session } from '../../src/sip/ua/index.ts';

const SDP_A =
  'v=0\r\no=a 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const SDP_B =
  'v=0\r\no=b 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';

type Answer = (inv: IncomingInvite) => void;

function setup(transport: 'UDP' | 'TCP' = 'UDP', answer?: Answer) {
  const clock = new FakeClock();
  const net = new FakeNetwork({ clock });
  const ta = net.attach({ address: '10.0.0.1' });
  const tb = net.attach({ address: '10.0.0.2' });
  const invites: IncomingInvite[] = [];
  const a = new UserAgent({ transport: ta, clock, ids: sequentialIds('a'), contactUser: 'alice' });
  const b = new UserAgent({
    transport: tb,
    clock,
    ids: sequentialIds('b'),
    contactUser: 'bob',
    delegate: {
      onInvite(inv) {
        invites.push(inv);
        (answer ?? ringThenAnswer)(inv);
      },
    },
  });
  const call = () =>
    a.invite({
      uri: 'sip:bob@10.0.0.2',
      destination: { transport, address: '10.0.0.2', port: 5060 },
      from: '<sip:alice@10.0.0.1>',
      body: SDP_A,
    });
  const wire = (f?: (p: WirePacket) => boolean) => net.sent.filter((p) => !f || f(p));
  const lines = () => net.sent.filter((p) => !p.dropped).map(firstLine);
  return { clock, net, a, b, invites, call, wire, lines };
}

function ringThenAnswer(inv: IncomingInvite): void {
  inv.progress(180);
  inv.accept({ body: SDP_B });
}

function firstLine(p: WirePacket): string {
  const m = p.message;
  if (m === undefined) return '?';
  return m.kind === 'request'
    ? `${(m as SipRequest).method}`
    : `${(m as SipResponse).status} ${m.cseq.method}`;
}

function settle(clock: FakeClock, ms = 0): void {
  clock.advance(ms);
  clock.advance(0);
}

for (const transport of ['UDP', 'TCP'] as const) {
  describe(`a call over ${transport}`, () => {
    test('ring, answer, ACK, caller hangs up; nothing left behind', async () => {
      const s = setup(transport);
      const out = s.call();
      let session: Session | undefined;
      const progress: number[] = [];
      out.onProgress = (res) => progress.push(res.status);
      out.onAnswer = (sess, res) => {
        session = sess;
        assert.equal(res.body.toString(), SDP_B);
      };
      settle(s.clock, 10);
      assert.deepEqual(progress, [180]);
      assert.ok(session, 'answered');
      assert.equal(s.invites[0].state, 'confirmed');
      const ends: string[] = [];
      s.invites[0].session!.onEnd = (c) => ends.push(c);
      const bye = session!.bye();
      settle(s.clock, 10);
      assert.equal((await bye)?.status, 200);
      assert.deepEqual(ends, ['remote-bye']);
      assert.deepEqual(s.lines(), ['INVITE', '180 INVITE', '200 INVITE', 'ACK', 'BYE', '200 BYE']);
      s.clock.runUntilIdle();
      assert.deepEqual(s.a.stats(), { sessions: 0, pendingInvites: 0, awaitingAck: 0, transactions: 0 });
      assert.deepEqual(s.b.stats(), { sessions: 0, pendingInvites: 0, awaitingAck: 0, transactions: 0 });
    });

    test('the callee hangs up', async () => {
      const s = setup(transport);
      const out = s.call();
      const ends: string[] = [];
      out.onAnswer = (sess) => (sess.onEnd = (c) => ends.push(c));
      settle(s.clock, 10);
      const res = s.invites[0].session!.bye();
      settle(s.clock, 10);
      assert.equal((await res)?.status, 200);
      assert.deepEqual(ends, ['remote-bye']);
      const bye = s.wire(
        (p) => p.message?.kind === 'request' && (p.message as SipRequest).method === 'BYE',
      )[0];
      const m = bye.message as SipRequest;
      assert.equal(m.uri.user, 'alice', 'BYE goes to the caller Contact');
      assert.equal(m.fromTag, s.invites[0].toTag);
    });
  });
}

describe('INVITE outcomes', () => {
  test('caller cancels while ringing: 200 to CANCEL, 487 to INVITE, ACK for the 487', () => {
    const s = setup('UDP', (inv) => inv.progress(180));
    const out = s.call();
    const failures: number[] = [];
    out.onFailure = (f) => failures.push(f.status);
    let cancelled = 0;
    settle(s.clock, 10);
    s.invites[0].onCancel = () => cancelled++;
    out.cancel();
    settle(s.clock, 10);
    assert.equal(cancelled, 1);
    assert.deepEqual(failures, [487]);
    assert.deepEqual(s.lines(), ['INVITE', '180 INVITE', 'CANCEL', '200 CANCEL', '487 INVITE', 'ACK']);
    const ack = s.wire((p) => firstLine(p) === 'ACK')[0].message as SipRequest;
    const invite = s.wire((p) => firstLine(p) === 'INVITE')[0].message as SipRequest;
    assert.equal(ack.branch, invite.branch, 'ACK for a non-2xx uses the INVITE branch (§17.1.1.3)');
    s.clock.runUntilIdle();
    assert.equal(s.b.stats().transactions, 0);
  });

  test('CANCEL before any provisional is held back until the 100/180 (§9.1)', () => {
    const s = setup('UDP', () => {});
    const out = s.call();
    out.cancel();
    settle(s.clock, 0);
    assert.deepEqual(s.lines(), ['INVITE']);
    settle(s.clock, 200); // the server transaction sends 100 Trying after 200 ms
    assert.deepEqual(s.lines(), ['INVITE', '100 INVITE', 'CANCEL', '200 CANCEL', '487 INVITE', 'ACK']);
  });

  test('busy callee: 486 reaches the caller, the ACK is sent', () => {
    const s = setup('UDP', (inv) => inv.reject(486));
    const out = s.call();
    const failures: Array<[number, string]> = [];
    out.onFailure = (f) => failures.push([f.status, f.cause]);
    settle(s.clock, 10);
    assert.deepEqual(failures, [[486, 'rejected']]);
    assert.deepEqual(s.lines(), ['INVITE', '486 INVITE', 'ACK']);
  });

  test('nobody answers: Timer B → 408 timeout to the caller', () => {
    const s = setup('UDP');
    s.net.partition('10.0.0.1', '10.0.0.2');
    const out = s.call();
    const failures: string[] = [];
    out.onFailure = (f) => failures.push(`${f.status} ${f.cause}`);
    settle(s.clock, 31_999);
    assert.deepEqual(failures, []);
    settle(s.clock, 1);
    assert.deepEqual(failures, ['408 timeout']);
    assert.equal(
      s.wire((p) => firstLine(p) === 'INVITE').length,
      7,
      'INVITE sent at 0, .5, 1.5, 3.5, 7.5, 15.5, 31.5 s',
    );
  });

  test('lost ACK: the UAS core retransmits the 2xx and the UAC ACKs it again', () => {
    const s = setup('UDP');
    s.net.dropNext((p) => firstLine(p) === 'ACK', 1);
    s.call();
    settle(s.clock, 10);
    assert.equal(s.invites[0].state, 'accepted');
    settle(s.clock, 500);
    assert.equal(s.invites[0].state, 'confirmed');
    assert.equal(s.wire((p) => firstLine(p) === '200 INVITE').length, 2);
    assert.equal(s.wire((p) => firstLine(p) === 'ACK').length, 2);
  });

  test('no ACK at all: the UAS gives up after 64·T1 and sends BYE (§13.3.1.4)', () => {
    const s = setup('UDP');
    s.net.setLoss((p) => firstLine(p) === 'ACK');
    s.call();
    let noAck = 0;
    settle(s.clock, 10);
    s.invites[0].onNoAck = () => noAck++;
    settle(s.clock, 31_000);
    assert.equal(noAck, 0);
    settle(s.clock, 1_000);
    assert.equal(noAck, 1);
    assert.ok(s.wire((p) => firstLine(p) === 'BYE').length >= 1);
  });

  test('re-INVITE (hold) is answered with the last SDP and ACKed', async () => {
    const s = setup('UDP');
    const out = s.call();
    settle(s.clock, 10);
    const hold = out.session!.request('INVITE', { body: SDP_A.replace('t=0 0', 't=0 0\r\na=sendonly') });
    settle(s.clock, 10);
    const res = await hold;
    assert.equal(res?.status, 200);
    assert.equal(res?.body.toString(), SDP_B);
    assert.deepEqual(s.lines().slice(-3), ['INVITE', '200 INVITE', 'ACK']);
    const reinvite = s.wire((p) => firstLine(p) === 'INVITE')[1].message as SipRequest;
    assert.equal(reinvite.cseq.seq, 2);
    assert.equal(reinvite.toTag, s.invites[0].toTag);
  });
});

describe('forked INVITE: two 2xx from different branches', () => {
  test('both are ACKed, the first becomes the session, the second gets BYE', () => {
    const clock = new FakeClock();
    const net = new FakeNetwork({ clock });
    const ta = net.attach({ address: '10.0.0.1' });
    const proxy: FakeTransportLayer = net.attach({ address: '10.0.0.9' });
    const a = new UserAgent({ transport: ta, clock, ids: sequentialIds('a') });
    proxy.onMessage = (m) => {
      const req = m.message as SipRequest;
      if (req.kind !== 'request' || req.method !== 'INVITE') {
        if (req.kind === 'request' && req.method === 'BYE')
          proxy.sendResponse(createResponse(req, 200, 'OK'));
        return;
      }
      for (const tag of ['fork1', 'fork2']) {
        const res = createResponse(req, 200, 'OK', { toTag: tag, body: SDP_B });
        res.set('Contact', `<sip:${tag}@10.0.0.9>`);
        res.set('Content-Type', 'application/sdp');
        proxy.sendResponse(res);
      }
    };
    const out = a.invite({ uri: 'sip:x@10.0.0.9', body: SDP_A });
    const answered: string[] = [];
    out.onAnswer = (sess) => answered.push(sess.dialog.id.remoteTag);
    settle(clock, 10);
    assert.deepEqual(answered, ['fork1']);
    const acks = net.sent.filter((p) => firstLine(p) === 'ACK').map((p) => p.message!.toTag);
    assert.deepEqual(acks, ['fork1', 'fork2']);
    const byes = net.sent
      .filter((p) => firstLine(p) === 'BYE')
      .map((p) => (p.message as SipRequest).uri.user);
    assert.deepEqual(byes, ['fork2']);
    assert.equal(out.session?.isEnded, false);
  });
});

describe('UAS checks (RFC 3261 §8.2)', () => {
  const cases: Array<[string, string, number, [string, string]?]> = [
    [
      'unknown method → 501 with Allow',
      'FOO sip:bob@10.0.0.2 SIP/2.0\r\nCSeq: 1 FOO',
      501,
      ['allow', 'INVITE'],
    ],
    [
      'known method not handled → 405 with Allow',
      'SUBSCRIBE sip:bob@10.0.0.2 SIP/2.0\r\nCSeq: 1 SUBSCRIBE',
      405,
      ['allow', 'OPTIONS'],
    ],
    ['tel: Request-URI → 416', 'OPTIONS tel:+15551234 SIP/2.0\r\nCSeq: 1 OPTIONS', 416],
    [
      'Require: foo → 420 Unsupported: foo',
      'OPTIONS sip:bob@10.0.0.2 SIP/2.0\r\nCSeq: 1 OPTIONS\r\nRequire: foo',
      420,
      ['unsupported', 'foo'],
    ],
    [
      'OPTIONS → 200 with Allow and Accept',
      'OPTIONS sip:bob@10.0.0.2 SIP/2.0\r\nCSeq: 1 OPTIONS',
      200,
      ['accept', 'application/sdp'],
    ],
    [
      'in-dialog request of an unknown dialog → 481',
      'BYE sip:bob@10.0.0.2 SIP/2.0\r\nCSeq: 5 BYE\r\nTo: <sip:bob@10.0.0.2>;tag=nope',
      481,
    ],
  ];
  for (const [name, head, status, header] of cases) {
    test(name, () => {
      const s = setup();
      const raw = head.includes('\r\nTo:') ? head : `${head}\r\nTo: <sip:bob@10.0.0.2>`;
      const text =
        `${raw}\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-x1\r\nFrom: <sip:a@10.0.0.1>;tag=1\r\n` +
        'Call-ID: chk@test\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n';
      const req = parseMessage(Buffer.from(text)) as SipRequest;
      const ta = s.net.attach({ address: '10.0.0.3' });
      ta.sendRequest(req, { transport: 'UDP', address: '10.0.0.2', port: 5060 });
      settle(s.clock, 10);
      const res = s.net.sent.map((p) => p.message).find((m) => m?.kind === 'response') as SipResponse;
      assert.equal(res.status, status);
      if (header) assert.match(res.getAll(header[0]).join(', '), new RegExp(header[1]));
    });
  }

  test('INVITE with a body of an unknown type → 415; Accept without SDP → 406', () => {
    for (const [extra, status] of [
      ['Content-Type: text/plain', 415],
      ['Content-Type: application/sdp\r\nAccept: text/nobodyKnowsThis', 406],
    ] as const) {
      const s = setup();
      const text =
        `INVITE sip:bob@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bK-y1\r\n` +
        'From: <sip:a@10.0.0.3>;tag=1\r\nTo: <sip:bob@10.0.0.2>\r\nCall-ID: c@t\r\nCSeq: 1 INVITE\r\n' +
        `Contact: <sip:a@10.0.0.3>\r\nMax-Forwards: 70\r\n${extra}\r\nContent-Length: 3\r\n\r\nabc`;
      const ta = s.net.attach({ address: '10.0.0.3' });
      ta.sendRequest(parseMessage(Buffer.from(text)) as SipRequest, {
        transport: 'UDP',
        address: '10.0.0.2',
        port: 5060,
      });
      settle(s.clock, 10);
      const res = s.net.sent
        .map((p) => p.message)
        .find((m) => m?.kind === 'response' && m.status >= 200) as SipResponse;
      assert.equal(res.status, status);
      assert.equal(s.invites.length, 0, 'the application never saw it');
    }
  });
});
