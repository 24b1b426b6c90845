// ScriptedPeer: inbox, take/reply, auto-answer, on the fake network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipRequest, SipResponse } from '../../../../src/sip/message/index.ts';
import { FakeClock, FakeNetwork, ScriptedPeer } from '../../../../src/sip/testing/index.ts';

function options(peer: ScriptedPeer, transport: 'UDP' | 'TCP' = 'UDP', method = 'OPTIONS'): SipRequest {
  return new SipRequest(method, 'sip:x@10.0.0.2', [
    ['Via', peer.via(transport)],
    ['Max-Forwards', '70'],
    ['From', '<sip:a@a>;tag=f1'],
    ['To', '<sip:b@b>'],
    ['Call-ID', `call-${method}@test`],
    ['CSeq', `1 ${method}`],
  ]);
}

test('take a request, reply twice with the same To tag, the caller sees both', () => {
  const clock = new FakeClock();
  const net = new FakeNetwork({ clock });
  const uac = ScriptedPeer.attach(net, { address: '10.0.0.1' });
  const uas = ScriptedPeer.attach(net, { address: '10.0.0.2' });
  uac.send(options(uac, 'UDP', 'INVITE'), { transport: 'UDP', address: '10.0.0.2', port: 5060 });
  clock.advance(0);
  const inv = uas.takeRequest('INVITE');
  assert.throws(() => uas.takeRequest(), /no request received/);
  const ringing = uas.reply(inv, 180);
  const ok = uas.reply(inv, 200);
  assert.equal(ringing.toTag, ok.toTag);
  clock.advance(0);
  assert.equal(uac.takeResponse(180).message.toTag, ringing.toTag);
  assert.equal(uac.takeResponse().message.status, 200);
  assert.equal(uac.inbox.length, 0);
});

test('autoAnswer answers over TCP on the request connection and leaves the rest in the inbox', () => {
  const clock = new FakeClock();
  const net = new FakeNetwork({ clock });
  const uac = ScriptedPeer.attach(net, { address: '10.0.0.1' });
  const uas = ScriptedPeer.attach(net, { address: '10.0.0.2' });
  uas.autoAnswer((req) =>
    req.method === 'OPTIONS' ? [{ status: 200, headers: [['Allow', 'INVITE, ACK']] }] : undefined,
  );
  const dest = { transport: 'TCP', address: '10.0.0.2', port: 5060 };
  uac.send(options(uac, 'TCP'), dest);
  uac.send(options(uac, 'TCP', 'MESSAGE'), dest);
  clock.advance(0);
  const res = uac.takeResponse(200);
  assert.ok(res.message instanceof SipResponse);
  assert.equal(res.message.get('Allow'), 'INVITE');
  assert.equal(res.connectionId, net.openConnections()[0].id);
  assert.equal(uas.takeRequest().message.method, 'MESSAGE');
});
