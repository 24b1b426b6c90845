/**
 * Header names: canonical long forms, compact forms (RFC 3261 §7.3.3 and the IANA registry),
 * which headers are comma-separated lists (§7.3.1), and allocation-free identification of a
 * name straight from the bytes of a message.
 */

/** Ids of the headers the parser handles eagerly (0 for every other header). */
export const H_OTHER = 0;
export const H_VIA = 1;
export const H_CSEQ = 2;
export const H_CALL_ID = 3;
export const H_FROM = 4;
export const H_TO = 5;
export const H_MAX_FORWARDS = 6;
export const H_CONTENT_LENGTH = 7;
export const H_CONTENT_TYPE = 8;

/** What is known about a header name. */
export interface HeaderName {
  /** Lower-case long name: the key used for lookups. */
  readonly key: string;
  /** Name written on the wire (canonical casing for known headers, as received otherwise). */
  readonly name: string;
  /** True for headers whose values are comma-separated lists (§7.3.1). */
  readonly list: boolean;
  /** Eager-parse id (`H_*`). */
  readonly id: number;
  /** Bytes of `name + ': '`, what the serializer writes before the value. */
  readonly prefix: Uint8Array;
}

function makeName(key: string, name: string, list: boolean, id: number): HeaderName {
  return Object.freeze({ key, name, list, id, prefix: Buffer.from(name + ': ', 'latin1') });
}

const KNOWN: Array<[string, boolean, string?]> = [
  // [canonical name, is list, compact form]
  ['Accept', true],
  ['Accept-Contact', true, 'a'],
  ['Accept-Encoding', true],
  ['Accept-Language', true],
  ['Alert-Info', true],
  ['Allow', true],
  ['Allow-Events', true, 'u'],
  ['Authentication-Info', false],
  ['Authorization', false],
  ['Call-ID', false, 'i'],
  ['Call-Info', true],
  ['Contact', true, 'm'],
  ['Content-Disposition', false],
  ['Content-Encoding', true, 'e'],
  ['Content-Language', true],
  ['Content-Length', false, 'l'],
  ['Content-Type', false, 'c'],
  ['CSeq', false],
  ['Date', false],
  ['Error-Info', true],
  ['Event', false, 'o'],
  ['Expires', false],
  ['From', false, 'f'],
  ['History-Info', true],
  ['Identity', false, 'y'],
  ['In-Reply-To', true],
  ['Max-Forwards', false],
  ['MIME-Version', false],
  ['Min-Expires', false],
  ['Min-SE', false],
  ['Organization', false],
  ['P-Asserted-Identity', true],
  ['P-Preferred-Identity', true],
  ['Path', true],
  ['Priority', false],
  ['Privacy', false],
  ['Proxy-Authenticate', false],
  ['Proxy-Authorization', false],
  ['Proxy-Require', true],
  ['RAck', false],
  ['Reason', true],
  ['Record-Route', true],
  ['Refer-To', false, 'r'],
  ['Referred-By', false, 'b'],
  ['Reject-Contact', true, 'j'],
  ['Replaces', false],
  ['Reply-To', false],
  ['Request-Disposition', true, 'd'],
  ['Require', true],
  ['Retry-After', false],
  ['Route', true],
  ['RSeq', false],
  ['Security-Client', true],
  ['Security-Server', true],
  ['Security-Verify', true],
  ['Server', false],
  ['Service-Route', true],
  ['Session-Expires', false, 'x'],
  ['SIP-ETag', false],
  ['SIP-If-Match', false],
  ['Subject', false, 's'],
  ['Subscription-State', false],
  ['Supported', true, 'k'],
  ['Timestamp', false],
  ['To', false, 't'],
  ['Unsupported', true],
  ['User-Agent', false],
  ['Via', true, 'v'],
  ['Warning', true],
  ['WWW-Authenticate', false],
];

const EAGER: Record<string, number> = {
  via: H_VIA,
  cseq: H_CSEQ,
  'call-id': H_CALL_ID,
  from: H_FROM,
  to: H_TO,
  'max-forwards': H_MAX_FORWARDS,
  'content-length': H_CONTENT_LENGTH,
  'content-type': H_CONTENT_TYPE,
};

/** key (lower-case long name or compact letter) → HeaderName */
const BY_KEY = new Map<string, HeaderName>();
/**
 * Open-addressing table: slot = hash & MASK, linear probing; SLOT_HASH holds the full hash and
 * SLOT_INDEX the candidate index + 1 (0 = empty). Faster than a Map on the parser's hot path.
 */
const TABLE_BITS = 9;
const MASK = (1 << TABLE_BITS) - 1;
const SLOT_HASH = new Int32Array(1 << TABLE_BITS);
const SLOT_INDEX = new Int32Array(1 << TABLE_BITS);
const CANDIDATES: Array<{ bytes: Uint8Array; h: HeaderName }> = [];

/** Hash of a lower-case name; {@link knownHeaderByHash} callers compute the same over bytes. */
function hashStr(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

function addHash(lower: string, h: HeaderName): void {
  const k = hashStr(lower);
  CANDIDATES.push({ bytes: Buffer.from(lower, 'latin1'), h });
  let slot = k & MASK;
  while (SLOT_INDEX[slot] !== 0) slot = (slot + 1) & MASK;
  SLOT_HASH[slot] = k;
  SLOT_INDEX[slot] = CANDIDATES.length;
}

for (const [name, list, compact] of KNOWN) {
  const key = name.toLowerCase();
  const h = makeName(key, name, list, EAGER[key] ?? H_OTHER);
  BY_KEY.set(key, h);
  addHash(key, h);
  if (compact !== undefined) {
    BY_KEY.set(compact, h);
    addHash(compact, h);
  }
}

const CACHE_LIMIT = 512;
const unknownCache = new Map<string, HeaderName>();

/**
 * Resolves a header name given by code (`'v'`, `'call-id'`, `'WWW-Authenticate'`…) to its
 * {@link HeaderName}; unknown names keep the spelling given.
 */
export function headerName(name: string): HeaderName {
  let h = BY_KEY.get(name);
  if (h !== undefined) return h;
  h = unknownCache.get(name);
  if (h !== undefined) return h;
  const lower = name.toLowerCase();
  h = BY_KEY.get(lower) ?? makeName(lower, name, false, H_OTHER);
  if (unknownCache.size >= CACHE_LIMIT) unknownCache.clear();
  unknownCache.set(name, h);
  return h;
}

/**
 * Identifies a known header name from `buf[start..end)` without allocating, given the hash the
 * parser computed while scanning the name: `h = (Math.imul(h, 31) + lowerCaseByte) | 0` over the
 * name bytes, from 0. A table probe, then a byte compare. `undefined` for unknown names.
 */
export function knownHeaderByHash(
  buf: Uint8Array,
  start: number,
  end: number,
  h: number,
): HeaderName | undefined {
  const n = end - start;
  for (let slot = h & MASK; ; slot = (slot + 1) & MASK) {
    const idx = SLOT_INDEX[slot];
    if (idx === 0) return undefined;
    if (SLOT_HASH[slot] !== h) continue;
    const cand = CANDIDATES[idx - 1];
    const b = cand.bytes;
    if (b.length !== n) continue;
    let k = 0;
    for (; k < n; k++) {
      let c = buf[start + k];
      if (c >= 65 && c <= 90) c += 32;
      if (c !== b[k]) break;
    }
    if (k === n) return cand.h;
  }
}
