/**
 * Cuts a byte stream (TCP, later TLS) into SIP messages (RFC 3261 §18.3): leading CRLFs are skipped (§7.5),
 * the header block ends at the first empty line, and the body is exactly `Content-Length` bytes, which on a
 * stream MUST be present (§20.14). A `\r\n\r\n` between messages is a keep-alive ping (RFC 5626 §3.5.1).
 *
 * Allocation-light: while nothing is buffered it works on the received chunk itself and hands out zero-copy
 * views of it (Node never reuses a socket's read buffers); only a message split across chunks is copied,
 * once, into a growing accumulator. Content-Length is read from the raw bytes without building strings.
 */

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;
const EMPTY = Buffer.alloc(0);
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
/** Accumulators larger than this are released once drained rather than kept for reuse. */
const KEEP_BUFFER_BYTES = 64 * 1024;

/** Why a stream can no longer be framed: the connection must be closed (after answering, when possible). */
export type FramingErrorKind =
  'missing-content-length' | 'bad-content-length' | 'headers-too-large' | 'body-too-large';

/** A framing failure; `headers` holds the header block when one was found, so a 4xx can be attempted. */
export interface FramingError {
  kind: FramingErrorKind;
  /** Status to answer a request with (400, 413); the framer itself never answers. */
  status: number;
  reason: string;
  /** The header block (start line to the empty line included), when complete. */
  headers?: Buffer;
}

/** Receives the framer's output synchronously from {@link StreamFramer.push}. */
export interface FramerSink {
  /** Exactly one message's bytes (headers and body). May be a view of the pushed chunk. */
  message(bytes: Buffer): void;
  /** A CRLF CRLF keep-alive ping arrived; answer with a CRLF pong. */
  ping(): void;
  /** Framing is unrecoverable; the framer stops. */
  error(err: FramingError): void;
}

/** Caps of a {@link StreamFramer}. */
export interface FramerLimits {
  /** Largest header block (start line to empty line). Default 16 384. */
  maxHeaderBytes?: number;
  /** Largest Content-Length accepted. Default 65 536. */
  maxBodyBytes?: number;
}

const MISSING = -1;
const INVALID = -2;
const TOO_LARGE = -3;

/** Per-connection SIP stream framer. */
export class StreamFramer {
  private readonly maxHeaderBytes: number;
  private readonly maxBodyBytes: number;
  private buf: Buffer = EMPTY;
  private start = 0;
  private end = 0;
  /** Whether `buf` is our accumulator (copy messages out) or the caller's chunk (hand out views). */
  private owned = false;
  /** Bytes of the current message already searched for the empty line. */
  private scanned = 0;
  /** Length of the current message once its header block is known, else -1. */
  private total = -1;
  /** Buffered bytes are only CR/LF, waiting to see whether they form a ping. */
  private keepAliveWait = false;
  private stopped = false;
  private count = 0;
  /** A drained accumulator kept for reuse. */
  private spare: Buffer | undefined;

  constructor(
    private readonly sink: FramerSink,
    limits: FramerLimits = {},
  ) {
    this.maxHeaderBytes = limits.maxHeaderBytes ?? 16384;
    this.maxBodyBytes = limits.maxBodyBytes ?? 65536;
  }

  /** True while part of a message (not just keep-alive CRLFs) is buffered. */
  get inMessage(): boolean {
    return this.end > this.start && !this.keepAliveWait;
  }

  /** Number of messages delivered so far. */
  get messages(): number {
    return this.count;
  }

  /** True after an error or {@link stop}: further input is ignored. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Stops framing (e.g. the sink closed the connection inside a callback) and releases the buffer. */
  stop(): void {
    this.stopped = true;
    this.buf = EMPTY;
    this.spare = undefined;
    this.start = this.end = 0;
  }

  /** Feeds received bytes; calls the sink for every complete message, ping or error. */
  push(chunk: Buffer): void {
    if (this.stopped || chunk.length === 0) return;
    this.append(chunk);
    this.drain();
  }

