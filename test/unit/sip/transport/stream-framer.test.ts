// StreamFramer without sockets: RFC 3261 §18.3 framing, §7.5 leading CRLFs, RFC 5626 pings, framing errors.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { StreamFramer, readContentLength } from '../../../../src/sip/transport/index.ts';
import type { FramingError } from '../../../../src/sip/transport/index.ts';
import { corpus } from './helpers.ts';

function collect(limits?: { maxHeaderBytes?: number; maxBodyBytes?: number }) {
  const out = { messages: [] as Buffer[], pings: 0, errors: [] as FramingError[] };
  const framer = new StreamFramer(
    {
      message: (b) => out.messages.push(b),
      ping: () => out.pings++,
      error: (e) => out.errors.push(e),
    },
    limits,
  );
  return { framer, out };
}

const msg = (body = '', cl: string | null = String(Buffer.byteLength(body)), extra = ''): Buffer =>
  Buffer.from(
    'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n' +
      extra +
      (cl === null ? '' : `Content-Length: ${cl}\r\n`) +
      '\r\n' +
      body,
    'latin1',
  );

describe('StreamFramer', () => {
  test('one message per push, handed out as a view of the chunk (zero-copy)', () => {
    const { framer, out } = collect();
    const m = msg('hello');
    framer.push(m);
    assert.equal(out.messages.length, 1);
    assert.deepEqual(out.messages[0], m);
    assert.equal(out.messages[0].buffer, m.buffer, 'no copy when the chunk holds the whole message');
    assert.equal(framer.inMessage, false);
  });

  test('byte by byte: one message, copied out of the accumulator', () => {
    const { framer, out } = collect();
    const m = msg('body bytes\r\n\r\nmore');
    for (let i = 0; i < m.length; i++) {
      assert.equal(out.messages.length, 0);
      framer.push(m.subarray(i, i + 1));
    }
    assert.equal(out.messages.length, 1);
    assert.deepEqual(out.messages[0], m);
    assert.equal(framer.inMessage, false);
  });

  test('every split point of two messages gives the same two messages', () => {
    const a = msg('first');
    const b = msg('', '0', 'l: 0\r\n'.slice(0, 0));
    const all = Buffer.concat([a, b]);
    for (let cut = 1; cut < all.length; cut++) {
      const { framer, out } = collect();
      framer.push(Buffer.from(all.subarray(0, cut)));
      framer.push(Buffer.from(all.subarray(cut)));
      assert.equal(out.messages.length, 2, `cut ${cut}`);
      assert.deepEqual(out.messages[0], a);
      assert.deepEqual(out.messages[1], b);
    }
  });

  test('emitted messages do not change when the caller reuses its chunk buffer', () => {
    const { framer, out } = collect();
    const m = msg('abc');
    const chunk = Buffer.from(m.subarray(0, 20));
    framer.push(chunk);
    chunk.fill(0x58);
    framer.push(Buffer.from(m.subarray(20)));
    assert.deepEqual(out.messages[0], m);
  });

  test('several messages in one chunk with binary bodies and CRLFs between them', () => {
    const { framer, out } = collect();
    const bin = Buffer.from([0, 13, 10, 13, 10, 255, 0]);
    const a = Buffer.concat([msg('', '7'), bin]);
    const b = msg('x');
    framer.push(Buffer.concat([Buffer.from('\r\n'), a, Buffer.from('\r\n'), b, Buffer.from('\r\n')]));
    assert.equal(out.messages.length, 2);
    assert.deepEqual(out.messages[0], a);
    assert.deepEqual(out.messages[1], b);
    assert.equal(out.pings, 0);
  });

  test('CRLF CRLF between messages is a ping, also when split; a single CRLF is not', () => {
    const { framer, out } = collect();
    framer.push(Buffer.from('\r\n\r\n'));
    assert.equal(out.pings, 1);
    framer.push(Buffer.from('\r'));
    framer.push(Buffer.from('\n\r'));
    assert.equal(framer.inMessage, false, 'keep-alive bytes are not a message in progress');
    framer.push(Buffer.from('\n'));
    assert.equal(out.pings, 2);
    framer.push(Buffer.concat([Buffer.from('\r\n'), msg()]));
    assert.equal(out.pings, 2);
    assert.equal(out.messages.length, 1);
  });

  test('Content-Length forms: compact l, any case, LWS and folding, duplicates with the same value', () => {
    const forms = ['l: 3', 'content-LENGTH   :3', 'Content-Length:\r\n  3', 'L:3 ', 'Content-Length: 003'];
    for (const f of forms) {
      const { framer, out } = collect();
      const m = Buffer.from(`OPTIONS sip:a@b SIP/2.0\r\n${f}\r\nX: y\r\n\r\nabcREST`, 'latin1');
      framer.push(m);
      assert.equal(out.errors.length, 0, f);
      assert.equal(out.messages.length, 1, f);
      assert.ok(out.messages[0].toString('latin1').endsWith('\r\n\r\nabc'), f);
      assert.equal(framer.inMessage, true, 'REST starts the next message');
    }
    const { framer, out } = collect();
    framer.push(msg('abc', '3', 'l: 3\r\n'));
    assert.equal(out.messages.length, 1);
  });

  test('headers named like Content-Length are not taken for it', () => {
    const { framer, out } = collect();
    framer.push(msg('', '0', 'X-Content-Length: 99\r\nContent-Lengthy: 7\r\nSubject: l: 5\r\n'));
    assert.equal(out.messages.length, 1);
  });

  for (const [name, input, kind, status] of [
    ['missing', msg('', null), 'missing-content-length', 400],
    ['negative (ncl)', msg('', '-999'), 'bad-content-length', 400],
    ['non-numeric', msg('', 'abc'), 'bad-content-length', 400],
    ['two numbers', msg('', '5 5'), 'bad-content-length', 400],
    ['empty', msg('', ''), 'bad-content-length', 400],
    ['different duplicates (mcl01)', msg('', '5', 'l: 13\r\n'), 'bad-content-length', 400],
    ['over the body cap', msg('', '70000'), 'body-too-large', 413],
  ] as const) {
    test(`Content-Length ${name} → ${kind}, framer stops`, () => {
      const { framer, out } = collect();
      framer.push(input);
      assert.equal(out.messages.length, 0);
      assert.equal(out.errors.length, 1);
      assert.equal(out.errors[0].kind, kind);
      assert.equal(out.errors[0].status, status);
      assert.ok(out.errors[0].headers?.toString('latin1').startsWith('OPTIONS sip:a@b SIP/2.0\r\n'));
      assert.ok(framer.isStopped);
      framer.push(msg());
      assert.equal(out.messages.length, 0);
    });
  }

  test('RFC 4475 ncl and mcl01 are unframeable; clerr waits for its body', () => {
    for (const name of ['ncl', 'mcl01']) {
      const { framer, out } = collect();
      framer.push(corpus(name));
      assert.equal(out.errors[0]?.kind, 'bad-content-length', name);
    }
    const { framer, out } = collect();
    framer.push(corpus('clerr'));
    assert.equal(out.messages.length + out.errors.length, 0);
    assert.equal(framer.inMessage, true);
  });

  test('a header block over the cap without an empty line → headers-too-large (no answer)', () => {
    const { framer, out } = collect({ maxHeaderBytes: 100 });
    framer.push(Buffer.from('INVITE sip:a@b SIP/2.0\r\n'));
    for (let i = 0; i < 10 && out.errors.length === 0; i++)
      framer.push(Buffer.from(`X-H${i}: 0123456789\r\n`));
    assert.equal(out.errors.length, 1);
    assert.equal(out.errors[0].kind, 'headers-too-large');
    assert.equal(out.errors[0].status, 0);
  });

  test('readContentLength on raw bytes', () => {
    const b = Buffer.from('SIP/2.0 200 OK\r\nl: 12\r\n\r\n');
    assert.equal(readContentLength(b, 0, b.length, 100), 12);
    assert.equal(readContentLength(b, 0, b.length, 10), -3);
  });
});
