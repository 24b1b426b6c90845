/**
 * Requests the transaction layer builds itself: the ACK for a non-2xx final response (§17.1.1.3) and
 * CANCEL (§9.1). Header values are copied as text, byte for byte.
 */
import { SipRequest } from '../message/index.ts';
import type { SipResponse } from '../message/index.ts';

/** Max-Forwards of requests we originate (§8.1.1.6: SHOULD be 70). */
const MAX_FORWARDS = '70';

/**
 * RFC 3261 §17.1.1.3: the ACK for a 300-699 response to `invite`. Request-URI, Call-ID and From equal the
 * INVITE's; To equals the response's To (with its tag); a single Via equal to the INVITE's top Via (same
 * branch); CSeq with the INVITE's number and method ACK; the INVITE's Route header fields (MUST).
 */
export function buildNon2xxAck(invite: SipRequest, res: SipResponse): SipRequest {
  const headers: Array<[string, string]> = [
    ['Via', firstValue(invite, 'via')],
    ['Max-Forwards', MAX_FORWARDS],
  ];
  for (const r of invite.getAll('route')) headers.push(['Route', r]);
  headers.push(
    ['From', firstValue(invite, 'from')],
    ['To', firstValue(res, 'to')],
    ['Call-ID', firstValue(invite, 'call-id')],
    ['CSeq', `${invite.cseq.seq} ACK`],
  );
  return new SipRequest('ACK', invite.uriText, headers);
}

/**
 * RFC 3261 §9.1: CANCEL for `invite`. Request-URI, Call-ID, To, From and CSeq number equal the INVITE's;
 * CSeq method CANCEL; a single Via equal to the INVITE's top Via; the INVITE's Route header fields (MUST).
 * No Require/Proxy-Require (§9.1: MUST NOT).
 */
export function buildCancel(invite: SipRequest): SipRequest {
  const headers: Array<[string, string]> = [
    ['Via', firstValue(invite, 'via')],
    ['Max-Forwards', MAX_FORWARDS],
  ];
  for (const r of invite.getAll('route')) headers.push(['Route', r]);
  headers.push(
    ['From', firstValue(invite, 'from')],
    ['To', firstValue(invite, 'to')],
    ['Call-ID', firstValue(invite, 'call-id')],
    ['CSeq', `${invite.cseq.seq} CANCEL`],
  );
  return new SipRequest('CANCEL', invite.uriText, headers);
}

function firstValue(msg: SipRequest | SipResponse, name: string): string {
  const v = msg.get(name);
  if (v === undefined) throw new Error(`cannot build request: ${name} missing`);
  return v;
}
