import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError, SipRequest, SipResponse, parseMessage } from '../../../../src/sip/message/index.ts';

const msg = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'));
const INVITE = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
  'Content-Type: application/sdp',
];
const withBody = (body: string, ...headers: string[]): Buffer =>
  msg(...INVITE, ...headers, `Content-Length: ${Buffer.byteLength(body)}`, '', body);

function parseError(buf: Buffer, opts?: Parameters<typeof parseMessage>[1]): SipParseError {
  try {
    parseMessage(buf, opts);
  } catch (e) {
    assert.ok(e instanceof SipParseError, `not a SipParseError: ${String(e)}`);
    return e;
  }
  assert.fail('expected a SipParseError');
}

describe('parseMessage: requests', () => {
  test('every Via, whether one line with one value, one line with two, or two lines', () => {
    const one = parseMessage(withBody(''));
    assert.deepEqual(
      one.via.map((v) => v.host),
      ['pc33.atlanta.example.com'],
    );
    assert.equal(one.via[0], one.topVia);
    const twoInOne = parseMessage(
      msg(
        'OPTIONS sip:b@h SIP/2.0',
        'Via: SIP/2.0/UDP a.example;branch=z9hG4bKa, SIP/2.0/TCP b.example:5070;branch=z9hG4bKb',
        ...INVITE.slice(2, 6),
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ),
    );
    assert.deepEqual(
      twoInOne.via.map((v) => `${v.transport} ${v.host}:${v.port ?? ''}`),
      ['UDP a.example:', 'TCP b.example:5070'],
    );
    assert.equal(twoInOne.topVia?.host, 'a.example');
    const twoLines = parseMessage(
      msg(
        ...INVITE.slice(0, 2),
        'Via: SIP/2.0/UDP c.example;branch=z9hG4bKc',
        ...INVITE.slice(2),
        'Content-Length: 0',
        '',
        '',
      ),
    );
    assert.deepEqual(
      twoLines.via.map((v) => v.host),
      ['pc33.atlanta.example.com', 'c.example'],
    );
    const bad = parseMessage(
      msg(...INVITE.slice(0, 2), 'Via: nonsense', ...INVITE.slice(2), 'Content-Length: 0', '', ''),
    );
    assert.equal(bad.topVia?.host, 'pc33.atlanta.example.com');
    assert.throws(() => bad.via, SipParseError);
  });

  test('typed views of a plain INVITE', () => {
    const m = parseMessage(withBody('v=0\r\n'));
    assert.ok(m instanceof SipRequest);
    assert.equal(m.kind, 'request');
    assert.equal(m.method, 'INVITE');
    assert.equal(m.uriText, 'sip:bob@biloxi.example.com');
    assert.equal(m.uri.user, 'bob');
    assert.equal(m.branch, 'z9hG4bK776asdhds');
    assert.equal(m.topVia?.host, 'pc33.atlanta.example.com');
    assert.deepEqual(m.cseq, { seq: 314159, method: 'INVITE' });
    assert.equal(m.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
    assert.equal(m.fromTag, '1928301774');
    assert.equal(m.toTag, undefined);
    assert.equal(m.from.displayName, 'Alice');
    assert.equal(m.maxForwards, 70);
    assert.equal(m.contentType, 'application/sdp');
    assert.equal(m.contact[0].uri.host, 'pc33.atlanta.example.com');
    assert.equal(m.body.toString(), 'v=0\r\n');
  });

  test('leading CRLFs before the start line are ignored (§7.5)', () => {
    assert.equal(
      (parseMessage(Buffer.concat([Buffer.from('\r\n\r\n'), withBody('')])) as SipRequest).method,
      'INVITE',
    );
  });

  test('compact forms mean their long names', () => {
    const m = parseMessage(
      msg(
        'OPTIONS sip:a@b SIP/2.0',
        'v: SIP/2.0/UDP h;branch=z9hG4bK1',
        'f: <sip:x@y>;tag=1',
        't: <sip:a@b>',
        'i: cid',
        'CSeq: 1 OPTIONS',
        'm: <sip:x@h>',
        'k: timer',
        'c: text/plain',
        's: hello',
        'l: 2',
        '',
        'hi',
      ),
    );
    assert.equal(m.get('Via'), 'SIP/2.0/UDP h;branch=z9hG4bK1');
    assert.equal(m.get('call-id'), 'cid');
    assert.equal(m.callId, 'cid');
    assert.equal(m.get('Supported'), 'timer');
    assert.equal(m.get('subject'), 'hello');
    assert.equal(m.contentType, 'text/plain');
    assert.equal(m.contact.length, 1);
    assert.equal(m.body.toString(), 'hi');
    const names: string[] = [];
    m.forEachHeader((n) => names.push(n));
    assert.deepEqual(names, [
      'Via',
      'From',
      'To',
      'Call-ID',
      'CSeq',
      'Contact',
      'Supported',
      'Content-Type',
      'Subject',
      'Content-Length',
    ]);
  });

  test('header names are case-insensitive; LWS before the colon', () => {
    const m = parseMessage(
      msg(...INVITE, 'X-Custom  : some value', 'cOnTaCt: <sip:b@c>', 'Content-Length: 0', '', ''),
    );
    assert.equal(m.get('x-custom'), 'some value');
    assert.equal(m.getAll('CONTACT').length, 2);
  });

  test('folding is LWS: unfolded to one SP', () => {
    const m = parseMessage(
      msg(...INVITE, 'Subject: first', '  second\t', '\tthird', 'Content-Length: 0', '', ''),
    );
    assert.equal(m.get('Subject'), 'first second third');
  });

  test('comma lists split only for list headers, never inside quotes or <>', () => {
    const m = parseMessage(
      msg(
        ...INVITE,
        'Contact: "Watson, Thomas" <sip:t@x;a=1,2>, <sip:b@y>',
        'Route: <sip:p1;lr>,<sip:p2;lr>',
        'Route: <sip:p3;lr>',
        'Subject: a, b',
        'Date: Sat, 13 Nov 2010 23:29:00 GMT',
        'Content-Length: 0',
        '',
        '',
      ),
    );
    assert.deepEqual(m.getAll('Contact'), [
      '<sip:alice@pc33.atlanta.example.com>',
      '"Watson, Thomas" <sip:t@x;a=1,2>',
      '<sip:b@y>',
    ]);
    assert.deepEqual(
      m.route.map((r) => r.uri.host),
      ['p1', 'p2', 'p3'],
    );
    assert.equal(m.get('Subject'), 'a, b');
    assert.deepEqual(m.getAll('Date'), ['Sat, 13 Nov 2010 23:29:00 GMT']);
  });

  test('unknown headers are kept byte for byte', () => {
    const m = parseMessage(msg(...INVITE, 'X-Weird: ;;,,;;,;  ', 'Content-Length: 0', '', ''));
    assert.equal(m.get('X-Weird'), ';;,,;;,;');
    assert.ok(m.toBuffer().includes('\r\nX-Weird: ;;,,;;,;\r\n'));
  });

  test('UTF-8 header values are decoded', () => {
    const m = parseMessage(msg(...INVITE, 'Subject: café ☕', 'Content-Length: 0', '', ''));
    assert.equal(m.get('Subject'), 'café ☕');
  });

  test('IPv6 in Via and Request-URI', () => {
    const m = parseMessage(
      msg(
        'OPTIONS sip:[2001:db8::1]:5060 SIP/2.0',
        'Via: SIP/2.0/UDP [2001:db8::2];branch=z9hG4bKv6',
        'Content-Length: 0',
        '',
        '',
      ),
    ) as SipRequest;
    assert.equal(m.uri.host, '[2001:db8::1]');
    assert.equal(m.topVia?.host, '[2001:db8::2]');
  });

  test('datagram: no Content-Length → body is the rest; bytes beyond Content-Length ignored (§18.3)', () => {
    const noCl = parseMessage(msg(...INVITE, '', 'v=0'));
    assert.equal(noCl.body.toString(), 'v=0');
    const extra = parseMessage(Buffer.concat([withBody('abc'), Buffer.from('garbage')]));
    assert.equal(extra.body.toString(), 'abc');
  });

  test('stream framing: no Content-Length → empty body', () => {
    assert.equal(parseMessage(msg(...INVITE, '', 'v=0'), { datagram: false }).body.length, 0);
  });

  test('bare LF line endings are accepted', () => {
    const m = parseMessage(Buffer.from([...INVITE, 'Content-Length: 3', '', 'abc'].join('\n')));
    assert.equal(m.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
    assert.equal(m.body.toString(), 'abc');
  });

  test('end of input ends the headers (baddn archive copy)', () => {
    const m = parseMessage(msg(...INVITE, 'Content-Length: 0'));
    assert.equal(m.body.length, 0);
    assert.equal(m.has('content-type'), true);
  });

  test('multiple SP in the request line and trailing SP are tolerated', () => {
    const m = parseMessage(
      msg('OPTIONS   sip:a@b   SIP/2.0  ', ...INVITE.slice(1), 'Content-Length: 0', '', ''),
    ) as SipRequest;
    assert.equal(m.method, 'OPTIONS');
    assert.equal(m.uriText, 'sip:a@b');
  });

  test('Max-Forwards above 255 reads as absent', () => {
    assert.equal(
      parseMessage(msg(...INVITE.filter((l) => !l.startsWith('Max')), 'Max-Forwards: 300', '', ''))
        .maxForwards,
      undefined,
    );
  });

  test('identical repeated Content-Length values are accepted', () => {
    const m = parseMessage(msg(...INVITE, 'Content-Length: 2', 'l: 2', '', 'ab'));
    assert.equal(m.body.toString(), 'ab');
  });
});

describe('parseMessage: errors', () => {
  const cases: Array<[string, Buffer, number, boolean, Parameters<typeof parseMessage>[1]?]> = [
    ['version 7.0 → 505 with partial', msg('OPTIONS sip:a@b SIP/7.0', ...INVITE.slice(1), '', ''), 505, true],
    ['HTTP version → 400', msg('GET sip:a@b HTTP/1.1', ...INVITE.slice(1), '', ''), 400, true],
    [
      '<> around the Request-URI → 400',
      msg('INVITE <sip:a@b> SIP/2.0', ...INVITE.slice(1), '', ''),
      400,
      true,
    ],
    [
      'LWS inside the Request-URI → 400',
      msg('INVITE sip:a@b; lr SIP/2.0', ...INVITE.slice(1), '', ''),
      400,
      true,
    ],
    ['two-element request line → 400', msg('INVITE SIP/2.0', ...INVITE.slice(1), '', ''), 400, false],
    ['bad method characters → 400', msg('INV(TE sip:a@b SIP/2.0', ...INVITE.slice(1), '', ''), 400, false],
    ['negative Content-Length → 400', msg(...INVITE, 'Content-Length: -5', '', 'abc'), 400, true],
    ['non-numeric Content-Length → 400', msg(...INVITE, 'Content-Length: 1x', '', 'abc'), 400, true],
    [
      'conflicting Content-Length → 400',
      msg(...INVITE, 'Content-Length: 1', 'Content-Length: 2', '', 'ab'),
      400,
      true,
    ],
    [
      'Content-Length beyond the datagram → 400',
      msg(...INVITE, 'Content-Length: 9999', '', 'abc'),
      400,
      true,
    ],
    [
      'Content-Length beyond the stream frame → 400',
      msg(...INVITE, 'Content-Length: 10', '', 'abc'),
      400,
      true,
      { datagram: false },
    ],
    [
      'huge Content-Length → 413',
      msg(...INVITE, 'Content-Length: 99999999999999999999', '', 'abc'),
      413,
      true,
    ],
    [
      'body over maxBodyBytes → 413',
      msg(...INVITE, 'Content-Length: 3', '', 'abc'),
      413,
      true,
      { maxBodyBytes: 2 },
    ],
    ['datagram rest over maxBodyBytes → 413', msg(...INVITE, '', 'abc'), 413, true, { maxBodyBytes: 2 }],
    [
      'headers over maxHeaderBytes → 513',
      msg(...INVITE, `X-Big: ${'x'.repeat(300)}`, '', ''),
      513,
      false,
      { maxHeaderBytes: 200 },
    ],
    [
      'unterminated quote in To → 400',
      msg(...INVITE.map((l) => (l.startsWith('To:') ? 'To: "Bob <sip:b@c>' : l)), '', ''),
      400,
      false,
    ],
    [
      'bad CSeq → 400',
      msg(...INVITE.map((l) => (l.startsWith('CSeq') ? 'CSeq: x INVITE' : l)), '', ''),
      400,
      false,
    ],
    [
      'bad top Via → 400',
      msg(...INVITE.map((l) => (l.startsWith('Via') ? 'Via: SIP/2.0/UDP' : l)), '', ''),
      400,
      false,
    ],
    [
      'bad Max-Forwards → 400 with partial',
      msg(...INVITE.map((l) => (l.startsWith('Max') ? 'Max-Forwards: ten' : l)), '', ''),
      400,
      true,
    ],
    ['header line without colon → 400', msg(...INVITE, 'NoColonHere', '', ''), 400, true],
    ['continuation line first → 400', msg(INVITE[0], ' folded', ...INVITE.slice(1), '', ''), 400, true],
    ['non-token header name → 400', msg(...INVITE, 'Bad Name: x', '', ''), 400, true],
    [
      'control character in start line → 400',
      msg('INVITE sip:a\x00b SIP/2.0', ...INVITE.slice(1), '', ''),
      400,
      false,
    ],
    ['empty input → drop', Buffer.alloc(0), 0, false],
    ['only CRLFs → drop', Buffer.from('\r\n\r\n'), 0, false],
  ];
  for (const [name, buf, status, partial, opts] of cases) {
    test(name, () => {
      const e = parseError(buf, opts);
      assert.equal(e.status, status, e.message);
      assert.equal(e.partial !== undefined, partial, e.message);
      if (e.partial !== undefined) assert.equal(e.partial.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
      if (status === 505) assert.equal(e.reason, 'Version Not Supported');
      if (status === 400) assert.equal(e.reason, 'Bad Request');
    });
  }
});

describe('parseMessage: responses', () => {
  const RESP = [
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1',
    'To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf',
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
    'CSeq: 314159 INVITE',
    'Content-Length: 0',
    '',
    '',
  ];
  test('status line and typed views', () => {
    const m = parseMessage(msg('SIP/2.0 180 Ringing', ...RESP));
    assert.ok(m instanceof SipResponse);
    assert.equal(m.kind, 'response');
    assert.equal(m.status, 180);
    assert.equal(m.reason, 'Ringing');
    assert.equal(m.toTag, 'a6c85cf');
    assert.equal(m.topVia?.params.received, '192.0.2.1');
  });
  test('empty reason with and without the SP (noreason)', () => {
    assert.equal((parseMessage(msg('SIP/2.0 100 ', ...RESP)) as SipResponse).reason, '');
    assert.equal((parseMessage(msg('SIP/2.0 100', ...RESP)) as SipResponse).reason, '');
  });
  test('reason phrase with spaces and UTF-8', () => {
    assert.equal(
      (parseMessage(msg('SIP/2.0 486 Occupé ici  même', ...RESP)) as SipResponse).reason,
      'Occupé ici  même',
    );
  });
  for (const [name, line, resp] of [
    ['status > 699', 'SIP/2.0 700 Nope', RESP],
    ['status < 100', 'SIP/2.0 099 Nope', RESP],
    ['4-digit status', 'SIP/2.0 1000 Nope', RESP],
    ['huge status (bigcode)', 'SIP/2.0 4294967301 better not break the receiver', RESP],
    ['non-digit status', 'SIP/2.0 2x0 OK', RESP],
    ['wrong version', 'SIP/3.0 200 OK', RESP],
    [
      'CSeq > 2^32-1 (scalarlg)',
      'SIP/2.0 200 OK',
      RESP.map((l) => (l.startsWith('CSeq') ? 'CSeq: 9292394834772304023312 OPTIONS' : l)),
    ],
    ['missing Call-ID', 'SIP/2.0 200 OK', RESP.filter((l) => !l.startsWith('Call-ID'))],
    [
      'broken Content-Length',
      'SIP/2.0 200 OK',
      RESP.map((l) => (l.startsWith('Content-Length') ? 'Content-Length: -1' : l)),
    ],
  ] as Array<[string, string, string[]]>) {
    test(`dropped (status 0): ${name}`, () => {
      const e = parseError(msg(line, ...resp));
      assert.equal(e.status, 0);
      assert.equal(e.partial, undefined);
    });
  }
});
