/**
 * SIP/SIPS URI parsing, formatting and comparison (RFC 3261 §19.1, grammar §25.1). Other schemes
 * (tel, http, urn, soap.beep…) are kept opaque: the core routes on them only through the UA, which
 * answers 416 (§8.2.2.1).
 */
import type { Uri } from './types.ts';
import { SipParseError } from './errors.ts';
import {
  HEADER_CHARS,
  HOST_CHARS,
  PARAM_CHARS,
  PASSWORD_CHARS,
  USER_CHARS,
  escapeUri,
  unescapeUri,
} from './lex.ts';

function bad(text: string, why: string): SipParseError {
  return new SipParseError(`bad URI "${text.length > 80 ? text.slice(0, 80) + '…' : text}": ${why}`);
}

function isSchemeChar(c: number, first: boolean): boolean {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return true;
  if (first) return false;
  return (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
}

/**
 * Parses a URI. `sip`/`sips`: user, password, host, port, parameters and headers, each component
 * `%HH`-unescaped exactly once. Other schemes: `opaque` holds everything after `scheme:`.
 * Throws {@link SipParseError} (400) on whitespace, `<>`, bad escapes, empty hosts or bad ports.
 */
export function parseUri(text: string): Uri {
  const n = text.length;
  let i = 0;
  while (i < n && isSchemeChar(text.charCodeAt(i), i === 0)) i++;
  if (i === 0 || i >= n || text.charCodeAt(i) !== 58) throw bad(text, 'no scheme');
  const scheme = text.slice(0, i).toLowerCase();
  const rest = i + 1;
  for (let j = rest; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c <= 32 || c === 127 || c === 60 || c === 62 || c === 34) throw bad(text, 'illegal character');
  }
  if (scheme !== 'sip' && scheme !== 'sips') {
    if (rest === n) throw bad(text, 'empty');
    return { scheme, host: '', params: {}, headers: {}, opaque: text.slice(rest) };
  }
  // userinfo ends at the first '@': '@' is never legal unescaped in user, password, host, params or headers.
  const at = text.indexOf('@', rest);
  const uri: Uri = { scheme, host: '', params: {}, headers: {} };
  let h = rest;
  if (at >= 0) {
    const colon = text.indexOf(':', rest);
    if (colon >= 0 && colon < at) {
      uri.user = checked(text, rest, colon, USER_CHARS, 'user');
      uri.password = checked(text, colon + 1, at, PASSWORD_CHARS, 'password');
    } else {
      uri.user = checked(text, rest, at, USER_CHARS, 'user');
    }
    h = at + 1;
  }
  // hostport
  let e = h;
  if (e < n && text.charCodeAt(e) === 91) {
    const close = text.indexOf(']', e);
    if (close < 0) throw bad(text, 'unterminated IPv6 reference');
    e = close + 1;
  } else {
    while (e < n) {
      const c = text.charCodeAt(e);
      if (c === 58 || c === 59 || c === 63) break;
      if (c >= 128 || HOST_CHARS[c] !== 1 || c === 91 || c === 93) throw bad(text, 'illegal host character');
      e++;
    }
  }
  if (e === h) throw bad(text, 'empty host');
  uri.host = text.slice(h, e);
  if (e < n && text.charCodeAt(e) === 58) {
    let p = 0;
    let k = e + 1;
    while (k < n) {
      const c = text.charCodeAt(k);
      if (c < 48 || c > 57) break;
      p = p * 10 + (c - 48);
      if (p > 65535) throw bad(text, 'port out of range');
      k++;
    }
    if (k === e + 1) throw bad(text, 'empty port');
    uri.port = p;
    e = k;
  }
  // uri-parameters
  while (e < n && text.charCodeAt(e) === 59) {
    let k = e + 1;
    while (k < n) {
      const c = text.charCodeAt(k);
      if (c === 59 || c === 63) break;
      k++;
    }
    const eq = text.indexOf('=', e + 1);
    if (eq >= 0 && eq < k) {
      const name = checked(text, e + 1, eq, PARAM_CHARS, 'parameter').toLowerCase();
      if (name.length === 0) throw bad(text, 'empty parameter name');
      uri.params[name] = checked(text, eq + 1, k, PARAM_CHARS, 'parameter');
    } else {
      const name = checked(text, e + 1, k, PARAM_CHARS, 'parameter').toLowerCase();
      if (name.length === 0) throw bad(text, 'empty parameter');
      uri.params[name] = null;
    }
    e = k;
  }
  if (e < n) {
    if (text.charCodeAt(e) !== 63) throw bad(text, 'unexpected character after host');
    let k = e + 1;
    while (k <= n) {
      let m = text.indexOf('&', k);
      if (m < 0) m = n;
      const eq = text.indexOf('=', k);
      if (eq < 0 || eq > m) throw bad(text, 'header without "="');
      const name = checked(text, k, eq, HEADER_CHARS, 'header');
      if (name.length === 0) throw bad(text, 'empty header name');
      uri.headers[name] = checked(text, eq + 1, m, HEADER_CHARS, 'header');
      k = m + 1;
    }
  }
  return uri;
}

