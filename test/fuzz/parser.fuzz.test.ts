/**
 * Mutation fuzzing of the parser: RFC 4475 messages and realistic ones, mutated (byte flips,
 * insertions, deletions, truncation, duplicated header lines, huge numbers, stray CR/LF). Whatever
 * comes out, parseMessage + validateRequest + every typed view + serialize may throw nothing but
 * SipParseError — and never the parser's internal safety net.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  SipParseError,
  SipRequest,
  parseMessage,
  serialize,
  validateRequest,
} from '../../src/sip/message/index.ts';
import type { SipMessage } from '../../src/sip/message/index.ts';
import { RFC4475_DIR } from '../support/rfc4475.ts';

const corpusDir = RFC4475_DIR;

const realistic = [
  [
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK2d4790.1, SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKx;rport=5070',
    'Max-Forwards: 69',
    'Record-Route: <sip:p1.example.com;lr>',
    'Route: <sip:p2.example.com;lr>',
    'From: "Alice, A" <sip:alice@atlanta.example.com>;tag=9fxced76sl',
    'To: Bob <sip:bob@biloxi.example.com>',
    'Call-ID: 3848276298220188511@atlanta.example.com',
    'CSeq: 1 INVITE',
    'Contact: <sip:alice@client.atlanta.example.com;transport=tcp>;expires=60, *',
    'Content-Type: application/sdp',
    'Content-Length: 13',
    '',
    'v=0\r\ns=-\r\nt=0',
  ],
  [
    'SIP/2.0 200 OK',
    'v: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101',
    'f: <sip:alice@atlanta.example.com>;tag=9fxced76sl',
    't: <sip:bob@biloxi.example.com>;tag=8321234356',
    'i: 3848276298220188511@atlanta.example.com',
    'CSeq: 1 INVITE',
    'm: <sip:bob@192.0.2.4>',
    'l: 0',
    '',
    '',
  ],
  [
    'REGISTER sip:registrar.biloxi.example.com SIP/2.0',
    'Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7',
    'To: Bob <sip:bob@biloxi.example.com>',
    'From: Bob <sip:bob@biloxi.example.com>;tag=456248',
    'Call-ID: 843817637684230@998sdasdh09',
    'CSeq: 1826 REGISTER',
    'Contact: <sip:bob@192.0.2.4>',
    'Authorization: Digest username="bob", realm="biloxi.example.com", nonce="dcd98b", uri="sip:biloxi.example.com", response="6629fa"',
    'Expires: 7200',
    'Content-Length: 0',
    '',
    '',
  ],
].map((l) => Buffer.from(l.join('\r\n')));

function seeds(): Buffer[] {
  assert.ok(existsSync(corpusDir), `RFC 4475 corpus missing: expected it at ${corpusDir}`);
  const files = readdirSync(corpusDir)
    .filter((f) => f.endsWith('.dat'))
    .sort();
  assert.equal(files.length, 49);
  return [...files.map((f) => readFileSync(path.join(corpusDir, f))), ...realistic];
}

type Mutation =
  | { k: 'flip'; at: number; v: number }
  | { k: 'insert'; at: number; bytes: Uint8Array }
  | { k: 'delete'; at: number; n: number }
  | { k: 'truncate'; at: number }
  | { k: 'dupLine'; at: number }
  | { k: 'huge'; at: number; digits: string }
  | { k: 'crlf'; at: number; which: number };

const special = fc.constantFrom(
  ...[0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x3b, 0x2c, 0x22, 0x3c, 0x3e, 0x25, 0x5c, 0x40, 0x3d, 0x00, 0xff, 0xc3],
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    k: fc.constant('flip' as const),
    at: fc.nat(),
    v: fc.oneof(fc.integer({ min: 0, max: 255 }), special),
  }),
  fc.record({
    k: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ k: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ k: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ k: fc.constant('dupLine' as const), at: fc.nat() }),
  fc.record({
    k: fc.constant('huge' as const),
    at: fc.nat(),
    digits: fc.constantFrom(
      '4294967296',
      '99999999999999999999999999',
      '-1',
      '0x10',
      '1e9',
      '00000000000000000001',
      '65536',
    ),
  }),
  fc.record({ k: fc.constant('crlf' as const), at: fc.nat(), which: fc.integer({ min: 0, max: 3 }) }),
);

function apply(buf: Buffer, m: Mutation): Buffer {
  const n = buf.length;
  const at = n === 0 ? 0 : m.at % (n + 1);
  switch (m.k) {
    case 'flip': {
      if (n === 0) return buf;
      const c = Buffer.from(buf);
      c[at % n] = m.v;
      return c;
    }
    case 'insert':
      return Buffer.concat([buf.subarray(0, at), m.bytes, buf.subarray(at)]);
    case 'delete':
      return Buffer.concat([buf.subarray(0, at), buf.subarray(at + m.n)]);
    case 'truncate':
      return buf.subarray(0, at);
    case 'dupLine': {
      const s = buf.lastIndexOf(0x0a, at - 1) + 1;
      let e = buf.indexOf(0x0a, at);
      e = e < 0 ? n : e + 1;
      return Buffer.concat([buf.subarray(0, e), buf.subarray(s, e), buf.subarray(e)]);
    }
    case 'huge': {
      // Replace the digit run at/after `at` (Content-Length, CSeq, ports, status…) with a big number.
      let s = at;
      while (s < n && (buf[s] < 0x30 || buf[s] > 0x39)) s++;
      let e = s;
      while (e < n && buf[e] >= 0x30 && buf[e] <= 0x39) e++;
      return Buffer.concat([buf.subarray(0, s), Buffer.from(m.digits), buf.subarray(e)]);
    }
    case 'crlf':
      return Buffer.concat([
        buf.subarray(0, at),
        Buffer.from(['\r', '\n', '\r\n', '\r\n '][m.which]),
        buf.subarray(at),
      ]);
  }
}

/** Runs `fn`; only SipParseError (and never the internal safety net) may come out. */
function guarded(what: string, fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof SipParseError)) throw new Error(`${what} threw ${String(e)}`, { cause: e });
    if (e.message.startsWith('internal parser error')) throw new Error(`${what}: ${e.message}`);
  }
}

