/**
 * Self-test of the real-phone drivers (baresip, linphonec) and the audio check, without ringd: one phone dials
 * the other's own address, the callee answers, each side's tone is recorded by the other, the caller hangs up.
 * Proves the drivers before the registrar/B2BUA interop tests rely on them.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dominantFrequency, makeToneWav, type ToneAnalysis } from './support/audio.ts';
import { startBaresip, type Baresip } from './support/baresip.ts';
import { sleep } from './support/phone-process.ts';
import { LINPHONE_EVENTS, startLinphone, type Linphone } from './support/linphone.ts';

/** How long a call carries audio before hang-up: enough for a clean FFT over its middle. */
const TALK_MS = 2_000;
/** Per-test bounds, summing to < 60 s for the whole file (a call test takes ~2.5 s, a short one < 1 s). */
const TEST_TIMEOUT = { timeout: 12_000 };
const SHORT_TIMEOUT = { timeout: 8_000 };

function assertTone(a: ToneAnalysis, freq: number, what: string, logs: () => string = () => ''): void {
  assert.ok(a.seconds >= 1, `${what}: recording too short (${a.seconds.toFixed(2)} s)\n${logs()}`);
  assert.ok(a.rms > 0.05, `${what}: recording is (nearly) silent (rms ${a.rms.toFixed(4)})\n${logs()}`);
  assert.ok(
    Math.abs(a.freq - freq) <= 5,
    `${what}: dominant frequency ${a.freq.toFixed(1)} Hz, expected ${freq} ± 5 Hz\n${logs()}`,
  );
}

/** Stops every phone (bounded, by pid), even when a test failed half-way. */
function cleanup(phones: (Baresip | Linphone | undefined)[]): Promise<unknown> {
  return Promise.allSettled(phones.map((p) => p?.stop()));
}

/**
 * A stub registrar on UDP: answers REGISTER without Authorization 401 (digest challenge), with it 200
 * (Contact echoed, expires=3600). Credentials are not checked: this proves the drivers' account config only.
 */
