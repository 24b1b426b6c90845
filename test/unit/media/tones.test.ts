import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  alawToLinear,
  decodeG711,
  encodeG711,
  encodeWav,
  linearToAlaw,
  linearToUlaw,
  parseWav,
  readWav,
  RtpPlayer,
  toneSamples,
  ulawToLinear,
  WavFormatError,
} from '../../../src/media/tones/index.ts';
import type { G711Law } from '../../../src/media/tones/index.ts';
import { FakeClock } from '../../../src/sip/testing/fake-clock.ts';
import { RtpRelay } from '../../../src/media/rtp/index.ts';
import { Peer } from './helpers.ts';

/** Relative power of `freq` in `x` (Goertzel), normalised by the signal's total power. */
function goertzel(x: ArrayLike<number>, freq: number, from = 0, to = x.length): number {
  const n = to - from;
  const k = (2 * Math.cos((2 * Math.PI * freq) / 8000)) as number;
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = from; i < to; i++) {
    const s = x[i] + k * s1 - s2;
    s2 = s1;
    s1 = s;
    energy += x[i] * x[i];
  }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return energy === 0 ? 0 : power / ((energy * n) / 2);
}

describe('G.711', () => {
  it('encodes known values (ITU-T G.711 / reference g711.c)', () => {
    assert.equal(linearToUlaw(0), 0xff, 'µ-law 0');
    assert.equal(linearToUlaw(32767), 0x80, 'µ-law max');
    assert.equal(linearToUlaw(-32768), 0x00, 'µ-law min');
    assert.equal(linearToUlaw(1000), 0xce, 'µ-law 1000');
    assert.equal(linearToUlaw(-1000), 0x4e, 'µ-law -1000');
    assert.equal(linearToAlaw(0), 0xd5, 'A-law 0');
    assert.equal(linearToAlaw(32767), 0xaa, 'A-law max');
    assert.equal(linearToAlaw(-32768), 0x2a, 'A-law min');
    assert.equal(linearToAlaw(1000), 0xfa, 'A-law 1000');
    assert.equal(linearToAlaw(-1000), 0x7a, 'A-law -1000');
    assert.equal(ulawToLinear(0xff), 0, 'µ-law decode 0xFF');
    assert.equal(ulawToLinear(0x80), 32124, 'µ-law decode max');
    assert.equal(alawToLinear(0xd5), 8, 'A-law decode 0xD5');
    assert.equal(alawToLinear(0xaa), 32256, 'A-law decode max');
  });

  it('round-trips within the quantisation step, for every 16-bit sample', () => {
    for (const law of ['ulaw', 'alaw'] as G711Law[]) {
      const pcm = new Int16Array(65536);
      for (let i = 0; i < 65536; i++) pcm[i] = i - 32768;
      const back = decodeG711(encodeG711(pcm, law), law);
      for (let i = 0; i < 65536; i++) {
        const err = Math.abs(back[i] - pcm[i]);
        const tol = Math.max(16, Math.abs(pcm[i]) / 16);
        if (err > tol) assert.fail(`${law}: ${pcm[i]} decoded as ${back[i]}`);
      }
    }
  });
});

