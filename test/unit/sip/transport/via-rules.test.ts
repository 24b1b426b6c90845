// Via rules without sockets: §18.2.1 / RFC 3581 stamping, §18.2.2 response targets, §18.1.2 sent-by check.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SipRequest, parseVia } from '../../../../src/sip/message/index.ts';
import {
  SentBySet,
  bareHost,
  normalizeAddress,
  responseTarget,
  stampReceived,
} from '../../../../src/sip/transport/index.ts';

const src = { transport: 'UDP', address: '192.0.2.9', port: 40001 };
const req = (via: string): SipRequest =>
  new SipRequest('OPTIONS', 'sip:a@b', [
    ['Via', via],
    ['Via', 'SIP/2.0/UDP second'],
  ]);

describe('stampReceived', () => {
  test('same address, no rport: untouched', () => {
    const r = req('SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bK1');
    assert.equal(stampReceived(r, src), true);
    assert.equal(r.get('Via'), 'SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bK1');
  });

  test('different address or a host name: received added, other Vias untouched', () => {
    for (const host of ['192.0.2.1', 'pc.example.com']) {
      const r = req(`SIP/2.0/UDP ${host};branch=z9hG4bK1`);
      stampReceived(r, src);
      assert.equal(r.topVia?.params.received, '192.0.2.9');
      assert.equal(r.topVia?.params.rport, undefined);
      assert.equal(r.getAll('Via')[1], 'SIP/2.0/UDP second');
    }
  });

  test('rport without value: filled, and received added even for the same address (RFC 3581 §4)', () => {
    const r = req('SIP/2.0/UDP 192.0.2.9:5060;rport;branch=z9hG4bK1');
    stampReceived(r, src);
    assert.equal(r.topVia?.params.rport, '40001');
    assert.equal(r.topVia?.params.received, '192.0.2.9');
    assert.equal(r.topVia?.params.branch, 'z9hG4bK1');
  });

  test('rport with a value is left alone', () => {
    const r = req('SIP/2.0/UDP 192.0.2.9:5060;rport=7;branch=z9hG4bK1');
    stampReceived(r, src);
    assert.equal(r.topVia?.params.rport, '7');
  });

  test('IPv6 sent-by in brackets equals the bare source address', () => {
    const r = req('SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1');
    stampReceived(r, { transport: 'UDP', address: '2001:DB8::1', port: 5060 });
    assert.equal(r.topVia?.params.received, undefined);
  });

  test('no Via → false', () => {
    assert.equal(stampReceived(new SipRequest('OPTIONS', 'sip:a@b', []), src), false);
  });
});

describe('responseTarget (§18.2.2)', () => {
  const cases: Array<[string, { transport: string; address: string; port: number }]> = [
    ['SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1', { transport: 'UDP', address: '192.0.2.1', port: 5070 }],
    [
      'SIP/2.0/UDP host.example.com;branch=z9hG4bK1',
      { transport: 'UDP', address: 'host.example.com', port: 5060 },
    ],
    [
      'SIP/2.0/UDP h;received=192.0.2.7;branch=z9hG4bK1',
      { transport: 'UDP', address: '192.0.2.7', port: 5060 },
    ],
    [
      'SIP/2.0/UDP h:5070;received=192.0.2.7;rport=4000',
      { transport: 'UDP', address: '192.0.2.7', port: 4000 },
    ],
    ['SIP/2.0/UDP h:5070;received=192.0.2.7;rport', { transport: 'UDP', address: '192.0.2.7', port: 5070 }],
    [
      'SIP/2.0/UDP h:5070;maddr=239.1.1.1;received=192.0.2.7',
      { transport: 'UDP', address: '239.1.1.1', port: 5070 },
    ],
    [
      'SIP/2.0/TCP h:5070;received=192.0.2.7;rport=4000',
      { transport: 'TCP', address: '192.0.2.7', port: 5070 },
    ],
    ['SIP/2.0/TCP h', { transport: 'TCP', address: 'h', port: 5060 }],
    ['SIP/2.0/TLS h', { transport: 'TLS', address: 'h', port: 5061 }],
    ['SIP/2.0/UDP [2001:db8::1]:5062', { transport: 'UDP', address: '2001:db8::1', port: 5062 }],
  ];
  for (const [via, want] of cases) {
    test(via, () => assert.deepEqual(responseTarget(parseVia(via)), want));
  }
});

describe('SentBySet (§18.1.2)', () => {
  const ours = new SentBySet().addHost('10.0.0.1').addHost('PBX.example.com').addPort(5060).addPort(5080);
  test('matches our hosts and ports, 5060 when absent', () => {
    assert.equal(ours.matches(parseVia('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1')), true);
    assert.equal(ours.matches(parseVia('SIP/2.0/TCP pbx.example.com:5080')), true);
    assert.equal(ours.matches(parseVia('SIP/2.0/UDP 10.0.0.1:5070')), false);
    assert.equal(ours.matches(parseVia('SIP/2.0/UDP 255.255.255.255')), false);
    assert.equal(ours.matches(parseVia('SIP/2.0/TLS 10.0.0.1')), false, 'TLS default port is 5061');
  });
  test('address helpers', () => {
    assert.equal(bareHost('[::1]'), '::1');
    assert.equal(normalizeAddress('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(normalizeAddress('FE80::1'), 'fe80::1');
  });
});
