/**
 * Interop: SIPp against the SIP core (test UA of test/support/test-ua.ts) over UDP and TCP.
 * SIPp's exit code 0 means every call of the scenario completed with the exact message sequence.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SipRequest, SipResponse } from '../../src/sip/message/index.ts';
import { startTestUa, type TestUa } from '../support/test-ua.ts';
import { describeRun, runSipp, startSipp } from './support/sipp.ts';

const isReq = (m: SipRequest | SipResponse, method: string): boolean =>
  m.kind === 'request' && (m as SipRequest).method === method;
const isRes = (m: SipRequest | SipResponse, status: number, method: string): boolean =>
  m.kind === 'response' && (m as SipResponse).status === status && m.cseq.method === method;

for (const transport of ['udp', 'tcp'] as const) {
  describe(`SIPp → core UAS over ${transport.toUpperCase()}`, () => {
    let uas: TestUa;
    const remote = () => `127.0.0.1:${transport === 'udp' ? uas.port : uas.tcpPort}`;
    before(async () => {
      uas = await startTestUa();
    });
    after(async () => {
      await uas.close();
    });

    test('OPTIONS → 200 (10 requests)', async () => {
      const r = await runSipp({
        scenario: 'options-uac.xml',
        remote: remote(),
        transport,
        calls: 10,
        rate: 50,
      });
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stats['SuccessfulCall(C)'], '10');
    });

    test('INVITE → 100/180/200, ACK, BYE → 200 (10 calls)', async () => {
      const r = await runSipp({
        scenario: 'invite-uac.xml',
        remote: remote(),
        transport,
        calls: 10,
        rate: 20,
      });
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stats['SuccessfulCall(C)'], '10');
      // Every call reached the UA as a confirmed session ended by the caller's BYE.
      await waitFor(() => uas.ended.filter((c) => c === 'remote-bye').length >= 10);
      assert.equal(uas.ua.stats().sessions, 0);
    });

    test('CANCEL while ringing → 200 for the CANCEL, 487 for the INVITE', async () => {
      const ringing = await startTestUa({ answerAfterMs: null });
      try {
        const port = transport === 'udp' ? ringing.port : ringing.tcpPort;
        const r = await runSipp({
          scenario: 'cancel-uac.xml',
          remote: `127.0.0.1:${port}`,
          transport,
          calls: 5,
        });
        assert.equal(r.code, 0, describeRun(r));
        assert.equal(r.stats['SuccessfulCall(C)'], '5');
        assert.equal(ringing.transport.sent.filter((m) => isRes(m, 487, 'INVITE')).length, 5);
        assert.equal(ringing.transport.sent.filter((m) => isRes(m, 200, 'CANCEL')).length, 5);
      } finally {
        await ringing.close();
      }
    });

    test('core UAC → SIPp UAS (built-in uas scenario): INVITE, 180, 200, ACK, BYE', async () => {
      const sipp = await startSipp({ scenario: { builtin: 'uas' }, transport, calls: 1 });
      await new Promise((r) => setTimeout(r, 300)); // let SIPp bind its socket
      const out = uas.ua.invite({
        uri: `sip:service@127.0.0.1:${sipp.port}`,
        destination: { transport: transport.toUpperCase(), address: '127.0.0.1', port: sipp.port },
        body: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\n',
      });
      const progress: number[] = [];
      out.onProgress = (res) => progress.push(res.status);
      const answered = await new Promise<boolean>((resolve) => {
        out.onAnswer = () => resolve(true);
        out.onFailure = () => resolve(false);
      });
      assert.ok(answered, 'SIPp answered');
      assert.ok(progress.includes(180), `saw 180 (got ${progress.join(',')})`);
      await new Promise((r) => setTimeout(r, 100));
      const bye = await out.session!.bye();
      assert.equal(bye?.status, 200);
      const run = await sipp.done;
      assert.equal(run.code, 0, describeRun(run));
    });
  });
}

describe('retransmissions over UDP when a message is lost', () => {
  test('our 200 to OPTIONS lost → SIPp retransmits the OPTIONS and our transaction answers again', async () => {
    const uas = await startTestUa();
    try {
      uas.transport.dropOutbound((m) => isRes(m, 200, 'OPTIONS'), 1);
      const r = await runSipp({
        scenario: 'options-uac.xml',
        remote: `127.0.0.1:${uas.port}`,
        transport: 'udp',
      });
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(uas.transport.dropped, 1);
      assert.equal(uas.transport.sent.filter((m) => isRes(m, 200, 'OPTIONS')).length, 2);
      assert.equal(r.stats['Retransmissions(C)'], '1');
    } finally {
      await uas.close();
    }
  });

  test('SIPp INVITE lost → SIPp retransmits it; our 200 lost → the UAS core retransmits the 2xx until ACK', async () => {
    const uas = await startTestUa();
    try {
      uas.transport.dropInbound((m) => isReq(m, 'INVITE'), 1);
      uas.transport.dropOutbound((m) => isRes(m, 200, 'INVITE'), 1);
      const r = await runSipp({
        scenario: 'invite-uac.xml',
        remote: `127.0.0.1:${uas.port}`,
        transport: 'udp',
      });
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(uas.transport.dropped, 2);
      assert.ok(Number(r.stats['Retransmissions(C)']) >= 1, 'SIPp retransmitted the INVITE');
      assert.equal(
        uas.transport.sent.filter((m) => isRes(m, 200, 'INVITE')).length,
        2,
        'the 2xx went out twice',
      );
      await waitFor(() => uas.ended.includes('remote-bye'));
    } finally {
      await uas.close();
    }
  });
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
