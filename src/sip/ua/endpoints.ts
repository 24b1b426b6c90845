/**
 * Where to send a request addressed to a URI. Without DNS (RFC 3263 resolution arrives with trunks),
 * a URI whose host is an IP literal resolves to that address; the `transport` URI parameter picks the
 * transport (§18.1.1, §19.1.1), `sips` means TLS, and the default port is 5060 (5061 for TLS).
 */
import type { Endpoint, Uri } from '../message/index.ts';
import { ipFamily } from '../message/ip.ts';

/** Resolves an IP-literal URI to an endpoint, or `undefined` when the host is a name. */
export function uriToEndpoint(uri: Uri, defaultTransport = 'UDP'): Endpoint | undefined {
  const host = uri.host.startsWith('[') ? uri.host.slice(1, -1) : uri.host;
  const maddr = uri.params['maddr'];
  const address = typeof maddr === 'string' && ipFamily(maddr) !== 0 ? maddr : host;
  if (ipFamily(address) === 0) return undefined;
  const param = uri.params['transport'];
  const transport =
    uri.scheme === 'sips' ? 'TLS' : typeof param === 'string' ? param.toUpperCase() : defaultTransport;
  const port = uri.port ?? (transport === 'TLS' ? 5061 : 5060);
  return { transport, address, port };
}
