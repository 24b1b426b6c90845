/**
 * Reading a REGISTER (RFC 3261 §10.2, §10.3 steps 6 and 7's inputs): the Contact values with their
 * expiration intervals and `q`, or the wildcard, or a query. Pure functions; never throws on network input.
 */
import type { SipRequest, Uri } from '../../sip/message/index.ts';
import { formatUri } from '../../sip/message/index.ts';

/** One Contact of a REGISTER with its effective interval (seconds, before clamping) and `q`. */
export interface RequestedContact {
  uri: Uri;
  /** The URI as text (what is stored and sent back). */
  text: string;
  expires: number;
  q: number;
}

/** What a REGISTER asks for, or why it is refused. */
export type RegisterIntent =
  | { kind: 'query' }
  | { kind: 'wildcard' }
  | { kind: 'contacts'; contacts: RequestedContact[] }
  | { kind: 'error'; status: number; reason: string; headers: Array<[string, string]> };

/** Interval limits of the registrar (seconds). */
export interface ExpiresPolicy {
  minExpires: number;
  maxExpires: number;
  defaultExpires: number;
}

/** Largest delta-seconds value (RFC 3261 §20.19: larger values are treated as 2**32-1). */
const MAX_DELTA = 4_294_967_295;
const Q_RE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

const error = (status: number, reason: string, headers: Array<[string, string]> = []): RegisterIntent => ({
  kind: 'error',
  status,
  reason,
  headers,
});

/** Parses delta-seconds; undefined when malformed. */
export function parseDeltaSeconds(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  if (t.length > 10) return MAX_DELTA;
  return Math.min(Number(t), MAX_DELTA);
}

/**
 * The intent of `req` under `policy`: intervals below `minExpires` (and not 0) → 423 with `Min-Expires`;
 * above `maxExpires` → clamped; `*` only alone and with `Expires: 0` (else 400).
 */
export function readRegister(req: SipRequest, policy: ExpiresPolicy): RegisterIntent {
  let values;
  try {
    values = req.contact;
  } catch {
    return error(400, 'Invalid Contact');
  }
  const expiresHeader = req.get('expires');
  let headerExpires: number | undefined;
  if (expiresHeader !== undefined) {
    headerExpires = parseDeltaSeconds(expiresHeader);
    if (headerExpires === undefined) return error(400, 'Invalid Expires');
  }
  if (values.length === 0) return { kind: 'query' };

  if (values.some((v) => v.uri.scheme === '*')) {
    // §10.3 step 6: `*` is valid only alone and with an Expires header of 0.
    if (values.length !== 1 || headerExpires !== 0) return error(400, 'Invalid Wildcard Contact');
    return { kind: 'wildcard' };
  }

  const contacts: RequestedContact[] = [];
  let tooBrief = false;
  for (const v of values) {
    if (v.uri.scheme !== 'sip' && v.uri.scheme !== 'sips') return error(400, 'Unsupported Contact URI');
    let expires = headerExpires ?? policy.defaultExpires;
    const param = v.params.expires;
    if (param !== undefined) {
      const e = param === null ? undefined : parseDeltaSeconds(param);
      if (e === undefined) return error(400, 'Invalid Contact Expires');
      expires = e;
    }
    let q = 1;
    const qp = v.params.q;
    if (qp !== undefined) {
      if (qp === null || !Q_RE.test(qp.trim())) return error(400, 'Invalid Contact q');
      q = Number(qp.trim());
    }
    if (expires > 0 && expires < policy.minExpires) tooBrief = true;
    if (expires > policy.maxExpires) expires = policy.maxExpires;
    let text: string;
    try {
      text = formatUri(v.uri);
    } catch {
      return error(400, 'Invalid Contact');
    }
    contacts.push({ uri: v.uri, text, expires, q });
  }
  // §10.3 step 7: an interval shorter than we accept → 423 with our minimum.
  if (tooBrief) return error(423, 'Interval Too Brief', [['Min-Expires', String(policy.minExpires)]]);
  return { kind: 'contacts', contacts };
}
