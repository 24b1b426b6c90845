/**
 * Bytes → message (RFC 3261 §7, §18.3; RFC 4475 for the corner cases). One forward scan over the
 * Buffer records each header line as offsets; header names are identified from the bytes without
 * allocating; only what routing and transactions need is parsed eagerly (top Via, CSeq, Call-ID,
 * From/To, Max-Forwards, Content-Length, Content-Type); the rest is decoded on first use.
 *
 * The message keeps references into `buf` (header values, body): do not modify `buf` afterwards.
 */
import { SipParseError } from './errors.ts';
import { HeaderEntry } from './header-entry.ts';
import type { FastBuffer } from './header-entry.ts';
import {
  H_CALL_ID,
  H_CONTENT_LENGTH,
  H_CONTENT_TYPE,
  H_CSEQ,
  H_FROM,
  H_MAX_FORWARDS,
  H_TO,
  H_VIA,
  headerName,
  knownHeaderByHash,
} from './header-names.ts';
import { contentTypeAt, cseqAt, knownMethodAt, maxForwardsAt } from './byte-scalars.ts';
import { MAX_CSEQ, parseContentType, parseCSeq, parseMaxForwards } from './header-values.ts';
import { TOKEN } from './lex.ts';
import { SipRequest } from './request.ts';
import { SipResponse } from './response.ts';
import { scanTag } from './name-addr.ts';
import { parseVia } from './via.ts';

// Module-local aliases: the hot loop must not go through module-binding indirections.
const TOK: Uint8Array = TOKEN;
const knownAt = knownHeaderByHash;
const VIA = H_VIA;
const CSEQ = H_CSEQ;
const CALL_ID = H_CALL_ID;
const FROM = H_FROM;
const TO = H_TO;
const MAX_FORWARDS = H_MAX_FORWARDS;
const CONTENT_LENGTH = H_CONTENT_LENGTH;
const CONTENT_TYPE = H_CONTENT_TYPE;
const CSEQ_MAX = MAX_CSEQ;
const cseqOf = parseCSeq;
const viaOf = parseVia;
const tagOf = scanTag;
const maxForwardsOf = parseMaxForwards;
const contentTypeOf = parseContentType;
const nameOf = headerName;
const methodAt = knownMethodAt;
const cseqBytes = cseqAt;
const maxForwardsBytes = maxForwardsAt;
const contentTypeBytes = contentTypeAt;

/** Options of {@link parseMessage}. */
export interface ParseOptions {
  /**
   * Default `true`. `true`: without Content-Length the body is the rest of the datagram; bytes
   * beyond Content-Length are ignored (§18.3); a Content-Length larger than what is there is an
   * error (400). `false` (a stream transport already did the framing): without Content-Length the
   * body is empty.
   */
  datagram?: boolean;
  /**
   * Cap on start line + headers, default 16384. Exceeding it gives `513 Message Too Large`
   * (RFC 3261 §21.5.14, the status SIP defines for this) without `partial`.
   */
  maxHeaderBytes?: number;
  /** Cap on the body, default 65536. Exceeding it gives `413 Request Entity Too Large`. */
  maxBodyBytes?: number;
}

const DEFAULT_MAX_HEADER = 16384;
const DEFAULT_MAX_BODY = 65536;

/**
 * Parses one SIP message from a Buffer. Throws only {@link SipParseError}: `status` says how to
 * answer a request (400, 505, 413, 513) or `0` to drop silently (every broken response), and
 * `partial` carries the request when it can still be answered.
 */
export function parseMessage(buf: Buffer, opts?: ParseOptions): SipRequest | SipResponse {
  try {
    return parse(buf as FastBuffer, opts);
  } catch (e) {
    if (e instanceof SipParseError) throw e;
    // Safety net: a bug here must never become an exception on the event loop.
    throw new SipParseError(`internal parser error: ${String(e)}`, 0, '');
  }
}

function isWsByte(c: number): boolean {
  return c === 32 || c === 9;
}

