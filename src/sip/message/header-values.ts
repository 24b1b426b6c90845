/** Parsers of the scalar header values the message exposes as typed views (CSeq, Max-Forwards, Content-Type). */
import type { CSeq, NameAddr } from './types.ts';
import { SipParseError } from './errors.ts';
import { TOKEN } from './lex.ts';

const TOK: Uint8Array = TOKEN;
const isTokenChar = (c: number): boolean => TOK[c] === 1;
const isWs = (c: number): boolean => c === 32 || c === 9;
import { parseNameAddr } from './name-addr.ts';

/** Largest CSeq number (§8.1.1.5: a 32-bit unsigned integer). */
export const MAX_CSEQ = 0xffffffff;

/**
 * `CSeq: 1*DIGIT LWS Method` (§20.16). Leading zeros accepted (`0009`). Numbers above 2^32-1
 * are NOT rejected here: requests get 400 from `validateRequest`, responses are dropped by the
 * parser (RFC 4475 §3.1.2.4/§3.1.2.5); digits beyond 16 make the number `Infinity`.
 */
export function parseCSeq(v: string): CSeq {
  const n = v.length;
  let i = 0;
  while (i < n && isWs(v.charCodeAt(i))) i++;
  const ds = i;
  let seq = 0;
  while (i < n) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) break;
    seq = seq * 10 + (c - 48);
    i++;
  }
  if (i === ds) throw new SipParseError(`bad CSeq "${v}": no number`);
  if (i - ds > 16) seq = Infinity;
  const ws = i;
  while (i < n && isWs(v.charCodeAt(i))) i++;
  if (i === ws) throw new SipParseError(`bad CSeq "${v}": no method`);
  const ms = i;
  while (i < n && isTokenChar(v.charCodeAt(i))) i++;
  if (i === ms) throw new SipParseError(`bad CSeq "${v}": no method`);
  const method = v.slice(ms, i);
  while (i < n && isWs(v.charCodeAt(i))) i++;
  if (i !== n) throw new SipParseError(`bad CSeq "${v}": trailing characters`);
  return { seq, method };
}

/**
 * Max-Forwards (§20.22): 1*DIGIT. Values above 255 are treated as absent (liberal, RFC 4475
 * §3.1.2.4); anything that is not digits is an error.
 */
export function parseMaxForwards(v: string): number | undefined {
  const n = v.length;
  if (n === 0) throw new SipParseError('empty Max-Forwards');
  let x = 0;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) throw new SipParseError(`bad Max-Forwards "${v}"`);
    if (x <= 255) x = x * 10 + (c - 48);
  }
  return x > 255 ? undefined : x;
}

/** Content-Type (§20.15): lower-case `type/subtype` without parameters; LWS around `/` removed. */
export function parseContentType(v: string): string {
  // Fast path: already `type/subtype` in lower case, no parameters, no LWS.
  let slashes = 0;
  let i = 0;
  for (; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 47) slashes++;
    else if (TOK[c] !== 1 || (c >= 65 && c <= 90)) break;
  }
  if (i === v.length && slashes === 1 && v.charCodeAt(0) !== 47 && v.charCodeAt(i - 1) !== 47) return v;
  let end = v.indexOf(';');
  if (end < 0) end = v.length;
  const slash = v.indexOf('/');
  if (slash < 0 || slash > end) throw new SipParseError(`bad Content-Type "${v}"`);
  const type = v.slice(0, slash).trim();
  const sub = v.slice(slash + 1, end).trim();
  for (const part of [type, sub]) {
    if (part.length === 0) throw new SipParseError(`bad Content-Type "${v}"`);
    for (let i = 0; i < part.length; i++) {
      if (!isTokenChar(part.charCodeAt(i))) throw new SipParseError(`bad Content-Type "${v}"`);
    }
  }
  return (type + '/' + sub).toLowerCase();
}

/**
 * A Contact value: a name-addr, or the wildcard `*` (§10.2.2), returned as a NameAddr whose URI
 * scheme is `*` (host empty) so a registrar can recognise it.
 */
export function parseContactValue(v: string): NameAddr {
  if (v === '*') return { uri: { scheme: '*', host: '', params: {}, headers: {} }, params: {} };
  return parseNameAddr(v);
}