async function stubRegistrar(): Promise<{ port: number; requests: string[]; close(): void }> {
  const sock: Socket = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const requests: string[] = [];
  sock.on('message', (buf, rinfo) => {
    const msg = buf.toString();
    if (!msg.startsWith('REGISTER ')) return;
    requests.push(msg);
    const lines = msg.split('\r\n');
    const h = (name: string) => lines.filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    const authorised = h('Authorization').length > 0;
    const reply = [
      authorised ? 'SIP/2.0 200 OK' : 'SIP/2.0 401 Unauthorized',
      ...h('Via'),
      ...h('From'),
      `${h('To')[0]};tag=stub`,
      ...h('Call-ID'),
      ...h('CSeq'),
      ...(authorised
        ? h('Contact').map((c) => `${c.replace(/;expires=\d+/, '')};expires=3600`)
        : ['WWW-Authenticate: Digest realm="example.test", nonce="n0", algorithm=MD5, qop="auth"']),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    sock.send(reply, rinfo.port, rinfo.address);
  });
  return { port: sock.address().port, requests, close: () => sock.close() };
}

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'ringd-peers-'));
});
after(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('baresip ↔ baresip, direct', () => {
  test('A dials B, B answers, each hears the other, A hangs up', TEST_TIMEOUT, async (t) => {
    const a = await startBaresip({ name: 'alice', tone: { freq: 440 } });
    const b = await startBaresip({ name: 'bob', tone: { freq: 880 } });
    t.after(() => cleanup([a, b]));

    const dial = await a.dial(b.directUri);
    assert.ok(dial.ok, `dial refused: ${dial.data}`);
    const incoming = await b.waitFor('CALL_INCOMING', 5_000);
    assert.equal(incoming.peeruri, 'sip:alice@127.0.0.1', 'B sees A as the caller');
    await a.waitFor('CALL_RINGING', 5_000);
    const accepted = await b.accept();
    assert.ok(accepted.ok, `accept refused: ${accepted.data}`);
    await a.waitFor('CALL_ESTABLISHED', 5_000);
    await b.waitFor('CALL_ESTABLISHED', 5_000);
    await b.waitFor('CALL_RTPESTAB', 5_000); // B receives A's RTP
    await a.waitFor('CALL_RTPESTAB', 5_000);
    await sleep(TALK_MS);

    assert.ok((await a.hangup()).ok, 'hangup accepted');
    const closedA = await a.waitFor('CALL_CLOSED', 5_000);
    const closedB = await b.waitFor('CALL_CLOSED', 5_000);
    assert.equal(closedA.id, incoming.id, 'same call (Call-ID) closed on both sides');
    assert.equal(closedB.id, incoming.id, 'same call (Call-ID) closed on both sides');

    const [atB] = await b.recordings(5_000);
    assertTone(await dominantFrequency(atB), 440, "A's tone recorded at B");
    const [atA] = await a.recordings(5_000);
    assertTone(await dominantFrequency(atA), 880, "B's tone recorded at A");
  });

  test(
    'hangup on a ringing incoming call rejects it; the caller sees CALL_CLOSED',
    SHORT_TIMEOUT,
    async (t) => {
      const a = await startBaresip({ name: 'carol', record: false });
      const b = await startBaresip({ name: 'dave', record: false });
      t.after(() => cleanup([a, b]));

      await a.dial(b.directUri);
      await b.waitFor('CALL_INCOMING', 5_000);
      await b.hangup();
      const closed = await a.waitFor('CALL_CLOSED', 5_000);
      assert.match(closed.param ?? '', /486|Busy/i, `caller told why: ${closed.param}`);
      assert.equal(
        a.events().some((e) => e.type === 'CALL_ESTABLISHED'),
        false,
        'the call was never established',
      );
    },
  );
});

describe('linphonec ↔ baresip, direct', () => {
  test('linphonec calls baresip; tones both ways; linphonec hangs up', TEST_TIMEOUT, async (t) => {
    const tone = join(work, 'l-600.wav');
    const heard = join(work, 'l-heard-1.wav');
    await makeToneWav(tone, 600, 5);
    const b = await startBaresip({ name: 'erin', tone: { freq: 880 } });
    const l = await startLinphone({ name: 'frank', playFile: tone, recordFile: heard });
    t.after(() => cleanup([b, l]));

    l.call(b.directUri);
    const incoming = await b.waitFor('CALL_INCOMING', 5_000);
    assert.equal(incoming.peeruri, 'sip:frank@127.0.0.1', 'baresip sees linphonec as the caller');
    await l.waitFor(LINPHONE_EVENTS.ringing, 5_000);
    await b.accept();
    await b.waitFor('CALL_ESTABLISHED', 5_000);
    await l.waitFor(LINPHONE_EVENTS.connected, 5_000);
    await b.waitFor('CALL_RTPESTAB', 5_000);
    await sleep(TALK_MS);

    l.terminate();
    await b.waitFor('CALL_CLOSED', 5_000);
    await l.waitFor(LINPHONE_EVENTS.ended, 5_000);

    const [atB] = await b.recordings(5_000);
    assertTone(await dominantFrequency(atB), 600, "linphonec's WAV tone recorded at baresip");
    assertTone(
      await dominantFrequency(await l.recording(5_000)),
      880,
      "baresip's tone recorded at linphonec",
      l.log,
    );
  });

  test('baresip calls linphonec; linphonec answers; baresip hangs up', TEST_TIMEOUT, async (t) => {
    const tone = join(work, 'l-700.wav');
    const heard = join(work, 'l-heard-2.wav');
    await makeToneWav(tone, 700, 5);
    const b = await startBaresip({ name: 'grace', tone: { freq: 500 } });
    const l = await startLinphone({ name: 'heidi', playFile: tone, recordFile: heard });
    t.after(() => cleanup([b, l]));

    await b.dial(l.directUri);
    const incoming = await l.waitFor(LINPHONE_EVENTS.incoming, 5_000);
    assert.equal(incoming[1], 'sip:grace@127.0.0.1', 'linphonec sees baresip as the caller');
    l.answer();
    await l.waitFor(LINPHONE_EVENTS.connected, 5_000);
    await b.waitFor('CALL_ESTABLISHED', 5_000);
    await b.waitFor('CALL_RTPESTAB', 5_000);
    await sleep(TALK_MS);

    await b.hangup();
    await b.waitFor('CALL_CLOSED', 5_000);
    await l.waitFor(LINPHONE_EVENTS.ended, 5_000);

    assertTone(
      await dominantFrequency(await l.recording(5_000)),
      500,
      "baresip's tone recorded at linphonec",
      l.log,
    );
    const [atB] = await b.recordings(5_000);
    assertTone(await dominantFrequency(atB), 700, "linphonec's WAV tone recorded at baresip");
  });
});

describe('accounts (stub registrar, not ringd)', () => {
  test(
    'baresip registers through outbound=, with a Route to the registrar; linphonec registers',
    SHORT_TIMEOUT,
    async (t) => {
      const reg = await stubRegistrar();
      const b = await startBaresip({
        name: 'ivan',
        record: false,
        account: { user: 'ivan', password: 'pw', domain: 'example.test', registrar: `127.0.0.1:${reg.port}` },
      });
      const l = await startLinphone({
        name: 'judy',
        account: { user: 'judy', password: 'pw', domain: 'example.test', proxy: `127.0.0.1:${reg.port}` },
      });
      t.after(async () => {
        await cleanup([b, l]);
        reg.close();
      });

      const ok = await b.waitFor('REGISTER_OK', 5_000);
      assert.equal(ok.accountaor, 'sip:ivan@example.test', 'REGISTER_OK for the account');
      assert.match(await l.waitRegistered(5_000), /<sip:judy@example\.test>/, 'linphonec registered');

      const ivan = reg.requests.filter((m) => /^From:.*sip:ivan@/m.test(m));
      assert.ok(ivan.length >= 2, 'baresip sent REGISTER, then again with credentials');
      assert.match(ivan[0], /^REGISTER sip:example\.test SIP\/2\.0/, 'REGISTER goes to sip:<domain>');
      assert.match(
        ivan[0],
        new RegExp(`^Route: <sip:127\\.0\\.0\\.1:${reg.port};lr>`, 'm'),
        'Route to the registrar',
      );
      assert.match(ivan[1], /^Authorization: Digest username="ivan"/m, 'answered the challenge');
      const judy = reg.requests.filter((m) => /^From:.*sip:judy@/m.test(m));
      assert.ok(
        judy.some((m) => /^Authorization: +Digest .*username="judy"/m.test(m)),
        'linphonec answered the challenge',
      );
    },
  );
});