function parse(b: FastBuffer, opts: ParseOptions | undefined): SipRequest | SipResponse {
  const datagram = opts?.datagram ?? true;
  const maxHeader = opts?.maxHeaderBytes ?? DEFAULT_MAX_HEADER;
  const maxBody = opts?.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const len = b.length;
  let p = 0;
  // §7.5: CRLFs before the start-line are ignored (keep-alives on streams).
  while (p < len && (b[p] === 13 || b[p] === 10)) p++;
  if (p === len) throw new SipParseError('empty message', 0, '');
  const p0 = p;
  const headerLimit = p0 + maxHeader;

  // ------------------------------------------------------------ start line
  let nl = b.indexOf(10, p);
  if (nl < 0) nl = len;
  let le = nl;
  while (le > p && (b[le - 1] === 13 || isWsByte(b[le - 1]))) le--; // liberal: trailing SP (RFC 4475 trws)
  if (le - p0 > maxHeader) throw new SipParseError('start line too long', 513);
  for (let k = p; k < le; k++) {
    const c = b[k];
    if ((c < 32 && c !== 9) || c === 127) throw new SipParseError('control character in start line', 400);
  }
  const isResponse =
    le - p >= 4 &&
    (b[p] | 32) === 115 &&
    (b[p + 1] | 32) === 105 &&
    (b[p + 2] | 32) === 112 &&
    b[p + 3] === 47;
  let msg: SipRequest | SipResponse;
  let deferred: SipParseError | undefined;
  if (isResponse) {
    msg = parseStatusLine(b, p, le);
  } else {
    // Request-Line: Method SP Request-URI SP SIP-Version. Liberal: runs of SP/HT separate the
    // elements (RFC 4475 lwsstart).
    const t: number[] = [];
    let i = p;
    while (i < le) {
      while (i < le && isWsByte(b[i])) i++;
      if (i >= le) break;
      const s = i;
      while (i < le && !isWsByte(b[i])) i++;
      t.push(s, i);
    }
    if (t.length < 6) throw new SipParseError('malformed Request-Line', 400);
    const ms = t[0];
    const me = t[1];
    for (let k = ms; k < me; k++) {
      if (TOK[b[k]] !== 1) throw new SipParseError('illegal character in method', 400);
    }
    const method = methodAt(b, ms, me) ?? b.latin1Slice(ms, me);
    const vs = t[t.length - 2];
    const ve = t[t.length - 1];
    const req = new SipRequest(method, '');
    // The Request-URI text is decoded on first use: transactions match on the top Via.
    req._setUriSource(b, t[2], t[t.length - 3]);
    msg = req;
    if (t.length > 6) {
      // RFC 4475 lwsruri: LWS inside the Request-URI.
      deferred = new SipParseError('whitespace inside the Request-URI', 400);
    } else if (b[t[2]] === 60) {
      // RFC 4475 ltgtruri: the Request-URI must not be enclosed in <> (§25.1 Request-Line).
      deferred = new SipParseError('Request-URI enclosed in <>', 400);
    }
    if (!isSip20(b, vs, ve)) {
      // §8.2.2 / §21.5.6: 505 for a SIP version we do not support; 400 for something else.
      const sipSlash =
        ve - vs >= 4 &&
        (b[vs] | 32) === 115 &&
        (b[vs + 1] | 32) === 105 &&
        (b[vs + 2] | 32) === 112 &&
        b[vs + 3] === 47;
      deferred = sipSlash
        ? new SipParseError(`unsupported version ${b.latin1Slice(vs, ve)}`, 505)
        : new SipParseError('malformed SIP-Version', 400);
    }
  }

  // ------------------------------------------------------------ headers
  const hs: HeaderEntry[] = [];
  let pos = nl + 1;
  let bodyStart = len;
  let cl = -1;
  let seen = 0; // bit per eager header id
  const first = [-1, -1, -1, -1, -1, -1, -1, -1, -1]; // index in hs of the first line per eager id
  // First error met while reading the headers (framing, malformed lines): no body is cut then.
  let framing: SipParseError | undefined;
  while (true) {
    if (pos >= len) {
      // Liberal: end of input ends the headers (RFC 4475 baddn ships without the empty line).
      bodyStart = len;
      break;
    }
    let c = b[pos];
    if (c === 13 && pos + 1 < len && b[pos + 1] === 10) {
      bodyStart = pos + 2;
      break;
    }
    if (c === 10) {
      bodyStart = pos + 1;
      break;
    }
    if (pos > headerLimit) throw new SipParseError('header section too large', 513);
    // header name: token chars, hashed on the way for the known-name lookup
    const ns = pos;
    let hash = 0;
    while (pos < len) {
      c = b[pos];
      if (TOK[c] !== 1) break;
      hash = (Math.imul(hash, 31) + (c >= 65 && c <= 90 ? c + 32 : c)) | 0;
      pos++;
    }
    const ne = pos;
    while (pos < len && ((c = b[pos]) === 32 || c === 9)) pos++;
    if (ne === ns || b[pos] !== 58) {
      // Not a header line: the message is rejected, but the other lines are still read so a
      // request can be answered (with `partial`).
      framing ??= fatal(isResponse, ne === ns ? 'malformed header line' : 'header line without ":"');
      const skip = b.indexOf(10, pos);
      pos = skip < 0 ? len : skip + 1;
      continue;
    }
    pos++;
    // value: up to the LF not followed by SP/HT (§7.3.1 folding); native indexOf beats a byte loop
    let vs = pos;
    let e = pos;
    let folded = false;
    while (true) {
      e = b.indexOf(10, e);
      if (e < 0) {
        e = len;
        break;
      }
      if (e + 1 < len && ((c = b[e + 1]) === 32 || c === 9)) {
        folded = true;
        e++;
        continue;
      }
      break;
    }
    pos = e + 1;
    let ve = e;
    while (vs < ve && ((c = b[vs]) === 32 || c === 9 || c === 13 || c === 10)) vs++;
    while (ve > vs && ((c = b[ve - 1]) === 32 || c === 9 || c === 13 || c === 10)) ve--;
    if (folded) {
      const k = b.indexOf(10, vs);
      folded = k >= 0 && k < ve;
    }
    const h = knownAt(b, ns, ne, hash) ?? nameOf(b.latin1Slice(ns, ne));
    hs.push(new HeaderEntry(h, undefined, b, vs, ve, folded));
    const id = h.id;
    if (id !== 0) {
      if ((seen & (1 << id)) === 0) first[id] = hs.length - 1;
      seen |= 1 << id;
      if (id === CONTENT_LENGTH) {
        const v = contentLength(b, vs, ve);
        // RFC 4475 ncl, mcl01: a non-numeric, negative or conflicting Content-Length makes framing
        // impossible. The rest of the headers is still read so the request can be answered.
        if (v < 0) framing ??= fatal(isResponse, 'malformed Content-Length');
        else if (cl >= 0 && cl !== v) framing ??= fatal(isResponse, 'conflicting Content-Length values');
        else cl = v;
      }
    }
  }
  if (bodyStart - p0 > maxHeader) throw new SipParseError('header section too large', 513);

  // ------------------------------------------------------------ body (§18.3)
  const available = len - bodyStart;
  let bodyLen = 0;
  if (framing === undefined) {
    if (cl >= 0) {
      if (cl > maxBody) framing = new SipParseError('body too large', isResponse ? 0 : 413);
      // RFC 4475 clerr: never trust Content-Length beyond the bytes we have.
      else if (cl > available) framing = fatal(isResponse, 'Content-Length larger than the message');
      else bodyLen = cl;
    } else {
      bodyLen = datagram ? available : 0;
      if (bodyLen > maxBody) {
        framing = new SipParseError('body too large', isResponse ? 0 : 413);
        bodyLen = 0;
      }
    }
  }
  msg._h = hs;
  if (bodyLen > 0) {
    // The body Buffer is cut out on first use: transactions never look at it.
    msg._body = undefined;
    msg._bodySrc = b;
    msg._bodyStart = bodyStart;
    msg._bodyEnd = bodyStart + bodyLen;
  }

  // ------------------------------------------------------------ eager typed views
  try {
    let k = first[VIA];
    if (k >= 0) {
      const t = hs[k].text();
      if (t.length > 0 && t.indexOf(',') < 0) msg._topVia = viaOf(t);
      else void msg.topVia;
    }
    k = first[CSEQ];
    if (k >= 0) {
      const en = hs[k];
      const cseq = (msg._cseq = (en.folded ? undefined : cseqBytes(b, en.vs, en.ve)) ?? cseqOf(en.text()));
      // RFC 4475 scalarlg: a response with an overlarge CSeq is dropped.
      if (isResponse && cseq.seq > CSEQ_MAX) throw new SipParseError('CSeq number above 2^32-1');
    }
    k = first[CALL_ID];
    if (k >= 0) {
      const id = hs[k].text();
      if (id.length === 0) throw new SipParseError('empty Call-ID');
      msg._callId = id;
    }
    k = first[FROM];
    if (k >= 0) msg._fromTag = tagOf(hs[k].text());
    k = first[TO];
    if (k >= 0) msg._toTag = tagOf(hs[k].text());
    k = first[MAX_FORWARDS];
    if (k >= 0)
      msg._maxForwards = maxForwardsBytes(b, hs[k].vs, hs[k].ve) ?? maxForwardsOf(hs[k].text()) ?? null;
    else msg._maxForwards = null;
    k = first[CONTENT_TYPE];
    if (k >= 0) msg._contentType = contentTypeBytes(b, hs[k].vs, hs[k].ve) ?? contentTypeOf(hs[k].text());
    else msg._contentType = null;
    if (isResponse && (seen & RESPONSE_REQUIRED) !== RESPONSE_REQUIRED) {
      // Responses are never answered: one the client side cannot match is dropped here.
      throw new SipParseError('response without Via, CSeq, Call-ID, From or To');
    }
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    deferred ??= framing ?? e;
  }
  deferred ??= framing;
  if (deferred !== undefined) {
    if (isResponse) throw new SipParseError(deferred.message, 0, '');
    throw deferred.withPartial(answerable(msg as SipRequest));
  }
  return msg;
}

