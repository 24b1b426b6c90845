/**
 * Transaction matching keys (RFC 3261 §17.1.3, §17.2.3, §9.2). Each key is one string so that matching is
 * a single `Map` lookup; building it costs one concatenation per message.
 */
import type { SipRequest, Via } from '../message/index.ts';

/** The RFC 3261 branch magic cookie (§8.1.1.7). */
export const MAGIC_COOKIE = 'z9hG4bK';

/**
 * Whether a branch identifies an RFC 3261 transaction: it starts with the magic cookie AND has something
 * after it. Deliberate choice for RFC 4475 §3.2.1 (`badbranch`): a branch equal to exactly `z9hG4bK`
 * carries no transaction identifier, so the request is matched with the RFC 2543 rules instead of being
 * rejected (the README allows either; falling back keeps such peers working).
 */
export function hasMagicCookie(branch: string | undefined): boolean {
  return branch !== undefined && branch.length > MAGIC_COOKIE.length && branch.startsWith(MAGIC_COOKIE);
}

/** Port of a sent-by without an explicit port (§18.1.1 / §19.1.2): 5061 for TLS, else 5060. */
function defaultPort(transport: string): number {
  return transport === 'TLS' || transport === 'WSS' ? 5061 : 5060;
}

/** `host:port` of a Via sent-by, host lower-cased and the default port filled in. */
export function sentBy(via: Via): string {
  return `${via.host.toLowerCase()}:${via.port ?? defaultPort(via.transport)}`;
}

/**
 * §17.2.3 (RFC 3261 branch): branch + sent-by + method, where `method` is the method of the transaction
 * to find (pass INVITE for an ACK, and for the INVITE a CANCEL refers to, §9.2).
 */
export function serverKey(branch: string, via: Via, method: string): string {
  return `${branch}\n${sentBy(via)}\n${method}`;
}

/**
 * §17.2.3 (RFC 2543 compatibility, no magic cookie): Request-URI, From tag, Call-ID, CSeq number, the
 * method of the transaction to find, and the top Via (transport, sent-by and branch if any). The To tag
 * is compared separately by the layer, because an ACK carries the tag of the response rather than the
 * INVITE's.
 */
export function rfc2543Key(req: SipRequest, via: Via, method: string): string {
  const branch = via.params.branch ?? '';
  return `${req.uriText}\n${req.fromTag ?? ''}\n${req.callId}\n${req.cseq.seq}\n${method}\n${via.transport} ${sentBy(via)};${branch}`;
}

/** §17.1.3: a response matches a client transaction by top-Via branch and CSeq method. */
export function clientKey(branch: string, cseqMethod: string): string {
  return `${branch}\n${cseqMethod}`;
}
