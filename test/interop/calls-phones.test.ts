/**
 * Real phones through ringd (issue 4): baresip and linphonec register with digest, A dials B's extension,
 * B answers, A's tone arrives at B (frequency checked), A hangs up, and both Call records end `hangup`
 * with the right `hangup_by` / `hangup_reason`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dominantFrequency, makeToneWav, type ToneAnalysis } from './support/audio.ts';
import { startBaresip, type Baresip } from './support/baresip.ts';
import { sleep } from './support/phone-process.ts';
import { LINPHONE_EVENTS, startLinphone, type Linphone } from './support/linphone.ts';
import { startPhoneNode, type PhoneNode } from './support/phone-node.ts';

const TALK_MS = 2_000;

interface CallJson {
  id: string;
  status: string;
  direction: string;
  hangup_by: string;
  hangup_reason: string;
  master_call_id: string;
  destination: { target: string };
}

function assertTone(a: ToneAnalysis, freq: number, what: string): void {
  assert.ok(a.seconds >= 1, `${what}: recording too short (${a.seconds.toFixed(2)} s)`);
  assert.ok(a.rms > 0.05, `${what}: recording is (nearly) silent (rms ${a.rms.toFixed(4)})`);
  assert.ok(
    Math.abs(a.freq - freq) <= 5,
    `${what}: dominant frequency ${a.freq.toFixed(1)} Hz, expected ${freq} ± 5`,
  );
}

/** The two legs of the newest call, once both are hung up (records are written behind the call path). */
async function finishedLegs(node: PhoneNode): Promise<{ caller: CallJson; callee: CallJson }> {
  let calls: CallJson[] = [];
  for (let i = 0; i < 50; i++) {
    calls = (await node.get<{ result: CallJson[] }>('/v1.0/calls?page_size=10')).result;
    const caller = calls.find((c) => c.direction === 'incoming');
    const callee = calls.find((c) => c.direction === 'outgoing' && c.master_call_id === caller?.id);
    if (caller && callee && caller.status === 'hangup' && callee.status === 'hangup')
      return { caller, callee };
    await sleep(100);
  }
  throw new Error(`the call's legs did not both end: ${JSON.stringify(calls, null, 1)}`);
}

function cleanup(phones: Array<Baresip | Linphone | undefined>): Promise<unknown> {
  return Promise.allSettled(phones.map((p) => p?.stop()));
}

describe('real phones through ringd', { timeout: 90_000 }, () => {
  let node: PhoneNode;
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'ringd-phones-audio-'));
    node = await startPhoneNode([
      { user: 'alice', extension: '101' },
      { user: 'bob', extension: '102' },
      { user: 'carol', extension: '103' },
    ]);
  });
  after(async () => {
    await node?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const account = (user: string) => {
    const a = node.accounts.get(user)!;
    return { user: a.user, password: a.password, domain: node.domain, registrar: node.sipAddress };
  };

  test(
    'baresip A calls baresip B by extension; A’s 440 Hz arrives at B; A hangs up',
    { timeout: 30_000 },
    async (t) => {
      const a = await startBaresip({ name: 'alice', account: account('alice'), tone: { freq: 440 } });
      const b = await startBaresip({ name: 'bob', account: account('bob'), tone: { freq: 880 } });
      t.after(() => cleanup([a, b]));
      await a.waitFor('REGISTER_OK', 5_000);
      await b.waitFor('REGISTER_OK', 5_000);
      const regs = await node.get<{ result: Array<{ sip_username: string }> }>('/v1.0/registrations');
      assert.deepEqual(regs.result.map((r) => r.sip_username).sort(), ['alice', 'bob']);

      assert.ok((await a.dial(`sip:102@${node.domain}`)).ok, 'dial accepted');
      await b.waitFor('CALL_INCOMING', 5_000);
      await a.waitFor('CALL_RINGING', 5_000);
      assert.ok((await b.accept()).ok, 'accept accepted');
      await a.waitFor('CALL_ESTABLISHED', 5_000);
      await b.waitFor('CALL_ESTABLISHED', 5_000);
      await b.waitFor('CALL_RTPESTAB', 5_000);
      await sleep(TALK_MS);
      assert.ok((await a.hangup()).ok, 'hangup accepted');
      await a.waitFor('CALL_CLOSED', 5_000);
      await b.waitFor('CALL_CLOSED', 5_000);

      const [atB] = await b.recordings(5_000);
      assertTone(await dominantFrequency(atB), 440, "A's tone recorded at B, through ringd's relay");
      const [atA] = await a.recordings(5_000);
      assertTone(await dominantFrequency(atA), 880, "B's tone recorded at A, through ringd's relay");

      const { caller, callee } = await finishedLegs(node);
      assert.deepEqual(
        [caller.hangup_by, caller.hangup_reason],
        ['remote', 'normal'],
        'A hung up its own leg',
      );
      assert.deepEqual(
        [callee.hangup_by, callee.hangup_reason],
        ['local', 'normal'],
        'ringd hung up B’s leg',
      );
    },
  );

  test(
    'linphonec calls baresip by extension; linphonec’s 600 Hz arrives at baresip',
    { timeout: 30_000 },
    async (t) => {
      const tone = join(work, 'l-600.wav');
      const heard = join(work, 'l-heard.wav');
      await makeToneWav(tone, 600, 6);
      const l = await startLinphone({
        name: 'carol',
        account: { ...account('carol'), proxy: node.sipAddress },
        playFile: tone,
        recordFile: heard,
      });
      const b = await startBaresip({ name: 'bob', account: account('bob'), tone: { freq: 880 } });
      t.after(() => cleanup([l, b]));
      await l.waitRegistered(8_000);
      await b.waitFor('REGISTER_OK', 5_000);

      l.call(`sip:102@${node.domain}`);
      await b.waitFor('CALL_INCOMING', 5_000);
      await b.accept();
      await b.waitFor('CALL_ESTABLISHED', 5_000);
      await l.waitFor(LINPHONE_EVENTS.connected, 5_000);
      await b.waitFor('CALL_RTPESTAB', 5_000);
      await sleep(TALK_MS);
      l.terminate();
      await l.waitFor(LINPHONE_EVENTS.ended, 5_000);
      await b.waitFor('CALL_CLOSED', 5_000);

      const [atB] = await b.recordings(5_000);
      assertTone(await dominantFrequency(atB), 600, "linphonec's tone recorded at baresip, through ringd");
      const { caller, callee } = await finishedLegs(node);
      assert.deepEqual([caller.hangup_by, caller.hangup_reason], ['remote', 'normal']);
      assert.deepEqual([callee.hangup_by, callee.hangup_reason], ['local', 'normal']);
    },
  );
});
