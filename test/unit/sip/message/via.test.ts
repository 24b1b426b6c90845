import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError, formatVia, parseVia } from '../../../../src/sip/message/index.ts';

describe('parseVia', () => {
  test('plain value', () => {
    assert.deepEqual(parseVia('SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds;rport'), {
      protocol: 'SIP/2.0',
      transport: 'UDP',
      host: 'pc33.atlanta.example.com',
      port: 5066,
      params: { branch: 'z9hG4bK776asdhds', rport: null },
    });
  });

  test('LWS around / ; = (wsinv), transport upper-cased', () => {
    const v = parseVia('SIP  /    2.0   / udp  192.168.255.111   ; Branch= z9hG4bK30239');
    assert.equal(v.protocol, 'SIP/2.0');
    assert.equal(v.transport, 'UDP');
    assert.equal(v.host, '192.168.255.111');
    assert.deepEqual(v.params, { branch: 'z9hG4bK30239' });
  });

  test('IPv6 sent-by and received', () => {
    const v = parseVia('SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bKx;received=[2001:db8::1];rport=5071');
    assert.equal(v.host, '[2001:db8::9]');
    assert.equal(v.port, 5070);
    assert.equal(v.params.received, '[2001:db8::1]');
    assert.equal(v.params.rport, '5071');
  });

  test('% in a branch is a token character, not an escape (esc02)', () => {
    assert.equal(
      parseVia('SIP/2.0/TCP host.example.com;branch=z9hG4bK209%fzsnel234').params.branch,
      'z9hG4bK209%fzsnel234',
    );
  });

  test('unknown protocol versions are kept as received', () => {
    assert.equal(parseVia('SIP/7.0/UDP c.example.com').protocol, 'SIP/7.0');
  });

  for (const bad of [
    'SIP/2.0/UDP 192.0.2.15;;', // badinv01
    'SIP/2.0/UDP',
    'SIP/2.0 host',
    'SIP/2.0/UDP host:99999',
    'SIP/2.0/UDP host:',
    'SIP/2.0/UDPhost',
    'SIP/2.0/UDP host;branch=',
    'SIP/2.0/UDP host junk',
    '',
  ]) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => parseVia(bad),
        (e: unknown) => e instanceof SipParseError && e.status === 400,
      );
    });
  }
});

describe('formatVia', () => {
  test('round trip', () => {
    const s = 'SIP/2.0/TLS [::1]:5061;branch=z9hG4bKa;received=10.0.0.1;rport=1234;alias';
    assert.equal(formatVia(parseVia(s)), s);
    assert.equal(formatVia(parseVia('SIP/2.0/UDP h')), 'SIP/2.0/UDP h');
  });
});
