/**
 * Character classes and small lexical helpers of RFC 3261 §25.1 shared by the URI, Via, name-addr
 * and message parsers. Tables are indexed by char code, so checks allocate nothing.
 */
import { SipParseError } from './errors.ts';

function table(chars: string, alnum: boolean): Uint8Array {
  const t = new Uint8Array(128);
  if (alnum) {
    for (let c = 48; c <= 57; c++) t[c] = 1;
    for (let c = 65; c <= 90; c++) t[c] = 1;
    for (let c = 97; c <= 122; c++) t[c] = 1;
  }
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

/** `token` characters (§25.1): alphanum and `-.!%*_+`'~`. */
export const TOKEN = table("-.!%*_+`'~", true);
const MARK = "-_.!~*'()";
/** Characters allowed unescaped in a URI user part: unreserved / user-unreserved. */
export const USER_CHARS = table(MARK + '&=+$,;?/', true);
/** Characters allowed unescaped in a URI password. */
export const PASSWORD_CHARS = table(MARK + '&=+$,', true);
/** Characters allowed unescaped in uri-parameter names and values (paramchar). */
export const PARAM_CHARS = table(MARK + '[]/:&+$', true);
/** Characters allowed unescaped in URI header names and values (hnv-unreserved / unreserved). */
export const HEADER_CHARS = table(MARK + '[]/?:+$', true);
/** Host name, IPv4 and IPv6 reference characters. */
export const HOST_CHARS = table('-.[]:_', true);

/** True when `c` is a `token` character. */
export function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

/** SP or HTAB. */
export function isWs(c: number): boolean {
  return c === 32 || c === 9;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * Decodes `%HH` escapes once (never recursively: `%25%34%31` gives `%41`), then UTF-8.
 * A `%` not followed by two hex digits is an error: in URIs it is always an escape (§25.1 `escaped`).
 */
export function unescapeUri(s: string): string {
  if (s.indexOf('%') < 0) return s;
  const out: number[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      const h = i + 2 < n ? hexVal(s.charCodeAt(i + 1)) : -1;
      const l = i + 2 < n ? hexVal(s.charCodeAt(i + 2)) : -1;
      if (h < 0 || l < 0) throw new SipParseError(`bad %-escape in URI component "${s}"`);
      out.push(h * 16 + l);
      i += 3;
    } else if (c < 128) {
      out.push(c);
      i++;
    } else {
      // Non-ASCII text was already decoded from UTF-8: re-encode it before decoding the whole.
      let j = i + 1;
      while (j < n && s.charCodeAt(j) >= 128) j++;
      for (const b of Buffer.from(s.slice(i, j), 'utf8')) out.push(b);
      i = j;
    }
  }
  return Buffer.from(out).toString('utf8');
}

const HEX = '0123456789ABCDEF';

/** `%HH`-escapes every UTF-8 byte of `s` not allowed by `allowed` (one of the tables above). */
export function escapeUri(s: string, allowed: Uint8Array): string {
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || allowed[c] !== 1) break;
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (const b of Buffer.from(s.slice(i), 'utf8')) {
    if (b < 128 && allowed[b] === 1) out += String.fromCharCode(b);
    else out += '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/**
 * Index just after the closing quote of the quoted-string starting at `s[i] === '"'` (quoted-pairs
 * skipped), or -1 when unterminated.
 */
export function skipQuoted(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 92) j++;
    else if (c === 34) return j + 1;
  }
  return -1;
}

/** Content of a quoted-string (without the quotes) with quoted-pairs resolved. */
export function unquote(s: string, start: number, end: number): string {
  let out = '';
  let last = start;
  for (let j = start; j < end; j++) {
    if (s.charCodeAt(j) === 92) {
      out += s.slice(last, j);
      last = j + 1;
      j++;
    }
  }
  return out + s.slice(last, end);
}

