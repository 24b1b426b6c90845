/**
 * Message → bytes (RFC 3261 §7). Header names are written in their long canonical form (unknown
 * ones as received); values parsed from the wire and never modified are copied byte for byte
 * (unless they were folded: then the unfolded value is written). A correct Content-Length is
 * always written, last, replacing any present (§20.14, §18.3).
 */
import type { SipMessage, SipRequest, SipResponse } from './message.ts';

const CRLF = 0x0a0d; // little-endian pair '\r\n' for writeUInt16LE

/** Serializes a request or response. Never throws for messages built through the API. */
export function serialize(msg: SipMessage): Buffer {
  const body = msg._body;
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
    if (e.h.key === 'content-length') continue;
    o += out.write(e.h.name, o, 'latin1');
    out[o++] = 58; // ':'
    out[o++] = 32;
    if (e.src !== undefined && !e.folded) o += e.src.copy(out, o, e.vs, e.ve);
    else o += out.write(e.text(), o, 'utf8');
    out.writeUInt16LE(CRLF, o);
    o += 2;
  }
  o += out.write('Content-Length: ' + body.length + '\r\n\r\n', o, 'latin1');
  o += body.copy(out, o);
  return out.subarray(0, o);
}