  private append(chunk: Buffer): void {
    const have = this.end - this.start;
    if (have === 0) {
      // Nothing buffered: frame the chunk in place (keeping a small accumulator for reuse).
      if (this.owned && this.buf.length <= KEEP_BUFFER_BYTES) this.spare = this.buf;
      this.buf = chunk;
      this.start = 0;
      this.end = chunk.length;
      this.owned = false;
      return;
    }
    if (this.owned && this.end + chunk.length <= this.buf.length) {
      chunk.copy(this.buf, this.end);
      this.end += chunk.length;
      return;
    }
    const need = have + chunk.length;
    if (this.owned && need <= this.buf.length) {
      this.buf.copy(this.buf, 0, this.start, this.end);
    } else {
      const next = this.accumulator(need);
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
      this.owned = true;
    }
    chunk.copy(this.buf, have);
    this.start = 0;
    this.end = need;
  }

  private drain(): void {
    while (!this.stopped && this.start < this.end) {
      if (this.total < 0) {
        if (this.scanned === 0) {
          const b = this.buf[this.start];
          if (b === CR || b === LF) {
            if (!this.skipKeepAlive()) break;
            continue;
          }
        }
        if (!this.findHeaders()) break;
      }
      if (this.end - this.start < this.total) break;
      const from = this.start;
      const to = from + this.total;
      this.start = to;
      this.scanned = 0;
      this.total = -1;
      let bytes: Buffer;
      if (this.owned) {
        bytes = Buffer.allocUnsafe(to - from);
        this.buf.copy(bytes, 0, from, to);
      } else {
        bytes = this.buf.subarray(from, to);
      }
      this.count++;
      this.sink.message(bytes);
    }
    if (this.stopped) return;
    if (this.start === this.end) {
      this.start = this.end = 0;
      if (!this.owned || this.buf.length > KEEP_BUFFER_BYTES) {
        this.buf = EMPTY;
        this.owned = false;
      }
    } else if (!this.owned) {
      // A partial message left in the caller's chunk: copy the tail, never keep a reference to their buffer.
      const have = this.end - this.start;
      const acc = this.accumulator(have);
      this.buf.copy(acc, 0, this.start, this.end);
      this.buf = acc;
      this.start = 0;
      this.end = have;
      this.owned = true;
    }
  }

  /** An accumulator of at least `need` bytes: the spare one when big enough, else a new one. */
  private accumulator(need: number): Buffer {
    const spare = this.spare;
    if (spare !== undefined && spare.length >= need && spare !== this.buf) {
      this.spare = undefined;
      return spare;
    }
    return Buffer.allocUnsafeSlow(Math.max(4096, need * 2));
  }

  /**
   * At a message boundary on CR or LF: §7.5 says CRLFs before a start line are ignored; CRLF CRLF is a ping
   * (RFC 5626 §3.5.1). Returns false when more bytes are needed to decide.
   */
  private skipKeepAlive(): boolean {
    const buf = this.buf;
    const s = this.start;
    const avail = this.end - s;
    this.keepAliveWait = false;
    if (buf[s] === LF) {
      this.start = s + 1;
      return true;
    }
    if (avail < 2) return this.waitKeepAlive();
    if (buf[s + 1] !== LF) {
      this.start = s + 1; // a stray CR
      return true;
    }
    if (avail < 3) return this.waitKeepAlive();
    if (buf[s + 2] !== CR) {
      this.start = s + 2; // one CRLF (a pong, or padding before a start line)
      return true;
    }
    if (avail < 4) return this.waitKeepAlive();
    if (buf[s + 3] === LF) {
      this.start = s + 4;
      this.sink.ping();
      return true;
    }
    this.start = s + 2;
    return true;
  }

  private waitKeepAlive(): false {
    this.keepAliveWait = true;
    return false;
  }

