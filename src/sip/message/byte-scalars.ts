/**
 * Parser fast paths reading small scalars straight from the message bytes, so the common case
 * (`CSeq: 1 INVITE`, `Max-Forwards: 70`, `Content-Type: application/sdp`, a known method) costs
 * no string decoding. Each returns `undefined` when the bytes are not the simple common form; the
 * caller then falls back to the string parsers of `header-values.ts`, which report errors.
 */
import type { CSeq } from './types.ts';
import { KNOWN_METHOD_LIST } from './methods.ts';

const KNOWN_METHODS = KNOWN_METHOD_LIST;
const METHOD_BYTES = KNOWN_METHODS.map((m) => Buffer.from(m, 'latin1'));

function same(b: Uint8Array, s: number, e: number, word: Uint8Array): boolean {
  if (e - s !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (b[s + i] !== word[i]) return false;
  return true;
}

/** The interned string of a known method spelled exactly (case-sensitive, §7.1) in `b[s..e)`. */
export function knownMethodAt(b: Uint8Array, s: number, e: number): string | undefined {
  for (let i = 0; i < METHOD_BYTES.length; i++) if (same(b, s, e, METHOD_BYTES[i])) return KNOWN_METHODS[i];
  return undefined;
}

/** `1*DIGIT SP known-method` without folding or oddities; `undefined` otherwise. */
export function cseqAt(b: Uint8Array, s: number, e: number): CSeq | undefined {
  let i = s;
  let seq = 0;
  while (i < e) {
    const c = b[i];
    if (c < 48 || c > 57) break;
    seq = seq * 10 + (c - 48);
    i++;
  }
  if (i === s || i - s > 10 || i >= e || b[i] !== 32) return undefined;
  i++;
  const method = knownMethodAt(b, i, e);
  return method === undefined ? undefined : { seq, method };
}

/** `1*3DIGIT` up to 255; `undefined` otherwise. */
export function maxForwardsAt(b: Uint8Array, s: number, e: number): number | undefined {
  if (e - s > 3 || e === s) return undefined;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
  }
  return v > 255 ? undefined : v;
}

const SDP = 'application/sdp';
const SDP_BYTES = Buffer.from(SDP, 'latin1');

/** `application/sdp` in any case and without parameters; `undefined` otherwise. */
export function contentTypeAt(b: Uint8Array, s: number, e: number): string | undefined {
  if (e - s !== SDP_BYTES.length) return undefined;
  for (let i = 0; i < SDP_BYTES.length; i++) {
    let c = b[s + i];
    if (c >= 65 && c <= 90) c += 32;
    if (c !== SDP_BYTES[i]) return undefined;
  }
  return SDP;
}
