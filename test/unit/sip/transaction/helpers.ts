// Shared fixtures of the transaction tests: a recording sender, request builders, a driver for one FSM.
import { createResponse, SipRequest } from '../../../../src/sip/message/index.ts';
import type { Endpoint, SipResponse } from '../../../../src/sip/message/index.ts';
import { FakeClock } from '../../../../src/sip/testing/index.ts';
import { timerSet } from '../../../../src/sip/transaction/timers.ts';
import type { TimerSet } from '../../../../src/sip/transaction/timers.ts';
import { transactionEnvironment } from '../../../../src/sip/transaction/transaction.ts';
import type {
  TransactionEnvironment,
  TransactionSender,
} from '../../../../src/sip/transaction/transaction.ts';
import type { InboundMessage } from '../../../../src/sip/transport/types.ts';

export { FakeClock };

/** One message handed to the sender, with the virtual time it was sent at. */
export interface Sent {
  at: number;
  kind: 'request' | 'response';
  message: SipRequest | SipResponse;
  dest?: Endpoint;
  connectionId?: number;
  /** `INVITE`, `ACK`… for requests, the status code as text for responses. */
  what: string;
}

/** A sender that records what the state machine passes to the transport. */
export class RecordingSender implements TransactionSender {
  readonly sent: Sent[] = [];
  constructor(private readonly clock: FakeClock) {}
  sendRequest(req: SipRequest, dest: Endpoint): Buffer | undefined {
    this.sent.push({ at: this.clock.now(), kind: 'request', message: req, dest, what: req.method });
    return undefined; // objects only: nothing serialized
  }
  sendResponse(res: SipResponse, connectionId?: number): Buffer | undefined {
    this.sent.push({
      at: this.clock.now(),
      kind: 'response',
      message: res,
      connectionId,
      what: String(res.status),
    });
    return undefined;
  }
  /** `what@time` of every message sent since index `from`. */
  trace(from = 0): string[] {
    return this.sent.slice(from).map((s) => `${s.what}@${s.at}`);
  }
}

/** A clock, a recording sender, an environment and both timer sets. */
export interface Rig {
  clock: FakeClock;
  sender: RecordingSender;
  env: TransactionEnvironment;
  timers: TimerSet;
}

export function rig(reliable = false): Rig {
  const clock = new FakeClock();
  const sender = new RecordingSender(clock);
  const env = transactionEnvironment(clock, sender);
  return { clock, sender, env, timers: timerSet(reliable) };
}

export const BOB: Endpoint = { transport: 'UDP', address: '10.0.0.2', port: 5060 };
export const ALICE: Endpoint = { transport: 'UDP', address: '10.0.0.1', port: 5060 };

/** An INVITE as a UAC would hand it to its client transaction (Via already in place). */
export function invite(opts: { branch?: string; routes?: string[]; method?: string } = {}): SipRequest {
  const method = opts.method ?? 'INVITE';
  const headers: Array<[string, string]> = [
    ['Via', `SIP/2.0/UDP 10.0.0.1:5060;branch=${opts.branch ?? 'z9hG4bK-abc1'};rport`],
    ['Via', 'SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bK-below'],
    ['Max-Forwards', '70'],
  ];
  for (const r of opts.routes ?? []) headers.push(['Route', r]);
  headers.push(
    ['From', '"Alice" <sip:alice@example.com>;tag=from1'],
    ['To', '<sip:bob@example.com>'],
    ['Call-ID', 'call-1@10.0.0.1'],
    ['CSeq', `42 ${method}`],
    ['Contact', '<sip:alice@10.0.0.1:5060>'],
    ['Require', '100rel'],
  );
  return new SipRequest(method, 'sip:bob@example.com', headers, method === 'INVITE' ? 'v=0\r\n' : undefined);
}

/** A response to `req` (with a To tag unless 100). */
export function respond(req: SipRequest, status: number, toTag = 'to1'): SipResponse {
  return createResponse(req, status, undefined, status > 100 ? { toTag } : {});
}

/** Wraps a request as if it arrived from `source` (for server transactions). */
export function inbound(req: SipRequest, source: Endpoint = ALICE): InboundMessage & { message: SipRequest } {
  return { message: req, source, local: BOB };
}

/** Records the TU callbacks of a client transaction as strings. */
export function clientListener(log: string[]) {
  return {
    onProvisional: (r: SipResponse) => log.push(`provisional ${r.status}`),
    onFinal: (r: SipResponse) => log.push(`final ${r.status}${r.toTag ? ' ' + r.toTag : ''}`),
    onTimeout: () => log.push('timeout'),
    onTransportError: () => log.push('transport-error'),
    onTerminated: () => log.push('terminated'),
  };
}
