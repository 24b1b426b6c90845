/**
 * One header line of a message. Values parsed from the wire stay as byte offsets into the source
 * Buffer until first read (then decoded as UTF-8 and cached), so untouched headers cost nothing and
 * are re-serialized byte for byte.
 */
import type { HeaderName } from './header-names.ts';
import { splitList } from './lex.ts';

/** Buffer with the fast, undocumented slice decoders Node has had since v0.x. */
export type FastBuffer = Buffer & {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
};

const FOLD = /[ \t]*\r?\n[ \t]+/g;

/** A header line: its name and its (trimmed, unfolded) value. */
export class HeaderEntry {
  /** Name facts (key, wire name, list-ness). */
  readonly h: HeaderName;
  private v: string | undefined;
  /** Source bytes of the value (trimmed) when parsed from the wire and not modified. */
  readonly src: FastBuffer | undefined;
  readonly vs: number;
  readonly ve: number;
  /** True when the source bytes contain folding (CRLF + WSP): then they are not written verbatim. */
  readonly folded: boolean;
  private elems: string[] | undefined;

  constructor(h: HeaderName, value: string | undefined, src?: FastBuffer, vs = 0, ve = 0, folded = false) {
    this.h = h;
    this.v = value;
    this.src = src;
    this.vs = vs;
    this.ve = ve;
    this.folded = folded;
    this.elems = undefined;
  }

  /** The whole value: folding unfolded to one SP, trimmed, UTF-8 decoded. */
  text(): string {
    let v = this.v;
    if (v === undefined) {
      v = this.src!.utf8Slice(this.vs, this.ve);
      if (this.folded) v = v.replace(FOLD, ' ');
      this.v = v;
    }
    return v;
  }

  /** The elements of a list header (top-level commas), or the one value of any other header. */
  elements(): string[] {
    let e = this.elems;
    if (e === undefined) {
      const t = this.text();
      e = this.h.list ? (t.indexOf(',') >= 0 ? splitList(t) : t.length > 0 ? [t] : []) : [t];
      this.elems = e;
    }
    return e;
  }

  /** First element (list headers) or whole value; `undefined` for an empty list line. */
  first(): string | undefined {
    if (!this.h.list) return this.text();
    const e = this.elements();
    return e.length > 0 ? e[0] : undefined;
  }

  /** Drops the decoded text of a value read from the wire (it is decoded again from the bytes on use). */
  shed(): void {
    if (this.src === undefined) return;
    this.v = undefined;
    this.elems = undefined;
  }

  /** A copy sharing the (immutable) source bytes. */
  clone(): HeaderEntry {
    return new HeaderEntry(this.h, this.v, this.src, this.vs, this.ve, this.folded);
  }
}
