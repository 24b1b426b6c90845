/** A SIP request (RFC 3261 §7.1). */
import type { Uri } from './types.ts';
import type { FastBuffer } from './header-entry.ts';
import { SipMessage, checkValue } from './message.ts';
import { TOKEN } from './lex.ts';
import { formatUri, parseUri } from './uri.ts';

const TOK: Uint8Array = TOKEN;

function checkMethod(m: string): string {
  // §25.1: Method = token. Anything else would corrupt the Request-Line on the wire.
  let ok = m.length > 0;
  for (let i = 0; ok && i < m.length; i++) ok = TOK[m.charCodeAt(i)] === 1;
  if (!ok) throw new TypeError(`bad method "${m}"`);
  return m;
}

/** A SIP request (§7.1). */
export class SipRequest extends SipMessage {
  readonly kind = 'request' as const;
  private _method: string;
  private _uriText: string | undefined;
  private _uri: Uri | undefined;
  /** @internal where a parsed Request-URI lies in the source Buffer (decoded on first use) */
  _uriSrc: FastBuffer | undefined = undefined;
  /** @internal */
  _uriStart = 0;
  /** @internal */
  _uriEnd = 0;

  /**
   * @param uri Request-URI, parsed or as text (text is parsed on first use of {@link uri}).
   * @param headers `[name, value]` pairs in wire order; names may be compact or any case.
   */
  constructor(method: string, uri: Uri | string, headers?: Array<[string, string]>, body?: Buffer | string) {
    super();
    this._method = checkMethod(method);
    if (typeof uri === 'string') {
      checkValue('Request-URI', uri);
      this._uriText = uri;
      this._uri = undefined;
    } else {
      this._uriText = formatUri(uri);
      this._uri = uri;
    }
    this.initHeaders(headers, body);
  }

  /** Method as received (case-sensitive, §7.1). Setting a non-token value throws TypeError. */
  get method(): string {
    return this._method;
  }
  set method(m: string) {
    this._method = checkMethod(m);
  }

  /** The Request-URI, parsed on first use (throws SipParseError when malformed). Assign to change it. */
  get uri(): Uri {
    if (this._uri === undefined) this._uri = parseUri(this.uriText);
    return this._uri;
  }
  set uri(u: Uri) {
    this._uriText = formatUri(u);
    this._uriSrc = undefined;
    this._uri = u;
  }

  /** The Request-URI as text. */
  get uriText(): string {
    let t = this._uriText;
    if (t === undefined) t = this._uriText = this._uriSrc!.utf8Slice(this._uriStart, this._uriEnd);
    return t;
  }
  /** @internal the parser's lazy Request-URI: bytes `src[start..end)`, decoded on first use. */
  _setUriSource(src: FastBuffer, start: number, end: number): void {
    this._uriText = undefined;
    this._uri = undefined;
    this._uriSrc = src;
    this._uriStart = start;
    this._uriEnd = end;
  }

  set uriText(t: string) {
    checkValue('Request-URI', t);
    this._uriText = t;
    this._uriSrc = undefined;
    this._uri = undefined;
  }

  protected override resetCaches(): void {
    super.resetCaches();
    this._uri = undefined;
  }
}