const RESPONSE_REQUIRED = (1 << VIA) | (1 << CSEQ) | (1 << CALL_ID) | (1 << FROM) | (1 << TO);

function fatal(isResponse: boolean, why: string): SipParseError {
  return new SipParseError(why, isResponse ? 0 : 400);
}

/** The request when Via, From, To, Call-ID and CSeq are present and parseable, so it can be answered. */
export function answerable(req: SipRequest): SipRequest | undefined {
  try {
    if (req.topVia === undefined) return undefined;
    void req.callId;
    void req.cseq;
    void req.from;
    void req.to;
    return req;
  } catch {
    return undefined;
  }
}

function isSip20(b: FastBuffer, s: number, e: number): boolean {
  return (
    e - s === 7 &&
    (b[s] | 32) === 115 &&
    (b[s + 1] | 32) === 105 &&
    (b[s + 2] | 32) === 112 &&
    b[s + 3] === 47 &&
    b[s + 4] === 50 &&
    b[s + 5] === 46 &&
    b[s + 6] === 48
  );
}

/** Content-Length digits → value; -1 when not 1*DIGIT; capped (huge values become 2^31). */
function contentLength(b: FastBuffer, s: number, e: number): number {
  if (s === e) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c < 48 || c > 57) return -1;
    if (v < 0x40000000) v = v * 10 + (c - 48);
  }
  return v > 0x7fffffff ? 0x7fffffff : v;
}

/**
 * `SIP-Version SP Status-Code SP Reason-Phrase` (§7.2). Any error drops the response (status 0).
 * Liberal: a missing SP before an empty reason (RFC 4475 noreason) and extra SP are accepted.
 */
function parseStatusLine(b: FastBuffer, p: number, le: number): SipResponse {
  let i = p;
  while (i < le && !isWsByte(b[i])) i++;
  if (!isSip20(b, p, i)) throw new SipParseError('unsupported SIP version in response', 0, '');
  while (i < le && isWsByte(b[i])) i++;
  const ds = i;
  let status = 0;
  while (i < le && b[i] >= 48 && b[i] <= 57) {
    status = status * 10 + (b[i] - 48);
    i++;
  }
  if (i - ds !== 3 || status < 100 || status > 699) {
    throw new SipParseError('Status-Code out of range', 0, ''); // RFC 4475 bigcode
  }
  if (i < le && !isWsByte(b[i])) throw new SipParseError('malformed Status-Line', 0, '');
  while (i < le && isWsByte(b[i])) i++;
  return new SipResponse(status, b.utf8Slice(i, le));
}
