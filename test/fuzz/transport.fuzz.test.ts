/**
 * Property-based fuzzing of the whole inbound path on real sockets: mutated RFC 4475 messages go to a UA
 * built on the core over UDP and TCP. No exception may escape (the process would die: node's test runner
 * reports an uncaught exception as a failure), and afterwards the UA still answers a valid OPTIONS on both
 * transports.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { startTestUa } from '../support/test-ua.ts';
import { RFC4475_DIR } from '../support/rfc4475.ts';

const DIR = RFC4475_DIR;
const corpus = readdirSync(DIR)
  .filter((f) => f.endsWith('.dat'))
  .sort()
  .map((f) => readFileSync(resolve(DIR, f)));

/** A mutation of one corpus message: byte flips, insertions, deletions, truncation, CR/LF noise. */
const mutated = fc
  .tuple(
    fc.integer({ min: 0, max: corpus.length - 1 }),
    fc.array(
      fc.record({
        kind: fc.constantFrom('flip', 'insert', 'delete', 'truncate', 'crlf', 'digits'),
        at: fc.nat(),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
  )
  .map(([i, muts]) => {
    let b = Buffer.from(corpus[i]);
    for (const m of muts) {
      const at = b.length === 0 ? 0 : m.at % b.length;
      if (m.kind === 'flip' && b.length > 0) b[at] = m.byte;
      else if (m.kind === 'insert')
        b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
      else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
      else if (m.kind === 'truncate') b = b.subarray(0, at);
      else if (m.kind === 'crlf') b = Buffer.concat([b.subarray(0, at), Buffer.from('\r\n'), b.subarray(at)]);
      else if (m.kind === 'digits')
        b = Buffer.concat([b.subarray(0, at), Buffer.from('99999999999999999999'), b.subarray(at)]);
    }
    return b;
  });

const OPTIONS = (port: number, transport: string, n: number) =>
  Buffer.from(
    `OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/${transport} 127.0.0.1:${port};branch=z9hG4bK-probe${n};rport\r\n` +
      `From: <sip:probe@127.0.0.1>;tag=p${n}\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: probe-${n}@fuzz\r\n` +
      'CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
  );

test('mutated messages over UDP and TCP never crash the core; it keeps serving', async () => {
  const uas = await startTestUa({ answerAfterMs: null });
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const replies: string[] = [];
  udp.on('message', (m) => replies.push(m.toString('latin1', 0, 40)));
  try {
    const samples = fc.sample(mutated, { numRuns: 1000, seed: 4475 });
    for (let i = 0; i < samples.length; i++) {
      udp.send(samples[i], uas.port, '127.0.0.1');
      if (i % 3 === 0) {
        const c = connect(uas.tcpPort, '127.0.0.1');
        c.on('error', () => {});
        c.on('data', () => {});
        c.end(samples[i]);
        setTimeout(() => c.destroy(), 200);
      }
      if (i % 25 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 300));
    // Still serving: a valid OPTIONS over UDP…
    replies.length = 0;
    const port = (udp.address() as { port: number }).port;
    udp.send(OPTIONS(port, 'UDP', 1), uas.port, '127.0.0.1');
    const until = Date.now() + 2000;
    while (!replies.some((r) => r.startsWith('SIP/2.0 200')) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    assert.ok(
      replies.some((r) => r.startsWith('SIP/2.0 200')),
      'OPTIONS over UDP answered after the fuzzing',
    );
    // …and over TCP.
    const answer = await new Promise<string>((resolveAnswer) => {
      const c = connect(uas.tcpPort, '127.0.0.1', () => c.write(OPTIONS(0, 'TCP', 2)));
      let got = '';
      c.on('data', (d) => {
        got += d.toString('latin1');
        if (got.includes('\r\n\r\n')) {
          c.destroy();
          resolveAnswer(got);
        }
      });
      c.on('error', () => resolveAnswer(got));
      setTimeout(() => {
        c.destroy();
        resolveAnswer(got);
      }, 2000);
    });
    assert.match(answer, /^SIP\/2\.0 200/);
  } finally {
    udp.close();
    await uas.close();
  }
});
