/**
 * The two-layer fixture of the TransactionLayer tests: alice and bob, each a TransactionLayer over one
 * FakeNetwork with a recording, scriptable transaction user; the wire as `A>INVITE` lines; `finish()`
 * asserts both layers left nothing behind.
 */
import assert from 'node:assert/strict';
import { sequentialIds } from '../../../../src/sip/ids.ts';
import { createResponse, SipRequest } from '../../../../src/sip/message/index.ts';
import type { Endpoint, SipResponse } from '../../../../src/sip/message/index.ts';
import { FakeClock, FakeNetwork } from '../../../../src/sip/testing/index.ts';
import type { WirePacket } from '../../../../src/sip/testing/index.ts';
import { TransactionLayer } from '../../../../src/sip/transaction/transaction-layer.ts';
import type { TransactionLayerStats } from '../../../../src/sip/transaction/transaction-layer.ts';
import type { ServerTransaction, TransactionUser } from '../../../../src/sip/transaction/transaction-user.ts';
import type { InviteServerTransaction } from '../../../../src/sip/transaction/invite-server-transaction.ts';
import type { NonInviteServerTransaction } from '../../../../src/sip/transaction/non-invite-server-transaction.ts';
import type { InboundMessage } from '../../../../src/sip/transport/types.ts';

export const EMPTY: TransactionLayerStats = {
  clientInvite: 0,
  clientNonInvite: 0,
  serverInvite: 0,
  serverNonInvite: 0,
  lingering: 0,
  timers: 0,
};

/** A TU that records everything and runs per-test behaviour. */
export class ScriptedUser implements TransactionUser {
  readonly log: string[] = [];
  readonly requests: Array<{ req: SipRequest; txn: ServerTransaction }> = [];
  readonly cancels: Array<{
    cancel: SipRequest;
    cancelTxn: NonInviteServerTransaction;
    inviteTxn?: InviteServerTransaction;
  }> = [];
  readonly acks: SipRequest[] = [];
  readonly strays: SipResponse[] = [];
  onRequestDo: (req: SipRequest, txn: ServerTransaction) => void = () => {};
  onCancelDo: (
    cancel: SipRequest,
    cancelTxn: NonInviteServerTransaction,
    inviteTxn?: InviteServerTransaction,
  ) => void = () => {};
  onRequest(req: SipRequest, txn: ServerTransaction): void {
    this.log.push(`request ${req.method}`);
    this.requests.push({ req, txn });
    this.onRequestDo(req, txn);
  }
  onCancel(
    cancel: SipRequest,
    cancelTxn: NonInviteServerTransaction,
    inviteTxn: InviteServerTransaction | undefined,
  ): void {
    this.log.push(`cancel ${inviteTxn ? 'matched' : 'unmatched'}`);
    this.cancels.push({ cancel, cancelTxn, inviteTxn });
    this.onCancelDo(cancel, cancelTxn, inviteTxn);
  }
  onAck(ack: SipRequest, _inbound: InboundMessage): void {
    this.log.push('ack');
    this.acks.push(ack);
  }
  onStrayResponse(res: SipResponse, _inbound: InboundMessage): void {
    this.log.push(`stray ${res.status}`);
    this.strays.push(res);
  }
}

export function setup(transport: 'UDP' | 'TCP' = 'UDP') {
  const clock = new FakeClock();
  const net = new FakeNetwork({ clock });
  const errors: string[] = [];
  const logger = (level: string, event: string) => {
    if (level === 'error') errors.push(event);
  };
  const alice = net.attach({ address: '10.0.0.1' });
  const bob = net.attach({ address: '10.0.0.2' });
  const aliceUser = new ScriptedUser();
  const bobUser = new ScriptedUser();
  const a = new TransactionLayer({
    transport: alice,
    clock,
    ids: sequentialIds('a-'),
    user: aliceUser,
    logger,
  });
  const b = new TransactionLayer({ transport: bob, clock, ids: sequentialIds('b-'), user: bobUser, logger });
  const bobEp: Endpoint = { transport, address: '10.0.0.2', port: 5060 };
  const aliceEp: Endpoint = { transport, address: '10.0.0.1', port: 5060 };
  /** Requests/responses on the wire, as `from→to METHOD|status`. */
  const wire = (filter?: (p: WirePacket) => boolean): string[] =>
    net.sent
      .filter((p) => !filter || filter(p))
      .map((p) => {
        const m = p.message;
        const what =
          m === undefined
            ? '?'
            : m.kind === 'request'
              ? (m as SipRequest).method
              : String((m as SipResponse).status);
        return `${p.from.address === '10.0.0.1' ? 'A' : 'B'}>${what}${p.dropped ? ' (dropped)' : ''}`;
      });
  const finish = () => {
    clock.runUntilIdle();
    assert.deepEqual(a.stats(), EMPTY, 'alice layer left nothing behind');
    assert.deepEqual(b.stats(), EMPTY, 'bob layer left nothing behind');
    assert.deepEqual(errors, []);
  };
  return { clock, net, alice, bob, a, b, aliceUser, bobUser, bobEp, aliceEp, wire, finish, errors };
}

let cseq = 1;
export function request(
  method: string,
  opts: { callId?: string; toTag?: string; via?: string } = {},
): SipRequest {
  const headers: Array<[string, string]> = [];
  if (opts.via) headers.push(['Via', opts.via]);
  headers.push(
    ['Max-Forwards', '70'],
    ['From', '<sip:alice@example.com>;tag=af1'],
    ['To', `<sip:bob@example.com>${opts.toTag ? ';tag=' + opts.toTag : ''}`],
    ['Call-ID', opts.callId ?? `call-${cseq}@10.0.0.1`],
    ['CSeq', `${cseq++} ${method}`],
    ['Contact', '<sip:alice@10.0.0.1>'],
  );
  return new SipRequest(method, 'sip:bob@10.0.0.2', headers);
}

export function answer(req: SipRequest, status: number): SipResponse {
  return createResponse(req, status, undefined, { toTag: 'bt1' });
}
