import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  SipRequest,
  SipResponse,
  formatUri,
  parseMessage,
  parseUri,
  serialize,
} from '../../../../src/sip/message/index.ts';

const base = (): SipRequest =>
  parseMessage(
    Buffer.from(
      [
        'INVITE sip:bob@example.com SIP/2.0',
        'Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2',
        'Via: SIP/2.0/UDP c;branch=z9hG4bK3',
        'Route: <sip:r1;lr>, <sip:r2;lr>',
        'From: <sip:a@h>;tag=f',
        'To: <sip:bob@example.com>',
        'Call-ID: cid',
        'CSeq: 1 INVITE',
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    ),
  ) as SipRequest;

describe('header mutators', () => {
  test('get / getAll / has with long, compact and odd-case names', () => {
    const m = base();
    assert.equal(m.get('v'), 'SIP/2.0/UDP a;branch=z9hG4bK1');
    assert.deepEqual(m.getAll('VIA'), [
      'SIP/2.0/UDP a;branch=z9hG4bK1',
      'SIP/2.0/UDP b;branch=z9hG4bK2',
      'SIP/2.0/UDP c;branch=z9hG4bK3',
    ]);
    assert.equal(m.has('i'), true);
    assert.equal(m.has('Subject'), false);
    assert.equal(m.get('Subject'), undefined);
    assert.deepEqual(m.getAll('Subject'), []);
  });

  test('prepend adds a new top Via and updates the typed views', () => {
    const m = base();
    assert.equal(m.branch, 'z9hG4bK1');
    m.prepend('Via', 'SIP/2.0/TCP me;branch=z9hG4bKnew');
    assert.equal(m.branch, 'z9hG4bKnew');
    assert.equal(m.via.length, 4);
    assert.ok(
      serialize(m).toString().includes('Via: SIP/2.0/TCP me;branch=z9hG4bKnew\r\nVia: SIP/2.0/UDP a'),
    );
  });

  test('replaceFirst changes only the first element of a comma list', () => {
    const m = base();
    void m.topVia;
    m.replaceFirst('Via', 'SIP/2.0/UDP a;branch=z9hG4bK1;received=1.2.3.4;rport=5060');
    assert.equal(m.topVia?.params.received, '1.2.3.4');
    assert.deepEqual(
      m.via.map((v) => v.host),
      ['a', 'b', 'c'],
    );
  });

  test('removeFirst removes only the first element', () => {
    const m = base();
    void m.via;
    m.removeFirst('Via');
    assert.deepEqual(
      m.via.map((v) => v.host),
      ['b', 'c'],
    );
    m.removeFirst('Via');
    assert.deepEqual(
      m.via.map((v) => v.host),
      ['c'],
    );
    m.removeFirst('Route');
    assert.deepEqual(
      m.route.map((r) => r.uri.host),
      ['r2'],
    );
    m.removeFirst('Route');
    assert.equal(m.has('Route'), false);
    assert.deepEqual(m.route, []);
    m.removeFirst('Route'); // harmless when absent
  });

  test('set replaces all occurrences in place; arrays give several lines', () => {
    const m = base();
    m.set('Via', ['SIP/2.0/UDP x;branch=z9hG4bKx', 'SIP/2.0/UDP y;branch=z9hG4bKy']);
    assert.deepEqual(
      m.via.map((v) => v.host),
      ['x', 'y'],
    );
    const names: string[] = [];
    m.forEachHeader((n) => names.push(n));
    assert.deepEqual(names.slice(0, 3), ['Via', 'Via', 'Route']);
    m.set('f', '<sip:new@h>;tag=g');
    assert.equal(m.fromTag, 'g');
    assert.equal(m.from.uri.user, 'new');
    m.set('to', '<sip:bob@example.com>;tag=t');
    assert.equal(m.toTag, 't');
    m.set('Max-Forwards', '69');
    assert.equal(m.maxForwards, 69);
    m.set('CSeq', '2 INVITE');
    assert.equal(m.cseq.seq, 2);
    m.set('Call-ID', 'other');
    assert.equal(m.callId, 'other');
    m.set('Content-Type', 'Text/Plain');
    assert.equal(m.contentType, 'text/plain');
  });

  test('append adds after existing ones, or at the end', () => {
    const m = base();
    m.append('Route', '<sip:r3;lr>');
    assert.deepEqual(
      m.route.map((r) => r.uri.host),
      ['r1', 'r2', 'r3'],
    );
    m.append('Subject', 'hi');
    const names: string[] = [];
    m.forEachHeader((n) => names.push(n));
    assert.equal(names[names.length - 1], 'Subject');
  });

  test('delete removes every occurrence and invalidates views', () => {
    const m = base();
    assert.equal(m.maxForwards, 70);
    m.delete('max-forwards');
    assert.equal(m.maxForwards, undefined);
    m.delete('Via');
    assert.equal(m.topVia, undefined);
    assert.equal(m.branch, undefined);
  });

  test('forEachHeader: wire order, one call per list element', () => {
    const seen: Array<[string, string]> = [];
    base().forEachHeader((n, v) => seen.push([n, v]));
    assert.deepEqual(seen.slice(0, 5), [
      ['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1'],
      ['Via', 'SIP/2.0/UDP b;branch=z9hG4bK2'],
      ['Via', 'SIP/2.0/UDP c;branch=z9hG4bK3'],
      ['Route', '<sip:r1;lr>'],
      ['Route', '<sip:r2;lr>'],
    ]);
  });

  test('values with CR or LF are refused (no header injection)', () => {
    const m = base();
    assert.throws(() => m.set('Subject', 'a\r\nVia: evil'), TypeError);
    assert.throws(() => m.append('X-A', 'a\nb'), TypeError);
    assert.throws(() => m.set('Bad Name', 'x'), TypeError);
  });

  test('methods must be tokens and statuses 100-699 (nothing can corrupt the start line)', () => {
    const m = base();
    assert.throws(() => (m.method = 'BAD METHOD'), TypeError);
    assert.throws(() => new SipRequest('IN\r\nVITE', 'sip:a@b'), TypeError);
    assert.throws(() => new SipRequest('INVITE', 'sip:a@b\r\nX: y'), TypeError);
    assert.throws(() => (m.uriText = 'sip:a@b\n'), TypeError);
    assert.throws(() => new SipResponse(99), TypeError);
    assert.throws(() => new SipResponse(700), TypeError);
    assert.throws(() => new SipResponse(200, 'OK\r\n'), TypeError);
    assert.equal(m.method, 'INVITE');
  });

  test('typed views of missing required headers throw SipParseError', () => {
    const r = new SipRequest('OPTIONS', 'sip:a@b');
    assert.throws(() => r.callId, { name: 'SipParseError' });
    assert.throws(() => r.cseq, { name: 'SipParseError' });
    assert.throws(() => r.from, { name: 'SipParseError' });
    assert.equal(r.topVia, undefined);
    assert.deepEqual(r.via, []);
    assert.deepEqual(r.contact, []);
  });

  test('body get/set', () => {
    const m = base();
    assert.equal(m.body.length, 0);
    m.body = Buffer.from('xyz');
    assert.ok(serialize(m).toString().endsWith('Content-Length: 3\r\n\r\nxyz'));
  });

  test('method, uri and uriText are settable', () => {
    const m = base();
    m.uri = parseUri('sip:carol@chicago.example.com;transport=tcp');
    assert.equal(m.uriText, 'sip:carol@chicago.example.com;transport=tcp');
    m.uriText = 'sip:dave@d.example';
    assert.equal(m.uri.user, 'dave');
    m.method = 'BYE';
    assert.ok(serialize(m).toString().startsWith('BYE sip:dave@d.example SIP/2.0\r\n'));
    assert.equal(formatUri(m.uri), 'sip:dave@d.example');
  });

  test('clone is deep: mutations do not leak either way', () => {
    const a = base();
    a.body = Buffer.from('abc');
    void a.via;
    const b = a.clone();
    assert.ok(b instanceof SipRequest);
    b.prepend('Via', 'SIP/2.0/UDP z;branch=z9hG4bKz');
    b.set('Call-ID', 'changed');
    b.body[0] = 0x41;
    b.method = 'BYE';
    assert.equal(a.via.length, 3);
    assert.equal(a.callId, 'cid');
    assert.equal(a.body.toString(), 'abc');
    assert.equal(a.method, 'INVITE');
    assert.equal(b.via.length, 4);
    assert.equal(b.callId, 'changed');
    const fresh = base();
    fresh.body = Buffer.from('abc');
    assert.deepEqual(serialize(a), serialize(fresh));
  });
});
