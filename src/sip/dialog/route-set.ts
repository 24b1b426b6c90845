import { formatNameAddr, formatUri } from '../message/index.ts';
import type { NameAddr, Uri } from '../message/index.ts';
import { copyUri } from './copy.ts';

/**
 * Where an in-dialog request goes, computed once per (route set, remote target) pair and cached by
 * the dialog: its Request-URI, its Route values and the next hop (RFC 3261 §12.2.1.1).
 */
export interface RequestTarget {
  /** Request-URI of the request. */
  readonly requestUri: Uri;
  /** The same, formatted. */
  readonly requestUriText: string;
  /** Route header values, in order (empty when the route set is empty). */
  readonly routeValues: readonly string[];
  /** Where the request is sent: the first Route when loose routing, else the Request-URI (§8.1.2). */
  readonly nextHop: Uri;
  /** `false` when the first route lacks `lr` and the §12.2.1.1 strict-routing fallback is in use. */
  readonly looseRouting: boolean;
}

/** True when a route URI carries the `lr` parameter, i.e. the element is a loose router (§19.1.1). */
export function isLooseRouter(uri: Uri): boolean {
  return uri.params.lr !== undefined;
}

/**
 * A URI as it may appear in a Request-URI: §19.1.1 Table 1 does not allow the `method` parameter nor
 * `?headers` there, so both are removed. The input is not modified.
 */
export function asRequestUri(uri: Uri): Uri {
  if (uri.params.method === undefined && Object.keys(uri.headers).length === 0) return uri;
  const out = copyUri(uri);
  delete out.params.method;
  out.headers = {};
  return out;
}

/**
 * RFC 3261 §12.2.1.1 request targeting.
 * - Empty route set: Request-URI = remote target, no Route.
 * - First route has `lr`: Request-URI = remote target, Route = the route set in order (loose routing).
 * - Otherwise (strict router, RFC 2543): Request-URI = first route (parameters not allowed in a
 *   Request-URI stripped), Route = the remaining routes followed by the remote target.
 */
export function computeRequestTarget(routeSet: readonly NameAddr[], remoteTarget: Uri): RequestTarget {
  if (routeSet.length === 0) {
    const requestUri = asRequestUri(remoteTarget);
    return {
      requestUri,
      requestUriText: formatUri(requestUri),
      routeValues: [],
      nextHop: requestUri,
      looseRouting: true,
    };
  }
  const first = routeSet[0];
  if (isLooseRouter(first.uri)) {
    const requestUri = asRequestUri(remoteTarget);
    return {
      requestUri,
      requestUriText: formatUri(requestUri),
      routeValues: routeSet.map((r) => formatNameAddr(r)),
      nextHop: first.uri,
      looseRouting: true,
    };
  }
  const requestUri = asRequestUri(first.uri);
  const routeValues: string[] = [];
  for (let i = 1; i < routeSet.length; i++) routeValues.push(formatNameAddr(routeSet[i]));
  routeValues.push('<' + formatUri(remoteTarget) + '>');
  return {
    requestUri,
    requestUriText: formatUri(requestUri),
    routeValues,
    nextHop: requestUri,
    looseRouting: false,
  };
}
