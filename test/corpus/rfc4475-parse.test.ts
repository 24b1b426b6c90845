/**
 * RFC 4475 torture messages through the parser (as UDP datagrams) and validateRequest, with the
 * expected outcome of each file per ../shared/rfc4475/README.md. Where the RFC lets a receiver be
 * liberal or strict, the `choice` column records what ringd does.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  SipParseError,
  SipRequest,
  SipResponse,
  createResponse,
  isKnownMethod,
  parseMessage,
  parseUri,
  serialize,
  uriEquals,
  validateRequest,
} from '../../src/sip/message/index.ts';
import { RFC4475_DIR } from '../support/rfc4475.ts';

const corpusDir = RFC4475_DIR;

type Msg = SipRequest | SipResponse;
type Expect =
  | { outcome: 'accept'; choice?: string; check?: (m: Msg, raw: Buffer) => void }
  | { outcome: 'reject'; stage: 'parse' | 'validate'; status: number; partial: boolean; choice?: string };

const req = (m: Msg): SipRequest => {
  assert.ok(m instanceof SipRequest, 'expected a request');
  return m;
};
const res = (m: Msg): SipResponse => {
  assert.ok(m instanceof SipResponse, 'expected a response');
  return m;
};
const accept = (check?: (m: Msg, raw: Buffer) => void, choice?: string): Expect => ({
  outcome: 'accept',
  check,
  choice,
});
const reject = (stage: 'parse' | 'validate', status: number, partial: boolean, choice?: string): Expect => ({
  outcome: 'reject',
  stage,
  status,
  partial,
  choice,
});
const bodyAfterHeaders = (raw: Buffer): Buffer => raw.subarray(raw.indexOf('\r\n\r\n') + 4);

const EXPECTED: Record<string, Expect> = {
  // ---- 3.1.1 valid messages
  'wsinv.dat': accept((m, raw) => {
    const r = req(m);
    assert.equal(r.method, 'INVITE');
    assert.equal(r.uri.host, 'chair-dnrc.example.com');
    assert.equal(r.uri.params.unknownparam, null);
    assert.equal(r.via.length, 3);
    assert.deepEqual(
      r.via.map((v) => [v.transport, v.host, v.params.branch]),
      [
        ['UDP', '192.0.2.2', '390skdjuw'],
        ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
        ['UDP', '192.168.255.111', 'z9hG4bK30239'],
      ],
    );
    assert.equal(r.branch, '390skdjuw');
    assert.equal(r.maxForwards, 68);
    assert.deepEqual(r.cseq, { seq: 9, method: 'INVITE' });
    assert.equal(r.toTag, '1918181833n');
    assert.equal(r.fromTag, '98asjd8');
    assert.equal(r.from.displayName, 'J Rosenberg \\"');
    assert.equal(r.get('Subject'), '');
    assert.equal(r.get('NewFangledHeader'), 'newfangled value continued newfangled value');
    assert.equal(r.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
    assert.deepEqual(r.getAll('UnknownHeaderWithUnusualValue'), [';;,,;;,;']);
    assert.ok(serialize(r).includes('\r\nUnknownHeaderWithUnusualValue: ;;,,;;,;\r\n'));
    assert.equal(r.contact.length, 1);
    assert.equal(r.contact[0].displayName, 'Quoted string ""');
    assert.deepEqual(r.contact[0].params, { newparam: 'newvalue', secondparam: null, q: '0.33' });
    assert.deepEqual(r.route[0].uri.params, { lr: null, unknownwith: 'value', 'unknown-no-value': null });
    assert.equal(r.contentType, 'application/sdp');
    assert.equal(r.body.length, 150);
    assert.deepEqual(r.body, bodyAfterHeaders(raw));
  }),
  'intmeth.dat': accept((m) => {
    const r = req(m);
    assert.equal(r.method, "!interesting-Method0123456789_*+`.%indeed'~");
    assert.equal(isKnownMethod(r.method), false);
    assert.equal(r.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(r.uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(r.to.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    assert.equal(r.from.params["fromparam''~+*_!.-%"], '"работающий"');
    assert.equal(r.cseq.method, r.method);
    assert.equal(r.get("extensionHeader-!.%*+_`'~"), '\uFEFF大停電');
    assert.equal(r.callId, 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
  }),
  'esc01.dat': accept((m) => {
    const r = req(m);
    assert.equal(r.uri.user, 'sips:user@example.com');
    assert.equal(r.uri.host, 'example.net');
    assert.equal(r.to.uri.user, 'user');
    assert.ok(uriEquals(r.to.uri, parseUri('sip:user@example.com')));
    assert.equal(r.from.uri.user, 'I have spaces');
    const c = r.contact[0].uri;
    assert.equal(c.user, 'caller');
    assert.equal(c.params.lr, null);
    assert.equal(c.params.name, 'value%41'); // unescaped once, never twice
    assert.notEqual(c.params.name, 'valueA');
  }),
  'escnull.dat': accept((m) => {
    const r = req(m);
    assert.equal(r.to.uri.user, 'null-\x00-null');
    assert.equal(r.from.uri.user, 'null-\x00-null');
    assert.deepEqual(
      r.contact.map((c) => c.uri.user),
      ['\x00', '\x00\x00'],
    );
    assert.equal(uriEquals(r.contact[0].uri, r.contact[1].uri), false);
  }),
  'esc02.dat': accept((m) => {
    const r = req(m);
    assert.equal(r.method, 'RE%47IST%45R');
    assert.notEqual(r.method, 'REGISTER');
    assert.equal(isKnownMethod(r.method), false);
    assert.equal(r.to.displayName, '%Z%45');
    assert.equal(r.branch, 'z9hG4bK209%fzsnel234');
    assert.equal(r.contact.length, 2);
    assert.equal(r.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
  }),
  'lwsdisp.dat': accept(
    (m) => assert.equal(req(m).from.displayName, 'caller'),
    'liberal: name<uri> accepted',
  ),
  'longreq.dat': accept((m) => {
    const r = req(m);
    assert.ok(r.to.displayName!.length > 100);
    assert.ok(r.via.length >= 34);
    assert.equal(r.via[0].host, 'sip33.example.com');
    assert.ok(r.callId.length > 100);
    assert.ok(r.fromTag!.length > 100);
    assert.equal(r.body.length, Number(r.get('Content-Length')));
  }),
  'dblreq.dat': accept((m) => {
    const r = req(m);
    assert.equal(r.method, 'REGISTER');
    assert.equal(r.body.length, 0);
    assert.equal(r.callId, 'dblreq.0ha0isndaksdj99sdfafnl3lk233412');
    assert.ok(!serialize(r).includes('INVITE'));
  }),
  'semiuri.dat': accept((m) => {
    const r = req(m);
    assert.equal(r.uri.user, 'user;par=u@example.net');
    assert.equal(r.uri.host, 'example.com');
    assert.deepEqual(r.uri.params, {});
    assert.equal(r.getAll('Accept').length, 6);
  }),
  'transports.dat': accept((m) => {
    assert.deepEqual(
      req(m).via.map((v) => v.transport),
      ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP'],
    );
  }),
  'mpart01.dat': accept((m, raw) => {
    const r = req(m);
    assert.equal(r.method, 'MESSAGE');
    assert.equal(r.contentType, 'multipart/mixed');
    assert.equal(r.body.length, Number(r.get('Content-Length')));
    assert.deepEqual(r.body, bodyAfterHeaders(raw).subarray(0, r.body.length));
    assert.ok(r.body.includes(0)); // binary part kept as bytes
    assert.deepEqual(serialize(r).subarray(-r.body.length), r.body);
  }),
  'unreason.dat': accept((m) => {
    const r = res(m);
    assert.equal(r.status, 200);
    assert.equal(r.reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
  }),
  'noreason.dat': accept((m) => {
    const r = res(m);
    assert.equal(r.status, 100);
    assert.equal(r.reason, '');
  }),
  // ---- 3.1.2 invalid messages
  'badinv01.dat': reject('parse', 400, false, 'strict: empty Via parameter is a parse error of the top Via'),
  'clerr.dat': reject('parse', 400, true),
  'ncl.dat': reject('parse', 400, true),
  'scalar02.dat': reject('validate', 400, true, 'Max-Forwards 300 read as absent; CSeq > 2^32-1 → 400'),
  'scalarlg.dat': reject('parse', 0, false),
  'quotbal.dat': reject('parse', 400, false, 'strict: no quote inference'),
  'ltgtruri.dat': reject('parse', 400, true, 'strict'),
  'lwsruri.dat': reject('parse', 400, true, 'strict'),
  'lwsstart.dat': accept((m) => {
    const r = req(m);
    assert.equal(r.uriText, 'sip:user@example.com');
    assert.ok(serialize(r).subarray(0, 40).toString().startsWith('INVITE sip:user@example.com SIP/2.0\r\n'));
  }, 'liberal: extra SP ignored, never written'),
  'trws.dat': accept((m) => {
    assert.equal(req(m).uriText, 'sip:remote-target@example.com');
    assert.ok(serialize(m).toString().startsWith('OPTIONS sip:remote-target@example.com SIP/2.0\r\n'));
  }, 'liberal: trailing SP ignored, never written'),
  'escruri.dat': reject('validate', 400, true, 'strict: headers in a Request-URI → 400'),
  'baddate.dat': accept(
    (m) => assert.equal(m.get('Date'), 'Fri, 01 Jan 2010 16:00:00 EST'),
    'Date never parsed',
  ),
  'regbadct.dat': reject('validate', 400, true, 'strict: no bracket inference'),
  'badaspec.dat': reject('validate', 400, false, 'strict: spaces inside <> are an error'),
  'baddn.dat': reject('validate', 400, false, 'strict: unquoted comma in display name'),
  'badvers.dat': reject('parse', 505, true),
  'mismatch01.dat': reject('validate', 400, true),
  'mismatch02.dat': accept((m) => {
    assert.equal(req(m).method, 'NEWMETHOD');
    assert.equal(isKnownMethod(req(m).method), false);
  }, 'unknown method: left to the UA (501)'),
  'bigcode.dat': reject('parse', 0, false),
  // ---- 3.2 transaction layer
  'badbranch.dat': accept((m) => assert.equal(m.branch, 'z9hG4bK'), 'parsed; the transaction layer decides'),
  // ---- 3.3 application layer
  'insuf.dat': reject('validate', 400, false),
  'unkscm.dat': accept((m) => {
    const u = req(m).uri;
    assert.equal(u.scheme, 'nobodyknowsthisscheme');
    assert.equal(u.opaque, 'totallyopaquecontent');
  }, 'parsed; the UA answers 416'),
  'novelsc.dat': accept((m) => assert.equal(req(m).uri.scheme, 'soap.beep'), 'parsed; the UA answers 416'),
  'unksm2.dat': accept((m) => {
    const r = req(m);
    assert.equal(r.to.uri.scheme, 'isbn');
    assert.equal(r.from.uri.scheme, 'http');
    assert.equal(r.contact[0].uri.scheme, 'name');
  }, 'parsed; a registrar rejects'),
  'bext01.dat': accept((m) => {
    assert.deepEqual(m.getAll('Require'), ['nothingSupportsThis', 'nothingSupportsThisEither']);
    assert.deepEqual(m.getAll('Proxy-Require'), ['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
  }, 'parsed; the UA answers 420'),
  'invut.dat': accept(
    (m) => assert.equal(m.contentType, 'application/unknownformat'),
    'parsed; the UA answers 415',
  ),
  'regaut01.dat': accept(
    (m) => assert.equal(m.get('Authorization'), 'NoOneKnowsThisScheme opaque-data=here'),
    'parsed; the registrar challenges',
  ),
  'multi01.dat': reject('validate', 400, true),
  'mcl01.dat': reject('parse', 400, true),
  'bcast.dat': accept((m) => {
    assert.equal(res(m).status, 200);
    assert.equal(m.via[1].host, '255.255.255.255');
  }, 'parsed; never forwarded'),
  'zeromf.dat': accept((m) => assert.equal(m.maxForwards, 0)),
  'cparam01.dat': accept((m) => {
    const c = m.contact[0];
    assert.equal(c.params.unknownparam, null);
    assert.equal('unknownparam' in c.uri.params, false);
  }),
  'cparam02.dat': accept((m) => {
    const c = m.contact[0];
    assert.equal(c.uri.params.unknownparam, null);
    assert.equal('unknownparam' in c.params, false);
  }),
  'regescrt.dat': accept((m) =>
    assert.deepEqual(m.contact[0].uri.headers, { Route: '<sip:sip.example.com>' }),
  ),
  'sdp01.dat': accept(
    (m) => assert.equal(m.get('Accept'), 'text/nobodyKnowsThis'),
    'parsed; the UA answers 406',
  ),
  // ---- 3.4 backward compatibility
  'inv2543.dat': accept((m, raw) => {
    const r = req(m);
    assert.equal(r.branch, undefined);
    assert.equal(r.maxForwards, undefined);
    assert.equal(r.fromTag, undefined);
    assert.equal(r.has('Content-Length'), false);
    assert.deepEqual(r.body, bodyAfterHeaders(raw)); // UDP: the body is the rest of the datagram
  }),
};

function load(file: string): Buffer {
  assert.ok(existsSync(corpusDir), `RFC 4475 corpus missing: expected it at ${corpusDir}`);
  const raw = readFileSync(path.join(corpusDir, file));
  // The archive copy of baddn.dat lacks the empty line ending the headers (README).
  return file === 'baddn.dat' ? Buffer.concat([raw, Buffer.from('\r\n')]) : raw;
}

describe('RFC 4475 torture messages (datagram parse + validateRequest)', () => {
  test('the corpus folder is present with its 49 files', () => {
    assert.ok(existsSync(corpusDir), `RFC 4475 corpus missing: expected it at ${corpusDir}`);
    const files = readdirSync(corpusDir).filter((f) => f.endsWith('.dat'));
    assert.equal(files.length, 49);
    assert.deepEqual(files.sort(), Object.keys(EXPECTED).sort());
  });

  for (const [file, exp] of Object.entries(EXPECTED)) {
    const label = `${file}: ${exp.outcome === 'accept' ? 'accepted' : `${exp.status} at ${exp.stage}`}${exp.choice ? ` (${exp.choice})` : ''}`;
    test(label, () => {
      const raw = load(file);
      let msg: Msg | undefined;
      let err: SipParseError | undefined;
      try {
        msg = parseMessage(raw, { datagram: true });
      } catch (e) {
        assert.ok(e instanceof SipParseError, `not a SipParseError: ${String(e)}`);
        err = e;
      }
      if (msg !== undefined && msg.kind === 'request') err = validateRequest(msg);
      if (exp.outcome === 'accept') {
        assert.equal(err, undefined, `rejected: ${err?.status} ${err?.message}`);
        exp.check?.(msg!, raw);
        // Whatever is accepted re-serializes and re-parses to the same typed views.
        const again = parseMessage(serialize(msg!));
        assert.equal(again.kind, msg!.kind);
        assert.deepEqual(again.getAll('Via'), msg!.getAll('Via'));
        assert.equal(again.callId, msg!.callId);
        assert.deepEqual(again.body, msg!.body);
        return;
      }
      assert.ok(err !== undefined, 'expected a rejection');
      assert.equal(msg === undefined ? 'parse' : 'validate', exp.stage);
      assert.equal(err.status, exp.status, err.message);
      assert.equal(err.partial !== undefined, exp.partial, `partial: ${err.message}`);
      if (err.partial !== undefined) {
        const answer = createResponse(err.partial, err.status, err.reason);
        assert.ok(answer.toBuffer().toString('latin1').startsWith(`SIP/2.0 ${exp.status} ${err.reason}\r\n`));
        assert.equal(answer.callId, err.partial.callId);
        assert.deepEqual(answer.getAll('Via'), err.partial.getAll('Via'));
      }
    });
  }
});
