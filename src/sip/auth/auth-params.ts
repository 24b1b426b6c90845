/**
 * Parsing and formatting of one challenge or credentials header value (RFC 3261 §25 `challenge` /
 * `credentials`, RFC 7616 §3.3/§3.4, RFC 7235 §2.1): `scheme` followed by comma-separated
 * `name=value` auth-params whose values are tokens or quoted-strings. Works on header value strings
 * only, so it does not depend on the message classes. Never throws on input from the network.
 */

/** Why a header value could not be parsed. */
export type AuthParseError =
  /** Nothing but whitespace. */
  | 'empty'
  /** Not `scheme *(auth-param)`: bad name, missing `=`, unterminated quote, control character… */
  | 'malformed'
  /** The same auth-param name twice (RFC 7616 §3.3/§3.4: each directive at most once). */
  | 'duplicate-param';

/** The result of {@link parseAuthValue}. */
export type AuthParseResult =
  | {
      ok: true;
      /** The scheme as written (compare case-insensitively, e.g. with {@link isDigestScheme}). */
      scheme: string;
      /** Auth-params: names lower-cased, values unquoted with quoted-pairs resolved. */
      params: Map<string, string>;
    }
  | {
      ok: false;
      error: AuthParseError;
      /** The scheme when it could be read, so an unknown scheme is reported as such even if its
       * parameters are not auth-params (RFC 4475 §3.3.7 `regaut01`, RFC 7235 token68). */
      scheme: string | undefined;
      /** Character offset where parsing stopped. */
      at: number;
    };

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const EQUAL = 61;
const BACKSLASH = 92;
const DEL = 127;

/** RFC 3261 §25 `token` characters: alphanum and `-.!%*_+\`'~`. */
const TOKEN = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
for (const c of "-.!%*_+`'~") TOKEN[c.charCodeAt(0)] = 1;

function isToken(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

function isLws(c: number): boolean {
  return c === SPACE || c === TAB || c === CR || c === LF;
}

function skipLws(s: string, i: number): number {
  while (i < s.length && isLws(s.charCodeAt(i))) i++;
  return i;
}

/** True when `text` is a non-empty RFC 3261 token. */
export function isTokenString(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (!isToken(text.charCodeAt(i))) return false;
  return true;
}

/** True for the `Digest` scheme, compared case-insensitively (RFC 7235 §2.1). */
export function isDigestScheme(scheme: string): boolean {
  return scheme.length === 6 && scheme.toLowerCase() === 'digest';
}

function fail(error: AuthParseError, scheme: string | undefined, at: number): AuthParseResult {
  return { ok: false, error, scheme, at };
}

/**
 * Parses `scheme [LWS auth-param *(COMMA auth-param)]`. LWS (including folded CRLF) is accepted
 * around `=` and `,`; empty list elements are skipped (RFC 7230 §7 `#rule`). Unquoted values are read
 * leniently up to whitespace or a comma (peers send `nonce=abc/def=`); quoted values may contain any
 * character but controls other than HTAB, and folding inside them is replaced by its whitespace.
 */
export function parseAuthValue(text: string): AuthParseResult {
  // One request's credentials are read twice in a row (the throttle wants the username before the
  // digest is verified): the last result is kept. Results are never modified by their users.
  if (text === lastText && lastResult !== undefined) return lastResult;
  const r = parseAuthValueUncached(text);
  lastText = text;
  lastResult = r;
  return r;
}

let lastText = '';
let lastResult: AuthParseResult | undefined;

function parseAuthValueUncached(text: string): AuthParseResult {
  const n = text.length;
  let i = skipLws(text, 0);
  if (i === n) return fail('empty', undefined, i);
  const schemeStart = i;
  while (i < n && isToken(text.charCodeAt(i))) i++;
  if (i === schemeStart) return fail('malformed', undefined, i);
  const scheme = text.slice(schemeStart, i);
  if (i < n && !isLws(text.charCodeAt(i))) return fail('malformed', scheme, i);
  const params = new Map<string, string>();
  while (true) {
    // Skip LWS and empty list elements.
    while (i < n) {
      const c = text.charCodeAt(i);
      if (isLws(c) || c === COMMA) i++;
      else break;
    }
    if (i === n) break;
    const nameStart = i;
    while (i < n && isToken(text.charCodeAt(i))) i++;
    if (i === nameStart) return fail('malformed', scheme, i);
    const name = text.slice(nameStart, i).toLowerCase();
    i = skipLws(text, i);
    if (i === n || text.charCodeAt(i) !== EQUAL) return fail('malformed', scheme, i);
    i = skipLws(text, i + 1);
    if (i === n) return fail('malformed', scheme, i);
    let value: string;
    if (text.charCodeAt(i) === QUOTE) {
      const q = readQuoted(text, i);
      if (q === undefined) return fail('malformed', scheme, i);
      value = q.value;
      i = q.end;
    } else {
      const valueStart = i;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (isLws(c) || c === COMMA) break;
        if (c === QUOTE || c < SPACE || c === DEL) return fail('malformed', scheme, i);
        i++;
      }
      value = text.slice(valueStart, i);
    }
    if (params.has(name)) return fail('duplicate-param', scheme, nameStart);
    params.set(name, value);
    i = skipLws(text, i);
    if (i < n && text.charCodeAt(i) !== COMMA) return fail('malformed', scheme, i);
  }
  return { ok: true, scheme, params };
}

