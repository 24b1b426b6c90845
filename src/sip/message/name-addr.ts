/**
 * `name-addr` / `addr-spec` with header parameters (RFC 3261 §20.10, §25.1): From, To, Contact,
 * Route, Record-Route, Reply-To, Refer-To…
 */
import type { NameAddr } from './types.ts';
import { SipParseError } from './errors.ts';
import { TOKEN, formatParams, parseParams, quoteIfNeeded, skipQuoted, unquote } from './lex.ts';

// Module-local aliases: hot loops must not go through module-binding indirections.
const TOK: Uint8Array = TOKEN;
const skipQ = skipQuoted;
const isTokenChar = (c: number): boolean => TOK[c] === 1;
const isWs = (c: number): boolean => c === 32 || c === 9;
import { formatUri, parseUri } from './uri.ts';

/**
 * Parses one name-addr or addr-spec with its header parameters.
 * - `"Display" <uri>;p=v`, `Display Name <uri>`, and (liberal, RFC 4475 §3.1.1.6) `name<uri>`.
 * - Without `<>`, parameters after the URI are header parameters (§20.10), and a URI containing
 *   `?` or `,` is an error (it MUST be enclosed in `<>`, §20).
 * - Unterminated quotes, unquoted non-token display names (`Bell, Alexander`), whitespace inside
 *   `<>` and empty parameters are errors (400).
 */
export function parseNameAddr(text: string): NameAddr {
  const s = text;
  const n = s.length;
  let i = 0;
  while (i < n && isWs(s.charCodeAt(i))) i++;
  let displayName: string | undefined;
  let uriStart: number;
  let uriEnd: number;
  let after: number;
  const c0 = s.charCodeAt(i);
  if (c0 === 34) {
    const e = skipQ(s, i);
    if (e < 0) throw new SipParseError(`unterminated quoted display name in "${clip(s)}"`);
    displayName = unquote(s, i + 1, e - 1);
    i = e;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 60) throw new SipParseError(`expected "<" after display name in "${clip(s)}"`);
    uriStart = i + 1;
  } else {
    const lt = s.indexOf('<', i);
    if (lt >= 0) {
      // display-name = *(token LWS); liberal: no LWS needed before '<'.
      for (let k = i; k < lt; k++) {
        const c = s.charCodeAt(k);
        if (!isTokenChar(c) && !isWs(c) && c < 128) {
          throw new SipParseError(`illegal character in unquoted display name of "${clip(s)}"`);
        }
      }
      const dn = s.slice(i, lt).trim();
      if (dn.length > 0) displayName = dn.replace(/[ \t]+/g, ' ');
      uriStart = lt + 1;
    } else {
      uriStart = -1;
    }
  }
  if (uriStart >= 0) {
    uriEnd = s.indexOf('>', uriStart);
    if (uriEnd < 0) throw new SipParseError(`missing ">" in "${clip(s)}"`);
    after = uriEnd + 1;
  } else {
    // addr-spec: the URI ends at the first ';' (or LWS); what follows are header parameters.
    uriStart = i;
    let k = i;
    while (k < n) {
      const c = s.charCodeAt(k);
      if (c === 59 || isWs(c)) break;
      if (c === 63 || c === 44) {
        throw new SipParseError(`URI with "?" or "," must be enclosed in <> in "${clip(s)}"`);
      }
      k++;
    }
    uriEnd = k;
    after = k;
  }
  const uri = parseUri(s.slice(uriStart, uriEnd));
  const params: Record<string, string | null> = {};
  parseParams(s, after, params, 'name-addr');
  const out: NameAddr = { uri, params };
  if (displayName !== undefined) out.displayName = displayName;
  return out;
}

/**
 * The `tag` header parameter of a From/To value without building the name-addr (the parser's fast
 * path: transactions and dialogs need only the tag). `null` when there is none. Throws
 * {@link SipParseError} on an unterminated quoted string or a `<` without `>` (RFC 4475 quotbal);
 * the rest of the syntax is checked by {@link parseNameAddr} when the full value is needed.
 */
export function scanTag(s: string): string | null {
  const n = s.length;
  let i = 0;
  // 1. skip the display name and the address, up to where header parameters start
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      const e = skipQ(s, i);
      if (e < 0) throw new SipParseError(`unterminated quoted display name in "${clip(s)}"`);
      i = e - 1;
    } else if (c === 60) {
      const gt = s.indexOf('>', i);
      if (gt < 0) throw new SipParseError(`missing ">" in "${clip(s)}"`);
      i = gt + 1;
      break;
    } else if (c === 59) break;
  }
  // 2. header parameters
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      const e = skipQ(s, i);
      if (e < 0) throw new SipParseError(`unterminated quoted parameter in "${clip(s)}"`);
      i = e;
      continue;
    }
    i++;
    if (c !== 59) continue;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (
      i + 3 <= n &&
      (s.charCodeAt(i) | 32) === 116 &&
      (s.charCodeAt(i + 1) | 32) === 97 &&
      (s.charCodeAt(i + 2) | 32) === 103 &&
      (i + 3 === n || !isTokenChar(s.charCodeAt(i + 3)))
    ) {
      i += 3;
      while (i < n && isWs(s.charCodeAt(i))) i++;
      if (i >= n || s.charCodeAt(i) !== 61) return null;
      i++;
      while (i < n && isWs(s.charCodeAt(i))) i++;
      const vs = i;
      while (i < n && isTokenChar(s.charCodeAt(i))) i++;
      return i > vs ? s.slice(vs, i) : null;
    }
  }
  return null;
}

function clip(s: string): string {
  return s.length > 80 ? s.slice(0, 80) + '…' : s;
}

/** Formats a name-addr, always with `<>` (safe for any URI); display names quoted when needed. */
export function formatNameAddr(na: NameAddr): string {
  let out = '';
  if (na.displayName !== undefined && na.displayName.length > 0) out = quoteIfNeeded(na.displayName) + ' ';
  out += '<' + formatUri(na.uri) + '>';
  return out + formatParams(na.params);
}