function exercise(m: SipMessage): void {
  const views: Array<[string, () => unknown]> = [
    ['via', () => m.via],
    ['topVia', () => m.topVia],
    ['branch', () => m.branch],
    ['callId', () => m.callId],
    ['cseq', () => m.cseq],
    ['from', () => m.from],
    ['to', () => m.to],
    ['fromTag', () => m.fromTag],
    ['toTag', () => m.toTag],
    ['maxForwards', () => m.maxForwards],
    ['contentType', () => m.contentType],
    ['contact', () => m.contact],
    ['route', () => m.route],
    ['recordRoute', () => m.recordRoute],
  ];
  if (m instanceof SipRequest) {
    views.push(['uri', () => m.uri]);
    const v = validateRequest(m); // must never throw
    assert.ok(v === undefined || v instanceof SipParseError);
  }
  for (const [name, fn] of views) guarded(name, fn);
  m.forEachHeader(() => undefined);
  const out = serialize(m.clone());
  guarded('re-parse', () => parseMessage(out));
}

test('fuzz: mutated messages never throw anything but SipParseError', () => {
  const all = seeds();
  let parsed = 0;
  let rejected = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: all.length - 1 }),
      fc.array(mutation, { minLength: 1, maxLength: 6 }),
      fc.boolean(),
      (i, muts, datagram) => {
        let buf = all[i];
        for (const m of muts) buf = apply(buf, m);
        let msg: SipMessage | undefined;
        try {
          msg = parseMessage(buf, { datagram });
        } catch (e) {
          if (!(e instanceof SipParseError)) throw new Error(`parseMessage threw ${String(e)}`, { cause: e });
          assert.ok(!e.message.startsWith('internal parser error'), e.message);
          assert.ok(Number.isInteger(e.status) && (e.status === 0 || (e.status >= 400 && e.status <= 599)));
          rejected++;
          if (e.partial !== undefined) exercise(e.partial);
          return;
        }
        parsed++;
        exercise(msg);
      },
    ),
    { numRuns: 4000, seed: 4475, interruptAfterTimeLimit: 9000, markInterruptAsFailure: false },
  );
  // The mutations must leave a fair share of messages parseable, or the typed views go untested.
  assert.ok(parsed > 100, `only ${parsed} mutated messages parsed`);
  assert.ok(rejected > 100, `only ${rejected} mutated messages rejected`);
});