describe('tone generators', () => {
  const expect = (
    tone: Parameters<typeof toneSamples>[0],
    onMs: number,
    present: number[],
    absent: number[],
  ) => {
    for (const law of ['ulaw', 'alaw'] as G711Law[]) {
      const pcm = decodeG711(encodeG711(toneSamples(tone), law), law);
      const to = Math.round((onMs * 8000) / 1000);
      for (const f of present)
        assert.ok(goertzel(pcm, f, 80, to - 80) > 0.3, `${tone}/${law}: ${f} Hz present`);
      for (const f of absent)
        assert.ok(goertzel(pcm, f, 80, to - 80) < 0.02, `${tone}/${law}: ${f} Hz absent`);
    }
  };

  it('ringback: 440 + 480 Hz for 2 s, then 4 s of silence', () => {
    const pcm = toneSamples('ringback');
    assert.equal(pcm.length, 6 * 8000, 'six-second cycle');
    expect('ringback', 2000, [440, 480], [620, 1000]);
    assert.ok(
      pcm.subarray(16000).every((s) => s === 0),
      'silent after 2 s',
    );
  });

  it('busy: 480 + 620 Hz, 0.5 s on / 0.5 s off; congestion the same at 0.25 s', () => {
    assert.equal(toneSamples('busy').length, 8000);
    expect('busy', 500, [480, 620], [440, 1000]);
    assert.equal(toneSamples('congestion').length, 4000);
    expect('congestion', 250, [480, 620], [440]);
    assert.ok(
      toneSamples('busy')
        .subarray(4000)
        .every((s) => s === 0),
      'busy off phase silent',
    );
  });

  it('beep is 1 kHz; failure is three rising tones; hold is quiet', () => {
    expect('beep', 200, [1000], [440, 480]);
    const f = toneSamples('failure');
    const seg = Math.round(0.33 * 8000);
    const freqs = [950, 1400, 1800];
    for (let i = 0; i < 3; i++) {
      const p = goertzel(f, freqs[i], i * seg + 40, (i + 1) * seg - 40);
      assert.ok(p > 0.5, `failure segment ${i + 1} at ${freqs[i]} Hz`);
    }
    const hold = toneSamples('hold');
    assert.ok(Math.max(...hold.map(Math.abs)) < 0.1 * 32767, 'hold stays soft');
    assert.ok(goertzel(hold, 523.25, 40, 2360) > 0.5, 'hold first note');
  });
});

describe('WAV reader', () => {
  it('reads 8 kHz mono 16-bit PCM, skipping other chunks', () => {
    const samples = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
    const wav = encodeWav(samples);
    assert.deepEqual(parseWav(wav), samples);
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0')]); // odd size, padded
    const withList = Buffer.concat([wav.subarray(0, 12), list, wav.subarray(12)]);
    assert.deepEqual(parseWav(withList), samples, 'unknown chunk with pad byte skipped');
  });

  it('refuses other formats with a clear error', () => {
    const wav = encodeWav(new Int16Array(10));
    const stereo44 = Buffer.from(wav);
    stereo44.writeUInt16LE(2, 22);
    stereo44.writeUInt32LE(44100, 24);
    assert.throws(
      () => parseWav(stereo44, 'moh.wav'),
      (e: unknown) => {
        assert.ok(e instanceof WavFormatError);
        assert.match(
          (e as Error).message,
          /moh\.wav: expected 8000 Hz mono 16-bit PCM, got PCM 44100 Hz, 2 channel/,
        );
        assert.match((e as Error).message, /sox/);
        return true;
      },
    );
    const alaw = Buffer.from(wav);
    alaw.writeUInt16LE(6, 20);
    assert.throws(() => parseWav(alaw), /format 6/);
    assert.throws(() => parseWav(Buffer.from('hello world, not a wav')), /not a RIFF\/WAVE/);
    assert.throws(() => parseWav(wav.subarray(0, 30)), WavFormatError);
    assert.throws(() => readWav('/nonexistent/x.wav'), /cannot read/);
  });
});