/** Quotes a display name when it is not a sequence of tokens separated by single spaces. */
export function quoteIfNeeded(s: string): string {
  let plain = s.length > 0;
  for (let i = 0; i < s.length && plain; i++) {
    const c = s.charCodeAt(i);
    if (c === 32) {
      if (i === 0 || i === s.length - 1 || s.charCodeAt(i - 1) === 32) plain = false;
    } else if (!isTokenChar(c)) plain = false;
  }
  return plain ? s : '"' + s.replace(/["\\]/g, '\\$&') + '"';
}

/**
 * Splits a list header value at top-level commas (never inside quotes or `<>`), trimming each
 * element; empty elements (`a,,b`) are skipped (liberal; §7.3.1 has no empty elements).
 */
export function splitList(v: string): string[] {
  const out: string[] = [];
  let start = 0;
  let angle = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 34) {
      const e = skipQuoted(v, i);
      if (e < 0) break; // unterminated quote: rest is one element, its parser reports the error
      i = e - 1;
    } else if (c === 60) angle = true;
    else if (c === 62) angle = false;
    else if (c === 44 && !angle) {
      const el = v.slice(start, i).trim();
      if (el.length > 0) out.push(el);
      start = i + 1;
    }
  }
  const el = v.slice(start).trim();
  if (el.length > 0) out.push(el);
  return out;
}

const COMMON_PARAMS = [
  'branch',
  'received',
  'rport',
  'tag',
  'lr',
  'transport',
  'maddr',
  'expires',
  'q',
  'ttl',
  'user',
  'method',
  'alias',
  'ob',
];

/**
 * The lower-case name of the parameter in `s[ns..ne)`: a shared constant for common names written
 * in lower case (no slicing, and V8 stores the property under an already internalized key).
 */
function paramName(s: string, ns: number, ne: number): string {
  const n = ne - ns;
  for (let k = 0; k < COMMON_PARAMS.length; k++) {
    const p = COMMON_PARAMS[k];
    if (p.length === n && s.startsWith(p, ns)) return p;
  }
  return s.slice(ns, ne).toLowerCase();
}

/**
 * Parses `*( SEMI param )` header/Via parameters starting at `s[i]` (which must be `;` or the end).
 * Names lower-cased; values as written (quoted values keep their quotes); `null` when valueless.
 * LWS around `;` and `=` is allowed (§25.1 SEMI, EQUAL). Throws on empty or non-token names.
 */
export function parseParams(s: string, i: number, into: Record<string, string | null>, what: string): void {
  const n = s.length;
  while (i < n) {
    let c = s.charCodeAt(i);
    if (isWs(c)) {
      i++;
      continue;
    }
    if (c !== 59) throw new SipParseError(`unexpected "${s[i]}" in ${what} parameters`);
    i++;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    const ns = i;
    while (i < n && isTokenChar(s.charCodeAt(i))) i++;
    if (i === ns) throw new SipParseError(`empty parameter in ${what}`);
    const name = paramName(s, ns, i);
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i < n && s.charCodeAt(i) === 61) {
      i++;
      while (i < n && isWs(s.charCodeAt(i))) i++;
      const vs = i;
      c = s.charCodeAt(i);
      if (c === 34) {
        const e = skipQuoted(s, i);
        if (e < 0) throw new SipParseError(`unterminated quoted parameter value in ${what}`);
        i = e;
      } else if (c === 91) {
        // IPv6 reference as a value (received=[::1])
        while (i < n && s.charCodeAt(i) !== 93) i++;
        if (i === n) throw new SipParseError(`unterminated IPv6 reference in ${what}`);
        i++;
      } else {
        while (i < n) {
          c = s.charCodeAt(i);
          if (!(isTokenChar(c) || c === 58 || c >= 128)) break;
          i++;
        }
      }
      if (i === vs) throw new SipParseError(`empty value for parameter ${name} in ${what}`);
      into[name] = s.slice(vs, i);
    } else {
      into[name] = null;
    }
  }
}

/** Writes `;name=value` / `;name` for each parameter. */
export function formatParams(params: Record<string, string | null>): string {
  let out = '';
  for (const k in params) {
    const v = params[k];
    out += v === null || v === undefined ? ';' + k : ';' + k + '=' + v;
  }
  return out;
}