/** Reads a quoted-string starting at the opening quote; `undefined` if it is not well formed. */
function readQuoted(s: string, start: number): { value: string; end: number } | undefined {
  const n = s.length;
  let i = start + 1;
  let chunkStart = i;
  let out: string | undefined; // built only when an escape or a fold is met
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) {
      const tail = s.slice(chunkStart, i);
      return { value: out === undefined ? tail : out + tail, end: i + 1 };
    }
    if (c === BACKSLASH) {
      // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F): CR and LF cannot be escaped (§25).
      if (i + 1 >= n) return undefined;
      const e = s.charCodeAt(i + 1);
      if (e === CR || e === LF || (e < SPACE && e !== TAB) || e === DEL) return undefined;
      out = (out ?? '') + s.slice(chunkStart, i) + s[i + 1];
      i += 2;
      chunkStart = i;
      continue;
    }
    if (c === CR || c === LF) {
      // Folding (LWS = [*WSP CRLF] 1*WSP) is allowed in qdtext; drop the line break, keep the WSP.
      let j = i;
      if (s.charCodeAt(j) === CR) j++;
      if (s.charCodeAt(j) === LF) j++;
      const w = s.charCodeAt(j);
      if (w !== SPACE && w !== TAB) return undefined;
      out = (out ?? '') + s.slice(chunkStart, i);
      i = j;
      chunkStart = i;
      continue;
    }
    if ((c < SPACE && c !== TAB) || c === DEL) return undefined;
    i++;
  }
  return undefined;
}

/** Whether a header value is a challenge (`WWW-Authenticate`) or credentials (`Authorization`). */
export type AuthValueKind = 'challenge' | 'credentials';

/**
 * Parameters written as tokens, never quoted (RFC 7616 §3.3 challenge, §3.4 credentials; RFC 3261 §25):
 * `algorithm`, `stale`, `charset` and `userhash` in a challenge; `algorithm`, `qop`, `nc` and `userhash`
 * in credentials. In a challenge `qop` is a quoted list (`qop="auth,auth-int"`).
 */
const UNQUOTED: Record<AuthValueKind, ReadonlySet<string>> = {
  challenge: new Set(['algorithm', 'stale', 'charset', 'userhash']),
  credentials: new Set(['algorithm', 'qop', 'nc', 'userhash']),
};

function hasForbiddenControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < SPACE && c !== TAB) || c === DEL) return true;
  }
  return false;
}

/** Writes `"text"`, escaping `"` and `\` as quoted-pairs. */
export function quoteString(text: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE || c === BACKSLASH) {
      out += text.slice(from, i) + '\\';
      from = i;
    }
  }
  return out + text.slice(from) + '"';
}

/**
 * Formats `scheme name=value, …` in the given order. Values are quoted except the directives RFC 7616
 * writes as tokens (see `UNQUOTED`); such a value that is not a token is quoted anyway so the output
 * always parses. Throws `RangeError` on a bad scheme or name, or a value holding CR, LF or another
 * control character (header injection): those are programming errors, not network input.
 */
export function formatAuthValue(
  scheme: string,
  params: Iterable<readonly [name: string, value: string]>,
  kind: AuthValueKind,
): string {
  if (!isTokenString(scheme)) throw new RangeError(`invalid auth scheme ${JSON.stringify(scheme)}`);
  const unquoted = UNQUOTED[kind];
  let out = scheme;
  let first = true;
  for (const [name, value] of params) {
    if (!isTokenString(name)) throw new RangeError(`invalid auth-param name ${JSON.stringify(name)}`);
    if (hasForbiddenControl(value)) throw new RangeError(`control character in auth-param ${name}`);
    out += first ? ' ' : ', ';
    first = false;
    out += name + '=';
    out += unquoted.has(name.toLowerCase()) && isTokenString(value) ? value : quoteString(value);
  }
  return out;
}
