/**
 * The SIP message model (RFC 3261 §7): header access by name (long or compact, case-insensitive),
 * mutators, and cached typed views of the headers the core works with. The concrete classes are
 * `SipRequest` (request.ts) and `SipResponse` (response.ts).
 */
import type { CSeq, NameAddr, Via } from './types.ts';
import { SipParseError } from './errors.ts';
import { HeaderEntry } from './header-entry.ts';
import { headerName } from './header-names.ts';
import type { HeaderName } from './header-names.ts';
import { parseContactValue, parseContentType, parseCSeq, parseMaxForwards } from './header-values.ts';
import { parseNameAddr, scanTag } from './name-addr.ts';
import { serialize } from './serializer.ts';
import { parseVia } from './via.ts';

const EMPTY = Buffer.alloc(0);

/**
 * A body's bytes in a Buffer of their own. `Buffer.from(string)` cuts small strings out of a shared 8 KiB
 * slab, and a message kept for a while (an INVITE while its call lasts and 64·T1 beyond) would keep the
 * whole slab alive.
 */
function ownBuffer(text: string): Buffer {
  const b = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
  b.write(text, 0, 'utf8');
  return b;
}

/** @internal Throws TypeError when a value would end its line (CR or LF): no header injection. */
export function checkValue(name: string, value: string): void {
  // Guards against header injection: a value can never end the line it is written on.
  if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
    throw new TypeError(`header ${name}: value must not contain CR or LF`);
  }
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(name)) throw new TypeError(`bad header name "${name}"`);
}

function entry(h: HeaderName, value: string): HeaderEntry {
  checkValue(h.name, value);
  return new HeaderEntry(h, value.trim());
}

/** Base of {@link SipRequest} and {@link SipResponse}. */
export abstract class SipMessage {
  /** `'request'` or `'response'`. */
  abstract readonly kind: 'request' | 'response';
  /** @internal header lines in wire order */
  _h: HeaderEntry[] = [];
  /** @internal */
  _body: Buffer | undefined = EMPTY;
  /** @internal where a parsed body lies in the source Buffer (materialized on first use) */
  _bodySrc: Buffer | undefined = undefined;
  /** @internal */
  _bodyStart = 0;
  /** @internal */
  _bodyEnd = 0;
  // Typed-view caches (internal; the parser fills the eager ones): undefined = not computed yet,
  // null = computed and absent.
  /** @internal */ _via: Via[] | undefined = undefined;
  /** @internal */ _topVia: Via | null | undefined = undefined;
  /** @internal */ _callId: string | undefined = undefined;
  /** @internal */ _cseq: CSeq | undefined = undefined;
  /** @internal */ _from: NameAddr | undefined = undefined;
  /** @internal */ _to: NameAddr | undefined = undefined;
  /** @internal */ _fromTag: string | null | undefined = undefined;
  /** @internal */ _toTag: string | null | undefined = undefined;
  /** @internal */ _maxForwards: number | null | undefined = undefined;
  /** @internal */ _contentType: string | null | undefined = undefined;
  /** @internal */ _contact: NameAddr[] | undefined = undefined;
  /** @internal */ _route: NameAddr[] | undefined = undefined;
  /** @internal */ _recordRoute: NameAddr[] | undefined = undefined;

  /** @internal */
  protected initHeaders(
    headers: Array<[string, string]> | undefined,
    body: Buffer | string | undefined,
  ): void {
    if (headers !== undefined) {
      for (const [n, v] of headers) {
        checkName(n);
        this._h.push(entry(headerName(n), v));
      }
    }
    if (body !== undefined) this._body = typeof body === 'string' ? ownBuffer(body) : body;
  }

  // ---------------------------------------------------------------- raw header access

  /** First value of a header (first element of a list header), trimmed; `undefined` when absent. */
  get(name: string): string | undefined {
    const key = headerName(name).key;
    const hs = this._h;
    let seen = false;
    for (let i = 0; i < hs.length; i++) {
      const e = hs[i];
      if (e.h.key !== key) continue;
      const f = e.first();
      if (f !== undefined) return f;
      seen = true;
    }
    return seen ? '' : undefined;
  }

  /** Every value of every line of a header, in order (list headers split at top-level commas). */
  getAll(name: string): string[] {
    const key = headerName(name).key;
    const out: string[] = [];
    for (const e of this._h) if (e.h.key === key) for (const v of e.elements()) out.push(v);
    return out;
  }

  /** True when the header occurs at least once. */
  has(name: string): boolean {
    const key = headerName(name).key;
    for (const e of this._h) if (e.h.key === key) return true;
    return false;
  }

  /** Number of header lines of that name (not elements): `validateRequest` uses it. */
  countLines(name: string): number {
    const key = headerName(name).key;
    let n = 0;
    for (const e of this._h) if (e.h.key === key) n++;
    return n;
  }

