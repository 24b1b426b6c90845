/**
 * Calls through the real ringd process between SIPp phones (issue 4): the callee registers with digest
 * (401 → 200), the caller's INVITE is challenged (407) and authenticated, ringd rings the callee's
 * registered contact, relays 180, answers with its own SDP, and BYE ends both legs — over UDP and TCP.
 * The Call records are checked over the REST API afterwards.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import {
  calleeRegisterArgs,
  callerArgs,
  startBenchNode,
  type BenchNode,
} from '../../bench/support/ringd-bench.ts';
import { freePort } from './support/ports.ts';
import { describeRun, runSipp, startSipp } from './support/sipp.ts';

interface CallJson {
  id: string;
  status: string;
  direction: string;
  hangup_by: string;
  hangup_reason: string;
  master_call_id: string;
  chained_call_ids: string[];
}

for (const transport of ['udp', 'tcp'] as const) {
  describe(`calls through ringd between SIPp phones (${transport})`, { timeout: 90_000 }, () => {
    let node: BenchNode;
    before(async () => {
      node = await startBenchNode();
    });
    after(async () => {
      await node?.stop();
    });

    it('registers the callee with digest, then a caller with digest reaches it; BYE ends both legs', async () => {
      const uasPort = await freePort();
      const remote = `127.0.0.1:${node.ringd.sipPort}`;
      const reg = await runSipp({
        scenario: 'register-auth.xml',
        remote,
        transport,
        port: uasPort,
        service: 'callee',
        extraArgs: calleeRegisterArgs(node),
      });
      assert.equal(reg.code, 0, `REGISTER with digest: ${describeRun(reg)}`);
      const regs = await fetch(`${node.ringd.http}/v1.0/registrations`, {
        headers: { authorization: `Bearer ${node.apiKey}` },
      }).then((r) => r.json() as Promise<{ result: Array<{ contact: string; source: string }> }>);
      assert.equal(regs.result.length, 1, JSON.stringify(regs));
      assert.match(regs.result[0].contact, new RegExp(`sip:callee@127\\.0\\.0\\.1:${uasPort}`));

      const uas = await startSipp({
        scenario: 'uas-answer.xml',
        transport,
        port: uasPort,
        calls: 3,
        timeoutMs: 30_000,
        extraArgs: ['-d', '20'],
      });
      const uac = await runSipp({
        scenario: 'uac-auth-call.xml',
        remote,
        transport,
        calls: 3,
        rate: 5,
        service: '2000',
        timeoutMs: 30_000,
        extraArgs: callerArgs(node, 100),
      });
      assert.equal(uac.code, 0, `caller: ${describeRun(uac)}`);
      const callee = await uas.done;
      assert.equal(callee.code, 0, `callee: ${describeRun(callee)}`);
      assert.equal(uac.stats['SuccessfulCall(C)'], '3');

      // Records are written behind the call path: give them a moment, bounded.
      let calls: CallJson[] = [];
      for (let i = 0; i < 50; i++) {
        const page = await fetch(`${node.ringd.http}/v1.0/calls`, {
          headers: { authorization: `Bearer ${node.apiKey}` },
        }).then((r) => r.json() as Promise<{ result: CallJson[] }>);
        calls = page.result;
        if (calls.length === 6 && calls.every((c) => c.status === 'hangup')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(calls.length, 6, `two legs per call: ${JSON.stringify(calls)}`);
      const incoming = calls.filter((c) => c.direction === 'incoming');
      const outgoing = calls.filter((c) => c.direction === 'outgoing');
      assert.equal(incoming.length, 3);
      for (const c of incoming) {
        assert.equal(c.status, 'hangup');
        assert.equal(c.hangup_by, 'remote', 'the caller hung up');
        assert.equal(c.hangup_reason, 'normal');
        assert.equal(c.chained_call_ids.length, 1);
      }
      for (const c of outgoing) {
        assert.equal(c.status, 'hangup');
        assert.equal(c.hangup_by, 'local', 'ringd hung the callee leg up');
        assert.equal(c.hangup_reason, 'normal');
        assert.ok(
          incoming.some((i) => i.id === c.master_call_id),
          'callee leg points to its caller leg',
        );
      }
    });
  });
}
