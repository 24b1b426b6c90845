/**
 * Message → bytes (RFC 3261 §7). Header names are written in their long canonical form (unknown
 * ones as received); values parsed from the wire and never modified are copied byte for byte
 * (unless they were folded: then the unfolded value is written). A correct Content-Length is
 * always written, last, replacing any present (§20.14, §18.3).
 */
import type { SipMessage } from './message.ts';
import type { SipRequest } from './request.ts';
import type { SipResponse } from './response.ts';

/** Copies `src[s..e)` to `out` at `o`; a plain loop for short runs beats Buffer#copy's overhead. */
function put(out: Buffer, o: number, src: Uint8Array, s: number, e: number): number {
  if (e - s > 64) {
    out.set(src.subarray(s, e), o);
    return o + (e - s);
  }
  for (let i = s; i < e; i++) out[o++] = src[i];
  return o;
}

/** Serializes a request or response. Never throws for messages built through the API. */
export function serialize(msg: SipMessage): Buffer {
  const body = msg.body;
  const hs = msg._h;
  let start: string;
  if (msg.kind === 'request') {
    const r = msg as SipRequest;
    start = r.method + ' ' + r.uriText + ' SIP/2.0\r\n';
  } else {
    const r = msg as SipResponse;
    start = 'SIP/2.0 ' + r.status + ' ' + r.reason + '\r\n';
  }
  // Upper bound: strings are at most 3 UTF-8 bytes per UTF-16 unit.
  let max = start.length * 3 + 40 + body.length;
  for (let i = 0; i < hs.length; i++) {
    const e = hs[i];
    max += e.h.name.length + 4;
    max += e.src !== undefined && !e.folded ? e.ve - e.vs : e.text().length * 3;
  }
  const out = Buffer.allocUnsafe(max);
  let o = out.write(start, 0, 'utf8');
  for (let i = 0; i < hs.length; i++) {
    const e = hs[i];
    const h = e.h;
    if (h.key === 'content-length') continue;
    o = put(out, o, h.prefix, 0, h.prefix.length);
    const src = e.src;
    if (src !== undefined && !e.folded) o = put(out, o, src, e.vs, e.ve);
    else o += out.write(e.text(), o, 'utf8');
    out[o++] = 13;
    out[o++] = 10;
  }
  o += out.write('Content-Length: ' + body.length + '\r\n\r\n', o, 'latin1');
  o = put(out, o, body, 0, body.length);
  return out.subarray(0, o);
}
