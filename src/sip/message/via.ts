/** Via header values (RFC 3261 §20.42, grammar §25.1 `via-parm`). */
import type { Via } from './types.ts';
import { SipParseError } from './errors.ts';
import { HOST_CHARS, TOKEN, formatParams, parseParams } from './lex.ts';

// Module-local aliases: hot loops must not go through module-binding indirections.
const TOK: Uint8Array = TOKEN;
const HOSTC: Uint8Array = HOST_CHARS;
const params_ = parseParams;

const TRANSPORTS = ['UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS'];

/** Upper-case transport; a shared constant for the common ones. */
function transportName(s: string, ts: number, te: number): string {
  const n = te - ts;
  for (let k = 0; k < TRANSPORTS.length; k++) {
    const t = TRANSPORTS[k];
    if (t.length !== n) continue;
    let j = 0;
    while (j < n && (s.charCodeAt(ts + j) & 0xdf) === t.charCodeAt(j)) j++;
    if (j === n) return t;
  }
  return s.slice(ts, te).toUpperCase();
}

function bad(text: string, why: string): SipParseError {
  return new SipParseError(`bad Via "${text.length > 80 ? text.slice(0, 80) + '…' : text}": ${why}`);
}

function skipWs(s: string, i: number, n: number): number {
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

function skipToken(s: string, i: number, n: number): number {
  while (i < n && TOK[s.charCodeAt(i)] === 1) i++;
  return i;
}

/**
 * Parses one Via value: `sent-protocol LWS sent-by *(SEMI via-params)`. LWS is allowed around the
 * `/` of sent-protocol and around `;`/`=` (SLASH, SEMI, EQUAL of §25.1). Transport upper-cased,
 * protocol kept as `name/version` without the LWS. Parameter values are kept as written (a `%` in
 * a branch is a token character, not an escape).
 */
export function parseVia(text: string): Via {
  const s = text;
  const n = s.length;
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport
  let i = skipWs(s, 0, n);
  const p1 = i;
  i = skipToken(s, i, n);
  const p1e = i;
  i = skipWs(s, i, n);
  if (p1e === p1 || s.charCodeAt(i) !== 47) throw bad(s, 'bad sent-protocol');
  i = skipWs(s, i + 1, n);
  const p2 = i;
  i = skipToken(s, i, n);
  const p2e = i;
  i = skipWs(s, i, n);
  if (p2e === p2 || s.charCodeAt(i) !== 47) throw bad(s, 'bad sent-protocol');
  i = skipWs(s, i + 1, n);
  const ts = i;
  i = skipToken(s, i, n);
  if (i === ts) throw bad(s, 'missing transport');
  const transport = transportName(s, ts, i);
  const hs0 = i;
  i = skipWs(s, i, n);
  if (i === hs0) throw bad(s, 'missing LWS before sent-by');
  // sent-by = host [ COLON port ]
  const hs = i;
  if (s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close < 0) throw bad(s, 'unterminated IPv6 reference');
    i = close + 1;
  } else {
    while (i < n) {
      const c = s.charCodeAt(i);
      if (HOSTC[c] !== 1 || c === 58 || c === 91 || c === 93) break;
      i++;
    }
  }
  if (i === hs) throw bad(s, 'missing sent-by host');
  const protocol =
    p2 === p1 + 4 && p2e === p1 + 7 && s.startsWith('SIP/2.0', p1)
      ? 'SIP/2.0'
      : s.slice(p1, p1e) + '/' + s.slice(p2, p2e);
  const via: Via = { protocol, transport, host: s.slice(hs, i), params: {} };
  let k = skipWs(s, i, n);
  if (k < n && s.charCodeAt(k) === 58) {
    k = skipWs(s, k + 1, n);
    let p = 0;
    const ps = k;
    while (k < n) {
      const c = s.charCodeAt(k);
      if (c < 48 || c > 57) break;
      p = p * 10 + (c - 48);
      if (p > 65535) throw bad(s, 'port out of range');
      k++;
    }
    if (k === ps) throw bad(s, 'empty port');
    via.port = p;
    i = k;
  }
  params_(s, i, via.params, 'Via');
  return via;
}

/** Formats a Via value: `SIP/2.0/UDP host:port;branch=…`. */
export function formatVia(v: Via): string {
  let out = v.protocol + '/' + v.transport + ' ' + v.host;
  if (v.port !== undefined) out += ':' + v.port;
  return out + formatParams(v.params);
}
