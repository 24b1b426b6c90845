/**
 * The TransactionLayer's edges: RFC 2543 matching (no magic cookie, RFC 4475's badbranch and inv2543),
 * TCP (connection refused, zero-length timers), a throwing TU, close(), server-side transport errors, the
 * metrics hook and what sendRequest refuses.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { sequentialIds } from '../../../../src/sip/ids.ts';
import { parseMessage, SipRequest } from '../../../../src/sip/message/index.ts';
import { FakeClock, FakeNetwork } from '../../../../src/sip/testing/index.ts';
import { TransactionLayer } from '../../../../src/sip/transaction/transaction-layer.ts';
import type { ServerTransaction } from '../../../../src/sip/transaction/transaction-user.ts';
import { clientListener } from './helpers.ts';
import { RFC4475_DIR } from '../../../support/rfc4475.ts';
import { EMPTY, ScriptedUser, answer, request, setup } from './layer-harness.ts';

describe('TransactionLayer edges', () => {
  test('RFC 2543 matching (no magic cookie): Request-URI, tags, Call-ID, CSeq, top Via', () => {
    const f = setup();
    f.bobUser.onRequestDo = (req, txn) => txn.respond(answer(req, 486));
    const inv = request('INVITE', { via: 'SIP/2.0/UDP 10.0.0.1:5060' });
    f.alice.sendRequest(inv, f.bobEp);
    f.alice.sendRequest(inv, f.bobEp); // retransmission → 486 again
    f.clock.advance(0);
    assert.deepEqual(f.bobUser.log, ['request INVITE']);
    const server = f.bobUser.requests[0].txn;
    assert.equal(server.state, 'Completed');
    // ACK: same R-URI, From tag, Call-ID, CSeq number, top Via; To tag of the response
    const ack = new SipRequest('ACK', inv.uriText, [
      ['Via', 'SIP/2.0/UDP 10.0.0.1:5060'],
      ['From', inv.get('from')!],
      ['To', '<sip:bob@example.com>;tag=bt1'],
      ['Call-ID', inv.callId],
      ['CSeq', `${inv.cseq.seq} ACK`],
    ]);
    f.alice.sendRequest(ack, f.bobEp);
    f.clock.advance(0);
    assert.equal(server.state, 'Terminated', 'Confirmed: handed to a lingering record');
    assert.equal(f.b.stats().lingering, 1);
    f.alice.sendRequest(ack, f.bobEp); // a retransmitted ACK matches the lingering record (RFC 2543 keys)
    f.alice.sendRequest(inv, f.bobEp); // so does a retransmitted INVITE: absorbed
    f.clock.advance(0);
    assert.deepEqual(f.bobUser.log, ['request INVITE'], 'ACKs and the retransmission absorbed');
    // a different CSeq is a different transaction
    const inv2 = inv.clone().set('cseq', `${inv.cseq.seq + 1} INVITE`);
    f.alice.sendRequest(inv2, f.bobEp);
    f.clock.advance(0);
    assert.deepEqual(f.bobUser.log, ['request INVITE', 'request INVITE']);
    assert.deepEqual(
      f.wire().filter((w) => w.startsWith('B')),
      ['B>486', 'B>486', 'B>486'],
    );
    f.finish();
  });

  test('RFC 4475 badbranch: branch=z9hG4bK alone falls back to RFC 2543 matching', () => {
    const f = setup();
    f.bobUser.onRequestDo = (req, txn) => txn.respond(answer(req, 200));
    const opt = request('OPTIONS', { via: 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK' });
    f.alice.sendRequest(opt, f.bobEp);
    f.alice.sendRequest(opt, f.bobEp);
    // same bare cookie but another Call-ID: must NOT be taken for a retransmission
    f.alice.sendRequest(request('OPTIONS', { via: 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK' }), f.bobEp);
    f.clock.advance(0);
    assert.deepEqual(f.bobUser.log, ['request OPTIONS', 'request OPTIONS']);
    f.finish();
  });

  test('RFC 4475 inv2543.dat: accepted once, its retransmission absorbed', (t) => {
    const file = resolve(RFC4475_DIR, 'inv2543.dat');
    if (!existsSync(file)) {
      t.diagnostic(`missing ${file}`);
      assert.fail(`RFC 4475 corpus missing at ${file}`);
    }
    const f = setup();
    f.bobUser.onRequestDo = (req, txn) => txn.respond(answer(req, 486));
    const msg = parseMessage(readFileSync(file)) as SipRequest;
    f.alice.sendRequest(msg, f.bobEp);
    f.alice.sendRequest(msg, f.bobEp);
    f.clock.advance(0);
    assert.deepEqual(f.bobUser.log, ['request INVITE']);
    assert.equal(f.bobUser.requests[0].req.branch, undefined);
    f.finish();
  });

  test('TCP: connection refused → transport error to the listener, transaction removed (§17.1.4)', () => {
    const f = setup('TCP');
    const log: string[] = [];
    f.a.sendRequest(
      request('OPTIONS'),
      { transport: 'TCP', address: '10.0.0.99', port: 5060 },
      clientListener(log),
    );
    f.a.sendRequest(
      request('INVITE'),
      { transport: 'TCP', address: '10.0.0.99', port: 5060 },
      clientListener(log),
    );
    f.clock.advance(0);
    assert.deepEqual(log, ['transport-error', 'terminated', 'transport-error', 'terminated']);
    f.finish();
  });

  test('TCP: INVITE/486/ACK with zero-length D, I; no retransmissions', () => {
    const f = setup('TCP');
    f.bobUser.onRequestDo = (req, txn) => txn.respond(answer(req, 486));
    const log: string[] = [];
    const txn = f.a.sendRequest(request('INVITE'), f.bobEp, clientListener(log));
    f.clock.advance(0);
    assert.equal(txn.state, 'Terminated');
    assert.equal(f.bobUser.requests[0].txn.state, 'Terminated');
    assert.deepEqual(f.wire(), ['A>INVITE', 'B>486', 'A>ACK']);
    assert.match(txn.request.get('via')!, /^SIP\/2\.0\/TCP 10\.0\.0\.1:5060;branch=z9hG4bK-a-b\d+;rport$/);
    f.finish();
  });

  test('a TU that throws does not escape the layer', () => {
    const f = setup();
    f.bobUser.onRequestDo = () => {
      throw new Error('TU bug');
    };
    f.a.sendRequest(request('MESSAGE'), f.bobEp, { onFinal() {} });
    f.clock.advance(0);
    assert.deepEqual(f.errors, ['transaction-user-threw']);
    f.errors.length = 0;
    f.a.close();
    f.b.close();
    assert.deepEqual(f.a.stats(), EMPTY);
    assert.deepEqual(f.b.stats(), EMPTY);
  });

  test('close() stops every transaction and timer; sendRequest after close throws', () => {
    const f = setup();
    const log: string[] = [];
    f.a.sendRequest(request('INVITE'), f.bobEp, clientListener(log));
    f.a.sendRequest(request('OPTIONS'), f.bobEp, clientListener(log));
    f.clock.advance(0);
    assert.equal(f.b.stats().serverInvite, 1);
    f.a.close();
    f.b.close();
    assert.deepEqual(f.a.stats(), EMPTY);
    assert.deepEqual(f.b.stats(), EMPTY);
    assert.throws(() => f.a.sendRequest(request('OPTIONS'), f.bobEp, clientListener(log)), /closed/);
    f.clock.runUntilIdle();
    assert.deepEqual(log, []);
  });

  test('server side transport error reaches the transaction hook; the INVITE transaction keeps its state (RFC 6026)', () => {
    const f = setup('TCP');
    let held: { req: SipRequest; txn: ServerTransaction } | undefined;
    f.bobUser.onRequestDo = (req, txn) => (held = { req, txn });
    f.a.sendRequest(request('INVITE'), f.bobEp, { onFinal() {} });
    f.clock.advance(0);
    const errors: string[] = [];
    held!.txn.onTransportError = (err) => errors.push(err.cause.message);
    f.a.close();
    void f.alice.close(); // alice disappears: bob's response cannot be delivered
    held!.txn.respond(answer(held!.req, 486));
    f.clock.advance(0);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /ECONNREFUSED/);
    assert.equal(held!.txn.state, 'Completed');
    f.clock.runUntilIdle(); // Timer H ends it
    assert.deepEqual(f.b.stats(), EMPTY);
  });

  test('metrics hook counts events with string literals', () => {
    const clock = new FakeClock();
    const net = new FakeNetwork({ clock });
    const counts = new Map<string, number>();
    const metrics = (m: string) => counts.set(m, (counts.get(m) ?? 0) + 1);
    const alice = net.attach({ address: '10.0.0.1' });
    const bob = net.attach({ address: '10.0.0.2' });
    const bobUser = new ScriptedUser();
    bobUser.onRequestDo = (req, txn) => txn.respond(answer(req, 200));
    const a = new TransactionLayer({
      transport: alice,
      clock,
      ids: sequentialIds('a-'),
      user: new ScriptedUser(),
      metrics,
    });
    new TransactionLayer({ transport: bob, clock, ids: sequentialIds('b-'), user: bobUser, metrics });
    net.dropNext((p) => p.message?.kind === 'response');
    a.sendRequest(
      request('OPTIONS'),
      { transport: 'UDP', address: '10.0.0.2', port: 5060 },
      { onFinal() {} },
    );
    clock.runUntilIdle();
    assert.deepEqual(Object.fromEntries(counts), {
      'client-created': 1,
      'server-created': 1,
      'request-retransmitted': 1,
      'response-retransmitted': 1,
      terminated: 2,
    });
  });

  test('ACK is refused by sendRequest', () => {
    const f = setup();
    assert.throws(() => f.a.sendRequest(request('ACK'), f.bobEp, { onFinal() {} }), TypeError);
    f.finish();
  });
});
