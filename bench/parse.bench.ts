/**
 * Parser/serializer benchmark: ringd's `parseMessage`/`serialize` against the npm `sip` package
 * (0.0.6) on the same realistic messages, in the same run. `--smoke` runs for about a second.
 *
 *   npm run bench:parse            full run (warm-up, 9 interleaved rounds, median)
 *   npm run bench:parse -- --smoke CI smoke run
 */
import { createRequire } from 'node:module';
import { parseMessage, serialize } from '../src/sip/message/index.ts';
import type { SipMessage } from '../src/sip/message/index.ts';

interface SipPackage {
  parse(s: string): unknown;
  stringify(m: unknown): string;
}
// The `sip` package is CommonJS without type declarations: load it through require with our own shape.
const sip = createRequire(import.meta.url)('sip') as SipPackage;

const smoke = process.argv.includes('--smoke');
const ROUNDS = smoke ? 3 : 9;
const ROUND_MS = smoke ? 20 : 200;
const WARMUP_MS = smoke ? 0 : 300;
const WARMUP_CALLS = smoke ? 2000 : 5000;

const crlf = (lines: string[]): string => lines.join('\r\n');

const sdp = crlf([
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 192.0.2.101',
  's=-',
  'c=IN IP4 192.0.2.101',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 8 9 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  '',
]);

const VIAS = [
  'Via: SIP/2.0/UDP p2.example.net;branch=z9hG4bK721e4.1',
  'Via: SIP/2.0/UDP p1.example.net;branch=z9hG4bK2d4790.1;received=192.0.2.111',
  'Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK74bf9;rport=5060',
];
const DIALOG = [
  'From: "Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl',
  'Call-ID: 3848276298220188511@192.0.2.101',
  'CSeq: 1 INVITE',
];

const invite = Buffer.from(
  crlf([
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    ...VIAS,
    'Max-Forwards: 68',
    'Record-Route: <sip:p2.example.net;lr>, <sip:p1.example.net;lr>',
    'To: Bob <sip:bob@biloxi.example.com>',
    ...DIALOG,
    'Contact: <sip:alice@192.0.2.101:5060>',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY, UPDATE',
    'Supported: replaces, timer',
    'User-Agent: ExamplePhone/4.2.1',
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ]),
);

const ringing = Buffer.from(
  crlf([
    'SIP/2.0 180 Ringing',
    ...VIAS,
    'Record-Route: <sip:p2.example.net;lr>, <sip:p1.example.net;lr>',
    'To: Bob <sip:bob@biloxi.example.com>;tag=314159',
    ...DIALOG,
    'Contact: <sip:bob@192.0.2.4:5060>',
    'Content-Length: 0',
    '',
    '',
  ]),
);

const ok = Buffer.from(
  crlf([
    'SIP/2.0 200 OK',
    ...VIAS,
    'Record-Route: <sip:p2.example.net;lr>, <sip:p1.example.net;lr>',
    'To: Bob <sip:bob@biloxi.example.com>;tag=314159',
    ...DIALOG,
    'Contact: <sip:bob@192.0.2.4:5060>',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY, UPDATE',
    'Supported: replaces, timer',
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ]),
);

let sink = 0;

/** What a transaction layer reads from every message. */
function touch(m: SipMessage): void {
  sink +=
    (m.branch?.length ?? 0) +
    m.cseq.seq +
    m.callId.length +
    (m.fromTag?.length ?? 0) +
    (m.toTag?.length ?? 0);
}

/** Calls per second of `fn` over about `ms` milliseconds. */
function rate(fn: () => void, ms: number): number {
  let n = 0;
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(ms) * 1_000_000n;
  let now = t0;
  while (now < end) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    now = process.hrtime.bigint();
  }
  return (n * 1e9) / Number(now - t0);
}

/**
 * Median rate of each function. Rounds are interleaved (every function once per round), so a
 * machine busy with other work slows ours and the reference alike and the ratios stay fair.
 */
function medians(fns: Array<() => void>): number[] {
  for (const fn of fns) {
    // Warm up long enough for the JIT to optimise, whatever the time budget.
    for (let i = 0; i < WARMUP_CALLS; i++) fn();
    rate(fn, WARMUP_MS);
  }
  const rates: number[][] = fns.map(() => []);
  for (let r = 0; r < ROUNDS; r++) fns.forEach((fn, i) => rates[i].push(rate(fn, ROUND_MS)));
  return rates.map((rs) => rs.sort((a, b) => a - b)[Math.floor(rs.length / 2)]);
}

const parsedInvite = parseMessage(invite);
const sipInvite = sip.parse(invite.toString());

const figures: Array<[string, string, number]> = [
  ['parse_invite_per_s', `ringd parseMessage INVITE (${invite.length} B)`, 0],
  ['parse_180_per_s', `ringd parseMessage 180 (${ringing.length} B)`, 0],
  ['parse_200_per_s', `ringd parseMessage 200 (${ok.length} B)`, 0],
  ['serialize_invite_per_s', 'ringd serialize parsed INVITE', 0],
  ['sip_parse_invite_per_s', 'sip.parse(buf.toString()) INVITE', 0],
  ['sip_parse_180_per_s', 'sip.parse(buf.toString()) 180', 0],
  ['sip_parse_200_per_s', 'sip.parse(buf.toString()) 200', 0],
  ['sip_stringify_invite_per_s', 'sip.stringify INVITE', 0],
];
const fns: Array<() => void> = [
  () => touch(parseMessage(invite)),
  () => touch(parseMessage(ringing)),
  () => touch(parseMessage(ok)),
  () => (sink += serialize(parsedInvite).length),
  () => (sink += sip.parse(invite.toString()) === undefined ? 0 : 1),
  () => (sink += sip.parse(ringing.toString()) === undefined ? 0 : 1),
  () => (sink += sip.parse(ok.toString()) === undefined ? 0 : 1),
  () => (sink += sip.stringify(sipInvite).length),
];
medians(fns).forEach((v, i) => (figures[i][2] = v));

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(12);
console.log(`parse benchmark (${smoke ? 'smoke' : 'full'}: ${ROUNDS} rounds × ${ROUND_MS} ms, median)`);
console.log('-'.repeat(62));
for (const [, label, v] of figures) console.log(`${label.padEnd(44)} ${fmt(v)} /s`);
const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
const ratios: Array<[string, number]> = [
  ['parse_invite_ratio_vs_sip', ratio(figures[0][2], figures[4][2])],
  ['parse_180_ratio_vs_sip', ratio(figures[1][2], figures[5][2])],
  ['parse_200_ratio_vs_sip', ratio(figures[2][2], figures[6][2])],
  ['serialize_invite_ratio_vs_sip', ratio(figures[3][2], figures[7][2])],
];
console.log('-'.repeat(62));
for (const [k, v] of ratios) console.log(`${k.padEnd(44)} ${String(v).padStart(12)} ×`);
console.log('');
for (const [k, , v] of figures) console.log(`${k}=${Math.round(v)}`);
for (const [k, v] of ratios) console.log(`${k}=${v}`);
if (sink === -1) console.log('unreachable');
