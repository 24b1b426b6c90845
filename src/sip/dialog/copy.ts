import type { NameAddr, Uri } from '../message/index.ts';

/**
 * Deep copies of URIs and name-addrs. A dialog keeps its own copies so that a message's cached typed
 * views (which the message layer may share or invalidate) never alias dialog state.
 */

/** Deep copy of a {@link Uri}. */
export function copyUri(u: Uri): Uri {
  const out: Uri = { scheme: u.scheme, host: u.host, params: { ...u.params }, headers: { ...u.headers } };
  if (u.user !== undefined) out.user = u.user;
  if (u.password !== undefined) out.password = u.password;
  if (u.port !== undefined) out.port = u.port;
  if (u.opaque !== undefined) out.opaque = u.opaque;
  return out;
}

/** Deep copy of a {@link NameAddr}; `tag`, when given, replaces (or with `null`, removes) the tag parameter. */
export function copyNameAddr(n: NameAddr, tag?: string | null): NameAddr {
  const params = { ...n.params };
  if (tag === null || tag === '') delete params.tag;
  else if (tag !== undefined) params.tag = tag;
  const out: NameAddr = { uri: copyUri(n.uri), params };
  if (n.displayName !== undefined) out.displayName = n.displayName;
  return out;
}
