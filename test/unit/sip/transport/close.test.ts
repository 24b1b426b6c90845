// close() leaves no handles behind: after traffic in every direction, no socket or server remains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipRequest } from '../../../../src/sip/message/index.ts';
import { FakeClock } from '../../../../src/sip/testing/index.ts';
import { TcpPeer, UdpPeer, request, startLayer, until } from './helpers.ts';

const SOCKETS = /^(TCPWRAP|TCPSocketWrap|TCPServerWrap|UDPWrap|TCPWrap)$/i;
const socketHandles = (): string[] => process.getActiveResourcesInfo().filter((r) => SOCKETS.test(r));

test('close() leaves no socket handles (UDP, TCP inbound and outbound)', async () => {
  assert.deepEqual(socketHandles(), []);
  const a = await startLayer({ clock: new FakeClock() });
  const b = await startLayer({ clock: new FakeClock() });
  const udp = await UdpPeer.open();
  const tcp = await TcpPeer.connect(a.layer.tcpPort);
  udp.send(request({ via: `SIP/2.0/UDP 127.0.0.1:${udp.port};branch=z9hG4bK-u` }), a.layer.udpPort);
  tcp.write(request({ via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-t' }));
  const out = new SipRequest('OPTIONS', 'sip:b@127.0.0.1', [
    ['Via', `SIP/2.0/TCP 127.0.0.1:${a.layer.tcpPort};branch=z9hG4bK-o`],
    ['From', '<sip:a@x>;tag=1'],
    ['To', '<sip:b@y>'],
    ['Call-ID', 'o@test'],
    ['CSeq', '1 OPTIONS'],
    ['Max-Forwards', '70'],
  ]);
  a.layer.sendRequest(out, { transport: 'TCP', address: '127.0.0.1', port: b.layer.tcpPort });
  await until(() => a.inbound.length === 2 && b.inbound.length === 1, 'traffic');
  assert.ok(socketHandles().length > 0);
  await Promise.all([a.layer.close(), b.layer.close(), udp.close()]);
  tcp.close();
  await until(() => socketHandles().length === 0, `no socket handles (left: ${socketHandles().join(',')})`);
});