  /** Looks for the empty line ending the header block; sets `total` or reports an error. */
  private findHeaders(): boolean {
    const buf = this.buf;
    const s = this.start;
    const end = this.end;
    const from = s + (this.scanned > 3 ? this.scanned - 3 : 0);
    // Native search; bytes past `end` may be stale accumulator content, so a hit must end within `end`.
    const at = buf.indexOf(CRLFCRLF, from);
    const hdrEnd = at >= 0 && at + 4 <= end ? at + 4 : -1;
    if (hdrEnd < 0) {
      this.scanned = end - s;
      if (this.scanned > this.maxHeaderBytes) {
        this.fail({ kind: 'headers-too-large', status: 0, reason: 'Header Block Too Large' });
      }
      return false;
    }
    const hdrLen = hdrEnd - s;
    if (hdrLen > this.maxHeaderBytes) {
      this.fail({ kind: 'headers-too-large', status: 0, reason: 'Header Block Too Large' });
      return false;
    }
    const cl = readContentLength(buf, s, hdrEnd, this.maxBodyBytes);
    if (cl < 0) {
      const headers = Buffer.from(buf.subarray(s, hdrEnd));
      if (cl === MISSING)
        this.fail({ kind: 'missing-content-length', status: 400, reason: 'Missing Content-Length', headers });
      else if (cl === TOO_LARGE)
        this.fail({ kind: 'body-too-large', status: 413, reason: 'Request Entity Too Large', headers });
      else this.fail({ kind: 'bad-content-length', status: 400, reason: 'Bad Content-Length', headers });
      return false;
    }
    this.total = hdrLen + cl;
    return true;
  }

  private fail(err: FramingError): void {
    this.stop();
    this.sink.error(err);
  }
}

/**
 * Reads Content-Length (`Content-Length` or compact `l`, any case, LWS and folding allowed) from a header
 * block `[from, to)`. Returns the length, or MISSING, INVALID (negative, non-numeric, several different
 * values — RFC 4475 `ncl`, `mcl01`), TOO_LARGE (over `max`).
 */
export function readContentLength(buf: Buffer, from: number, to: number, max: number): number {
  let result = MISSING;
  let p = lineAfter(buf, from, to); // skip the start line
  while (p < to) {
    const b = buf[p];
    if (b === CR || b === SP || b === HT) {
      // the empty line, or a continuation line of a header we do not care about
      p = lineAfter(buf, p, to);
      continue;
    }
    // header name
    const nameStart = p;
    while (p < to && buf[p] !== COLON && buf[p] !== SP && buf[p] !== HT && buf[p] !== CR) p++;
    const nameLen = p - nameStart;
    if (!isContentLengthName(buf, nameStart, nameLen)) {
      p = lineAfter(buf, p, to);
      continue;
    }
    while (p < to && (buf[p] === SP || buf[p] === HT)) p++;
    if (p >= to || buf[p] !== COLON) return INVALID;
    p++;
    const v = parseLengthValue(buf, p, to, max);
    if (v.value < 0) return v.value;
    if (result >= 0 && result !== v.value) return INVALID;
    result = v.value;
    p = v.next;
  }
  return result;
}

const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');

function isContentLengthName(buf: Buffer, at: number, len: number): boolean {
  if (len === 1) return (buf[at] | 0x20) === 0x6c; // compact form `l` (§7.3.3)
  if (len !== 14) return false;
  for (let i = 0; i < 14; i++) {
    if ((buf[at + i] | 0x20) !== CONTENT_LENGTH[i]) return false;
  }
  return true;
}

/** Index of the first byte after the CRLF ending the line containing `p` (or `to`). */
function lineAfter(buf: Buffer, p: number, to: number): number {
  const lf = buf.indexOf(LF, p); // native scan; a hit past `to` means the line runs to the end
  return lf < 0 || lf >= to ? to : lf + 1;
}

/** Parses `LWS digits LWS` up to the end of the (possibly folded) header value. */
function parseLengthValue(buf: Buffer, p: number, to: number, max: number): { value: number; next: number } {
  let value = 0;
  let digits = 0;
  let afterDigits = false;
  while (p < to) {
    const b = buf[p];
    if (b === CR || b === LF) {
      // end of line: continue only when the next line is a continuation (folding, §7.3.1)
      const next = b === CR && p + 1 < to && buf[p + 1] === LF ? p + 2 : p + 1;
      if (next < to && (buf[next] === SP || buf[next] === HT)) {
        p = next;
        if (digits > 0) afterDigits = true;
        continue;
      }
      return { value: digits === 0 ? INVALID : value, next };
    }
    if (b === SP || b === HT) {
      if (digits > 0) afterDigits = true;
      p++;
      continue;
    }
    if (b >= 0x30 && b <= 0x39 && !afterDigits) {
      digits++;
      value = value * 10 + (b - 0x30);
      if (value > max) return { value: TOO_LARGE, next: to };
      p++;
      continue;
    }
    return { value: INVALID, next: to };
  }
  return { value: digits === 0 ? INVALID : value, next: to };
}