  /** Replaces all occurrences (at the position of the first one, else at the end). */
  set(name: string, value: string | string[]): this {
    checkName(name);
    const h = headerName(name);
    const values = typeof value === 'string' ? [value] : value;
    const fresh = values.map((v) => entry(h, v));
    const hs = this._h;
    let at = -1;
    const kept: HeaderEntry[] = [];
    for (const e of hs) {
      if (e.h.key === h.key) {
        if (at < 0) at = kept.length;
      } else kept.push(e);
    }
    if (at < 0) at = kept.length;
    kept.splice(at, 0, ...fresh);
    this._h = kept;
    this.invalidate(h.key);
    return this;
  }

  /** Adds a value after the existing ones of that header (or at the end). */
  append(name: string, value: string): this {
    checkName(name);
    const h = headerName(name);
    const e = entry(h, value);
    const hs = this._h;
    let last = -1;
    for (let i = 0; i < hs.length; i++) if (hs[i].h.key === h.key) last = i;
    if (last < 0) hs.push(e);
    else hs.splice(last + 1, 0, e);
    this.invalidate(h.key);
    return this;
  }

  /** Adds a value before the first one of that header (or at the end), e.g. a new Via. */
  prepend(name: string, value: string): this {
    checkName(name);
    const h = headerName(name);
    const e = entry(h, value);
    const i = this.indexOf(h.key);
    if (i < 0) this._h.push(e);
    else this._h.splice(i, 0, e);
    this.invalidate(h.key);
    return this;
  }

  /** Removes every occurrence of a header. */
  delete(name: string): this {
    const key = headerName(name).key;
    this._h = this._h.filter((e) => e.h.key !== key);
    this.invalidate(key);
    return this;
  }

  /** Replaces only the first element (e.g. the top Via with `received`/`rport`); appends when absent. */
  replaceFirst(name: string, value: string): this {
    checkName(name);
    const h = headerName(name);
    const i = this.indexOf(h.key);
    if (i < 0) return this.append(name, value);
    const old = this._h[i];
    const els = old.h.list ? old.elements() : [];
    if (els.length > 1) this._h.splice(i, 1, entry(h, value), entry(h, els.slice(1).join(', ')));
    else this._h[i] = entry(h, value);
    this.invalidate(h.key);
    return this;
  }

  /** Removes only the first element (own Via on a response, a Route that names us). */
  removeFirst(name: string): this {
    const h = headerName(name);
    const i = this.indexOf(h.key);
    if (i < 0) return this;
    const old = this._h[i];
    const els = old.h.list ? old.elements() : [];
    if (els.length > 1) this._h[i] = entry(old.h, els.slice(1).join(', '));
    else this._h.splice(i, 1);
    this.invalidate(h.key);
    return this;
  }

  /** Calls `fn` in wire order, once per element of list headers; names as they will be written. */
  forEachHeader(fn: (name: string, value: string) => void): void {
    for (const e of this._h) for (const v of e.elements()) fn(e.h.name, v);
  }

  /** The body's length in bytes (0 when none), without materializing it. */
  get bodyLength(): number {
    return this._body !== undefined ? this._body.length : this._bodyEnd - this._bodyStart;
  }

  /** The body; an empty Buffer when none. */
  get body(): Buffer {
    let b = this._body;
    if (b === undefined) b = this._body = this._bodySrc!.subarray(this._bodyStart, this._bodyEnd);
    return b;
  }
  set body(b: Buffer) {
    this._body = b;
    this._bodySrc = undefined;
  }

  private indexOf(key: string): number {
    const hs = this._h;
    for (let i = 0; i < hs.length; i++) if (hs[i].h.key === key) return i;
    return -1;
  }

  /** @internal drops the cached typed view of a header after a mutation. */
  protected invalidate(key: string): void {
    switch (key) {
      case 'via':
        this._via = undefined;
        this._topVia = undefined;
        break;
      case 'call-id':
        this._callId = undefined;
        break;
      case 'cseq':
        this._cseq = undefined;
        break;
      case 'from':
        this._from = undefined;
        this._fromTag = undefined;
        break;
      case 'to':
        this._to = undefined;
        this._toTag = undefined;
        break;
      case 'max-forwards':
        this._maxForwards = undefined;
        break;
      case 'content-type':
        this._contentType = undefined;
        break;
      case 'contact':
        this._contact = undefined;
        break;
      case 'route':
        this._route = undefined;
        break;
      case 'record-route':
        this._recordRoute = undefined;
        break;
    }
  }

  /** @internal */
  protected resetCaches(): void {
    this._via = this._topVia = this._callId = this._cseq = this._from = this._to = undefined;
    this._fromTag = this._toTag = undefined;
    this._maxForwards = this._contentType = undefined;
    this._contact = this._route = this._recordRoute = undefined;
  }

  // ---------------------------------------------------------------- typed views

  private required(name: string): string {
    const v = this.get(name);
    if (v === undefined) throw new SipParseError(`missing ${headerName(name).name} header`);
    return v;
  }