function checked(text: string, s: number, e: number, allowed: Uint8Array, what: string): string {
  for (let k = s; k < e; k++) {
    const c = text.charCodeAt(k);
    // Liberal: non-ASCII (already UTF-8 decoded) is accepted and re-escaped on output.
    if (c < 128 && allowed[c] !== 1 && c !== 37) throw bad(text, `illegal character in ${what}`);
  }
  return unescapeUri(text.slice(s, e));
}

/** Formats a URI, escaping each component as needed (§19.1.2). */
export function formatUri(u: Uri): string {
  if (u.scheme !== 'sip' && u.scheme !== 'sips') {
    if (u.opaque === undefined) throw new SipParseError(`URI of scheme ${u.scheme} without opaque part`);
    return u.scheme + ':' + u.opaque;
  }
  let out = u.scheme + ':';
  if (u.user !== undefined) {
    out += escapeUri(u.user, USER_CHARS);
    if (u.password !== undefined) out += ':' + escapeUri(u.password, PASSWORD_CHARS);
    out += '@';
  }
  out += u.host;
  if (u.port !== undefined) out += ':' + u.port;
  for (const k in u.params) {
    const v = u.params[k];
    out += ';' + escapeUri(k, PARAM_CHARS);
    if (v !== null && v !== undefined) out += '=' + escapeUri(v, PARAM_CHARS);
  }
  let sep = '?';
  for (const k in u.headers) {
    out += sep + escapeUri(k, HEADER_CHARS) + '=' + escapeUri(u.headers[k], HEADER_CHARS);
    sep = '&';
  }
  return out;
}

/** Parameters that, present in either URI, must be present and equal in both (§19.1.4). */
const STRICT_PARAMS = ['user', 'ttl', 'method', 'maddr', 'transport'];

function ieq(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * URI equality by RFC 3261 §19.1.4: same scheme; user and password compared case-sensitively on
 * unescaped text; host case-insensitively; ports equal (absent ≠ 5060); `user`, `ttl`, `method`,
 * `maddr`, `transport` must match when either has them; other parameters only when both have them;
 * header components must match exactly as sets. Other schemes: scheme and opaque text.
 */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.scheme !== b.scheme) return false;
  if (a.scheme !== 'sip' && a.scheme !== 'sips') return a.opaque === b.opaque;
  if (a.user !== b.user || a.password !== b.password) return false;
  if (a.host.toLowerCase() !== b.host.toLowerCase() || a.port !== b.port) return false;
  for (const k of STRICT_PARAMS) {
    const inA = k in a.params;
    if (inA !== k in b.params) return false;
    if (inA && !ieq(a.params[k], b.params[k])) return false;
  }
  for (const k in a.params) {
    if (k in b.params && !ieq(a.params[k], b.params[k])) return false;
  }
  const ha = Object.keys(a.headers);
  if (ha.length !== Object.keys(b.headers).length) return false;
  for (const k of ha) {
    let found = false;
    for (const kb in b.headers) {
      if (kb.toLowerCase() === k.toLowerCase()) {
        if (b.headers[kb] !== a.headers[k]) return false;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}