describe('RtpPlayer (virtual time)', () => {
  it('sends one 20 ms packet per tick with increasing seq/timestamp, marker first, then ends', async () => {
    const clock = new FakeClock(1000);
    const sent: Array<{ at: number; pkt: Buffer }> = [];
    let r = 0;
    const randoms = [0xdeadbeef, 0x0000fffe, 0xfffffe00]; // SSRC, seq (wraps), timestamp (wraps)
    const audio = encodeG711(new Int16Array(160 * 3 + 40).fill(1000), 'alaw'); // 3.25 packets
    const player = new RtpPlayer({
      audio,
      law: 'alaw',
      payloadType: 8,
      loop: false,
      send: (pkt) => sent.push({ at: clock.now(), pkt }),
      clock,
      random: () => randoms[r++],
    });
    assert.equal(sent.length, 1, 'first packet at once');
    clock.advance(19);
    assert.equal(sent.length, 1, 'nothing before 20 ms');
    clock.runUntilIdle();
    await player.done;
    assert.deepEqual(
      sent.map((s) => s.at),
      [1000, 1020, 1040, 1060],
      'every 20 ms',
    );
    assert.deepEqual(
      sent.map((s) => s.pkt.readUInt16BE(2)),
      [0xfffe, 0xffff, 0, 1],
      'sequence increments and wraps',
    );
    assert.deepEqual(
      sent.map((s) => s.pkt.readUInt32BE(4)),
      [0xfffffe00, 0xfffffea0, 0xffffff40, 0xffffffe0],
      'timestamp +160',
    );
    for (const [i, s] of sent.entries()) {
      assert.equal(s.pkt.length, 172, 'header + 160 samples');
      assert.equal(s.pkt[0], 0x80, 'RTP version 2');
      assert.equal(s.pkt[1], i === 0 ? 0x88 : 0x08, 'marker on the first only, PT 8');
      assert.equal(s.pkt.readUInt32BE(8), 0xdeadbeef, 'constant SSRC');
    }
    assert.equal(sent[3].pkt[12 + 39], linearToAlaw(1000), 'last samples of audio');
    assert.equal(sent[3].pkt[12 + 40], 0xd5, 'padded with A-law silence');
    assert.equal(clock.pendingTimers(), 0, 'no timer left');
  });

  it('loops until stopped; stop is idempotent and resolves done', async () => {
    const clock = new FakeClock();
    const sent: Buffer[] = [];
    const audio = Buffer.alloc(100, 7); // shorter than a packet: the loop wraps inside packets
    const player = new RtpPlayer({
      audio,
      law: 'ulaw',
      payloadType: 0,
      loop: true,
      send: (p) => sent.push(p),
      clock,
      random: () => 1,
    });
    clock.advance(1000);
    assert.equal(sent.length, 51, '50 packets per second plus the first');
    assert.ok(
      sent.every((p) => p.subarray(12).every((b) => b === 7)),
      'looped audio, no silence gaps',
    );
    player.stop();
    player.stop();
    await player.done;
    clock.advance(1000);
    assert.equal(sent.length, 51, 'nothing after stop');
    assert.equal(clock.pendingTimers(), 0);
  });

  it('plays a tone and a WAV through a relay endpoint to the peer, at 20 ms of virtual time', async () => {
    const clock = new FakeClock();
    const relay = new RtpRelay({ host: '127.0.0.1', portMin: 41500, portMax: 41509, clock });
    const ep = await relay.allocate();
    const peer = await Peer.open();
    ep.setRemote('127.0.0.1', peer.port);
    const PCMA = { payloadType: 8, name: 'PCMA', clockRate: 8000 };
    const player = relay.play(ep, { kind: 'tone', tone: 'ringback' }, { codec: PCMA });
    clock.advance(100);
    await peer.waitFor(6, 'six ringback packets (0..100 ms)');
    assert.equal(peer.received[0].from.port, ep.rtpPort, 'sent from the endpoint RTP port');
    const seqs = peer.received.map((d) => d.data.readUInt16BE(2));
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], (seqs[0] + i) & 0xffff, 'consecutive seq');
    assert.equal(peer.received[0].data[1], 0x88, 'marker + PCMA');
    assert.equal(ep.stats().rtpOut, 6);
    player.stop();
    await player.done;

    const dir = mkdtempSync(join(tmpdir(), 'ringd-wav-'));
    const path = join(dir, 'prompt.wav');
    writeFileSync(path, encodeWav(new Int16Array(320).fill(500)));
    const wavPlayer = relay.play(
      ep,
      { kind: 'wav', path },
      { codec: { payloadType: 0, name: 'PCMU', clockRate: 8000 } },
    );
    clock.runUntilIdle();
    await wavPlayer.done;
    await peer.waitFor(8, 'two WAV packets');
    assert.equal(peer.received[6].data[12], linearToUlaw(500), 'WAV samples encoded in µ-law');
    assert.throws(
      () => relay.play(ep, { kind: 'wav', path: join(dir, 'missing.wav') }, { codec: PCMA }),
      WavFormatError,
    );
    assert.throws(
      () =>
        relay.play(
          ep,
          { kind: 'tone', tone: 'busy' },
          { codec: { payloadType: 9, name: 'G722', clockRate: 8000 } },
        ),
      /cannot play codec G722/,
    );
    rmSync(dir, { recursive: true });
    await relay.close();
    await peer.close();
  });
});