  /** Every Via value, top first. Throws SipParseError when one is malformed. */
  get via(): Via[] {
    if (this._via === undefined) this._via = this.singleVia() ?? this.getAll('via').map(parseVia);
    return this._via;
  }

  /**
   * `[topVia]` when the message has exactly one Via line holding one value and the top Via is already
   * parsed (the parser does it eagerly), so edge validation does not parse a request's only Via twice.
   */
  private singleVia(): Via[] | undefined {
    const top = this._topVia;
    if (top === undefined || top === null) return undefined;
    let line: HeaderEntry | undefined;
    for (const e of this._h) {
      if (e.h.key !== 'via') continue;
      if (line !== undefined) return undefined;
      line = e;
    }
    return line !== undefined && line.text().indexOf(',') < 0 ? [top] : undefined;
  }

  /** The top Via (the one transactions and response routing use). */
  get topVia(): Via | undefined {
    if (this._topVia === undefined) {
      const v = this.get('via');
      this._topVia = v === undefined || v === '' ? null : parseVia(v);
    }
    return this._topVia ?? undefined;
  }

  /** `branch` parameter of the top Via. */
  get branch(): string | undefined {
    return this.topVia?.params.branch ?? undefined;
  }

  /** Call-ID. Throws SipParseError when absent or empty. */
  get callId(): string {
    if (this._callId === undefined) {
      const v = this.required('call-id');
      if (v.length === 0) throw new SipParseError('empty Call-ID');
      this._callId = v;
    }
    return this._callId;
  }

  /** CSeq. Throws SipParseError when absent or malformed. */
  get cseq(): CSeq {
    if (this._cseq === undefined) this._cseq = parseCSeq(this.required('cseq'));
    return this._cseq;
  }

  /** From. Throws SipParseError when absent or malformed. */
  get from(): NameAddr {
    if (this._from === undefined) this._from = parseNameAddr(this.required('from'));
    return this._from;
  }

  /** To. Throws SipParseError when absent or malformed. */
  get to(): NameAddr {
    if (this._to === undefined) this._to = parseNameAddr(this.required('to'));
    return this._to;
  }

  /** `tag` parameter of From (found without parsing the whole From; `from` parses it fully). */
  get fromTag(): string | undefined {
    if (this._fromTag === undefined) {
      this._fromTag =
        this._from !== undefined ? (this._from.params.tag ?? null) : scanTag(this.required('from'));
    }
    return this._fromTag ?? undefined;
  }

  /** `tag` parameter of To. */
  get toTag(): string | undefined {
    if (this._toTag === undefined) {
      this._toTag = this._to !== undefined ? (this._to.params.tag ?? null) : scanTag(this.required('to'));
    }
    return this._toTag ?? undefined;
  }

  /** Max-Forwards; `undefined` when absent or above 255 (liberal). */
  get maxForwards(): number | undefined {
    if (this._maxForwards === undefined) {
      const v = this.get('max-forwards');
      this._maxForwards = v === undefined ? null : (parseMaxForwards(v) ?? null);
    }
    return this._maxForwards ?? undefined;
  }

  /** Lower-case `type/subtype` of Content-Type, without parameters. */
  get contentType(): string | undefined {
    if (this._contentType === undefined) {
      const v = this.get('content-type');
      this._contentType = v === undefined ? null : parseContentType(v);
    }
    return this._contentType ?? undefined;
  }

  /** Contact values (`*` gives a NameAddr whose `uri.scheme` is `*`). */
  get contact(): NameAddr[] {
    if (this._contact === undefined) this._contact = this.getAll('contact').map(parseContactValue);
    return this._contact;
  }

  /** Route values, in order. */
  get route(): NameAddr[] {
    if (this._route === undefined) this._route = this.getAll('route').map(parseNameAddr);
    return this._route;
  }

  /** Record-Route values, in order. */
  get recordRoute(): NameAddr[] {
    if (this._recordRoute === undefined) this._recordRoute = this.getAll('record-route').map(parseNameAddr);
    return this._recordRoute;
  }

  /**
   * Lets go of everything derived from the message that can be derived again: the typed views (parsed Via,
   * From, To, Contact, Request-URI…) and the decoded text of header values read from the wire. Nothing
   * observable changes; a later read parses again. Transactions call it when they only absorb
   * retransmissions (up to 64·T1), so that a finished call costs little memory while it lingers.
   */
  compact(): void {
    this.resetCaches();
    const hs = this._h;
    for (let i = 0; i < hs.length; i++) hs[i].shed();
  }

  /** The message on the wire: same as `serialize(this)`. */
  toBuffer(): Buffer {
    return serialize(this);
  }

  /** Deep copy (headers, body): mutating the copy never affects this message. */
  clone(): this {
    const c = Object.assign(Object.create(Object.getPrototypeOf(this) as object) as this, this);
    c._h = this._h.map((e) => e.clone());
    c._body = Buffer.from(this.body);
    c._bodySrc = undefined;
    c.resetCaches();
    return c;
  }
}
