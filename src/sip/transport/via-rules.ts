/**
 * The Via rules of the transport layer (RFC 3261 §18.1.2, §18.2.1, §18.2.2; RFC 3581), shared by the real
 * `SipTransportLayer` and the in-memory `FakeTransportLayer` so both behave the same on the wire.
 */
import { formatVia } from '../message/index.ts';
import type { SipRequest } from '../message/index.ts';
import type { Endpoint, Via } from '../message/types.ts';

/** Transports on which a message is never retransmitted by the transaction layer (§17.1.1.2, §17.1.2.2). */
const RELIABLE = new Set(['TCP', 'TLS', 'SCTP', 'WS', 'WSS', 'TLS-SCTP']);

/** Whether a transport name (any case) denotes a reliable, stream or message-oriented, transport. */
export function isReliableTransport(transport: string): boolean {
  return RELIABLE.has(transport.toUpperCase());
}

/** Default port of a transport when a Via sent-by or URI has none (§19.1.2: 5060, 5061 for TLS). */
export function defaultPort(transport: string): number {
  const t = transport.toUpperCase();
  return t === 'TLS' || t === 'WSS' ? 5061 : 5060;
}

/** Removes the brackets of an IPv6 reference (`[::1]` → `::1`) and lower-cases the host. */
export function bareHost(host: string): string {
  const h = host.length > 1 && host.charCodeAt(0) === 0x5b && host.endsWith(']') ? host.slice(1, -1) : host;
  return h.toLowerCase();
}

/** Normalises a socket address: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes `1.2.3.4`. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.indexOf('.') > 0 ? address.slice(7) : address.toLowerCase();
}

/** Parses a port parameter value (`rport=5062`): a number in 1..65535, else `undefined`. */
function portParam(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value.length === 0 || value.length > 5) return undefined;
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return n >= 1 && n <= 65535 ? n : undefined;
}

/**
 * Stamps the top Via of an inbound request with where it really came from. Returns false when the request
 * has no (parseable) top Via. Throws `SipParseError` from the lazily parsed Via view.
 *
 * - RFC 3261 §18.2.1: when the sent-by host is a domain name or an address different from the packet source,
 *   the server MUST add `received=<source address>`.
 * - RFC 3581 §4: when `rport` is present without a value, the server MUST set it to the source port and MUST
 *   add `received` even if the address is the same as sent-by.
 */
export function stampReceived(req: SipRequest, source: Endpoint): boolean {
  const via = req.topVia;
  if (via === undefined) return false;
  const wantsRport = Object.prototype.hasOwnProperty.call(via.params, 'rport') && via.params.rport === null;
  const differs = bareHost(via.host) !== normalizeAddress(source.address);
  if (!differs && !wantsRport) return true;
  const params: Record<string, string | null> = { ...via.params };
  params.received = source.address;
  if (wantsRport) params.rport = String(source.port);
  req.replaceFirst('Via', formatVia({ ...via, params }));
  return true;
}

/**
 * Where to send a response when no connection of the request can be used (RFC 3261 §18.2.2, RFC 3581 §4).
 * The transport is the one of the top Via. Host names are returned as they are (resolution by the socket
 * layer's `dns.lookup`; deliberate deviation: no RFC 3263 §5 SRV procedure for responses yet).
 */
export function responseTarget(via: Via): Endpoint {
  const transport = via.transport.toUpperCase();
  const sentByPort = via.port ?? defaultPort(transport);
  const received = via.params.received;
  const hasReceived = typeof received === 'string' && received.length > 0;
  if (isReliableTransport(transport)) {
    // §18.2.2 ¶2: open a connection to `received` if present, using the sent-by port.
    return { transport, address: bareHost(hasReceived ? received : via.host), port: sentByPort };
  }
  const maddr = via.params.maddr;
  if (typeof maddr === 'string' && maddr.length > 0) {
    // §18.2.2 ¶3: maddr → that address, sent-by port (or 5060).
    return { transport, address: bareHost(maddr), port: sentByPort };
  }
  if (hasReceived) {
    // §18.2.2 ¶4 with RFC 3581 §4: the source port when rport carries one.
    return { transport, address: bareHost(received), port: portParam(via.params.rport) ?? sentByPort };
  }
  // §18.2.2 ¶5: the sent-by address and port.
  return { transport, address: bareHost(via.host), port: sentByPort };
}

/**
 * The sent-by values this element inserts in its requests, for the check of §18.1.2: a response whose top
 * Via names another sent-by MUST be silently discarded.
 */
export class SentBySet {
  private readonly hosts = new Set<string>();
  private readonly ports = new Set<number>();

  /** Adds a host (address or name) we advertise or listen on. */
  addHost(host: string): this {
    if (host.length > 0) this.hosts.add(bareHost(host));
    return this;
  }

  /** Adds a port we listen on. */
  addPort(port: number): this {
    if (port > 0) this.ports.add(port);
    return this;
  }

  /** Whether a Via's sent-by (host and port, 5060/5061 when absent) is one of ours. */
  matches(via: Via): boolean {
    const port = via.port ?? defaultPort(via.transport);
    return this.ports.has(port) && this.hosts.has(bareHost(via.host));
  }
}
