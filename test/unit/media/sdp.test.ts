import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  answerCodecs,
  buildSdp,
  offerCodecs,
  parseAudio,
  SUPPORTED_CODECS,
} from '../../../src/media/sdp/index.ts';
import type { Codec } from '../../../src/media/types.ts';

const crlf = (lines: string[]): string => lines.join('\r\n') + '\r\n';

const BARESIP = crlf([
  'v=0',
  'o=- 1785630142 2050423826 IN IP4 192.168.1.20',
  's=-',
  'c=IN IP4 192.168.1.20',
  't=0 0',
  'm=audio 10226 RTP/AVP 9 0 8 101',
  'b=AS:86',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=rtcp:10227',
  'a=sendrecv',
  'a=label:1',
  'a=ssrc:2431045612 cname:a2b3c4d5',
  'a=rtcp-rsize',
]);

const LINPHONE = crlf([
  'v=0',
  'o=alice 3122 1221 IN IP4 10.0.0.7',
  's=Talk',
  'c=IN IP4 10.0.0.7',
  't=0 0',
  'a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics',
  'm=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1',
  'a=rtpmap:97 speex/16000',
  'a=fmtp:97 vbr=on',
  'a=rtpmap:98 speex/8000',
  'a=fmtp:98 vbr=on',
  'a=fmtp:18 annexb=yes',
  'a=rtpmap:101 telephone-event/48000',
  'a=rtpmap:99 telephone-event/16000',
  'a=rtpmap:100 telephone-event/8000',
  'a=rtcp-fb:* trr-int 1000',
  'a=rtcp-fb:* ccm tmmbr',
]);

// SIPp's uac_pcap style offer: only static payload type 8, no rtpmap for it, media-level c=.
const SIPP = crlf([
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=audio 6000 RTP/AVP 8 101',
  'c=IN IP4 127.0.0.1',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-11,16',
  'a=ptime:20',
]);

describe('parseAudio: real phone SDPs', () => {
  it('baresip: codecs in order, a=rtcp, direction', () => {
    const r = parseAudio(BARESIP);
    assert.ok(r.ok, 'baresip SDP parses');
    assert.equal(r.audio.address, '192.168.1.20');
    assert.equal(r.audio.port, 10226);
    assert.equal(r.audio.rtcpPort, 10227, 'a=rtcp port');
    assert.deepEqual(
      r.audio.codecs.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}`),
      ['9 G722/8000', '0 PCMU/8000', '8 PCMA/8000', '101 telephone-event/8000'],
    );
    assert.equal(r.audio.codecs[3].fmtp, '0-15', 'fmtp of telephone-event');
    assert.equal(r.audio.direction, 'sendrecv');
    assert.equal(r.audio.ptime, undefined, 'no ptime given');
  });

  it('linphone (as a Buffer): dynamic PTs, channels, static PT 18 named without rtpmap, rtcp = port+1', () => {
    const r = parseAudio(Buffer.from(LINPHONE));
    assert.ok(r.ok, 'linphone SDP parses');
    assert.equal(r.audio.rtcpPort, 7079, 'rtcp defaults to port+1');
    const opus = r.audio.codecs.find((c) => c.payloadType === 96);
    assert.deepEqual(opus, {
      payloadType: 96,
      name: 'opus',
      clockRate: 48000,
      channels: 2,
      fmtp: 'useinbandfec=1',
    });
    const g729 = r.audio.codecs.find((c) => c.payloadType === 18);
    assert.equal(g729?.name, 'G729', 'static PT 18 named');
    assert.equal(g729?.fmtp, 'annexb=yes');
    assert.equal(r.audio.codecs.length, 9, 'all nine payload types');
  });

  it('SIPp: media-level c=, static PT 8 without rtpmap, ptime', () => {
    const r = parseAudio(SIPP);
    assert.ok(r.ok, 'SIPp SDP parses');
    assert.equal(r.audio.address, '127.0.0.1');
    assert.deepEqual(r.audio.codecs[0], { payloadType: 8, name: 'PCMA', clockRate: 8000 });
    assert.equal(r.audio.ptime, 20);
  });

  it('session-level direction and hold; media-level direction wins', () => {
    const hold = SIPP.replace('t=0 0\r\n', 't=0 0\r\na=sendonly\r\n');
    const r1 = parseAudio(hold);
    assert.ok(r1.ok);
    assert.equal(r1.audio.direction, 'sendonly', 'session-level direction');
    const r2 = parseAudio(hold.replace('a=ptime:20', 'a=ptime:20\r\na=inactive'));
    assert.ok(r2.ok);
    assert.equal(r2.audio.direction, 'inactive', 'media-level direction overrides');
  });

  it('port 0 = declined, reported as ok with port 0', () => {
    const r = parseAudio(SIPP.replace('m=audio 6000', 'm=audio 0'));
    assert.ok(r.ok, 'declined stream is not malformed');
    assert.equal(r.audio.port, 0);
  });

  it('picks the first RTP/AVP audio stream, skipping video and SRTP', () => {
    const sdp = crlf([
      'v=0',
      'o=- 1 1 IN IP6 ::1',
      's=-',
      'c=IN IP6 ::1',
      't=0 0',
      'm=video 5000 RTP/AVP 96',
      'a=rtpmap:96 H264/90000',
      'm=audio 5002 RTP/SAVP 0',
      'm=audio 5004 RTP/AVP 0',
    ]);
    const r = parseAudio(sdp);
    assert.ok(r.ok);
    assert.equal(r.audio.port, 5004);
    assert.equal(r.audio.address, '::1', 'IPv6 connection address');
  });
});

describe('parseAudio: malformed input never throws', () => {
  const cases: Array<[string, string | Buffer]> = [
    ['empty', ''],
    ['garbage', 'hello world'],
    ['binary', Buffer.from([0, 1, 2, 255, 254, 10, 13])],
    ['no v=0', SIPP.replace('v=0\r\n', '')],
    ['no m= line', crlf(['v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 'c=IN IP4 1.2.3.4', 't=0 0'])],
    [
      'video only',
      crlf(['v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 'c=IN IP4 1.2.3.4', 't=0 0', 'm=video 5000 RTP/AVP 96']),
    ],
    ['no c=', SIPP.replace('c=IN IP4 127.0.0.1\r\n', '')],
    ['port out of range', SIPP.replace('m=audio 6000', 'm=audio 70000')],
    ['port not a number', SIPP.replace('m=audio 6000', 'm=audio abc')],
    ['PT out of range', SIPP.replace('RTP/AVP 8 101', 'RTP/AVP 8 300')],
    ['PT not a number', SIPP.replace('RTP/AVP 8 101', 'RTP/AVP 8 x')],
    ['only unknown dynamic PT', SIPP.replace('RTP/AVP 8 101', 'RTP/AVP 120')],
    ['bad a=rtcp', SIPP.replace('a=ptime:20', 'a=rtcp:0')],
    ['bad rtpmap rate', SIPP.replace('telephone-event/8000', 'telephone-event/abc')],
    ['SRTP only', SIPP.replace('RTP/AVP', 'RTP/SAVP')],
    ['huge', 'v=0\r\n' + 'a=x\r\n'.repeat(20000)],
  ];
  for (const [name, sdp] of cases) {
    it(name, () => {
      const r = parseAudio(sdp);
      assert.equal(r.ok, false, `${name} must be rejected`);
      if (!r.ok) assert.ok(r.reason.length > 0, 'a reason is given');
    });
  }

  it('random mutations of real SDPs never throw', () => {
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (const base of [BARESIP, LINPHONE, SIPP]) {
      for (let i = 0; i < 500; i++) {
        const b = Buffer.from(base);
        for (let k = 0; k < 1 + rnd(8); k++) b[rnd(b.length)] = rnd(256);
        assert.doesNotThrow(() => parseAudio(b), 'parseAudio must not throw');
      }
    }
  });
});

const c = (payloadType: number, name: string, fmtp?: string): Codec =>
  fmtp ? { payloadType, name, clockRate: 8000, fmtp } : { payloadType, name, clockRate: 8000 };

describe('codec selection', () => {
  it('SUPPORTED_CODECS are PCMU 0, PCMA 8, telephone-event 101 0-16', () => {
    assert.deepEqual(
      SUPPORTED_CODECS.map((x) => [x.payloadType, x.name, x.clockRate, x.fmtp]),
      [
        [0, 'PCMU', 8000, undefined],
        [8, 'PCMA', 8000, undefined],
        [101, 'telephone-event', 8000, '0-16'],
      ],
    );
  });

  it('offerCodecs keeps supported codecs in the offer order with its PTs', () => {
    const r = parseAudio(LINPHONE);
    assert.ok(r.ok);
    assert.deepEqual(offerCodecs(r.audio.codecs), [c(0, 'PCMU'), c(8, 'PCMA'), c(100, 'telephone-event')]);
  });

  it('offerCodecs keeps dynamic telephone-event PT 96, and drops it when no audio codec remains', () => {
    assert.deepEqual(offerCodecs([c(8, 'PCMA'), c(96, 'telephone-event', '0-16')]), [
      c(8, 'PCMA'),
      c(96, 'telephone-event', '0-16'),
    ]);
    assert.deepEqual(offerCodecs([c(18, 'G729'), c(101, 'telephone-event')]), [], 'no audio left');
  });

  it('PCMA only', () => {
    assert.deepEqual(answerCodecs([c(8, 'PCMA')]), [c(8, 'PCMA')]);
  });

  it('PCMU+PCMA: first offered, or the one the other side chose', () => {
    const offer = [c(0, 'PCMU'), c(8, 'PCMA'), c(101, 'telephone-event', '0-16')];
    assert.deepEqual(answerCodecs(offer), [c(0, 'PCMU'), c(101, 'telephone-event', '0-16')]);
    assert.deepEqual(
      answerCodecs(offer, [c(8, 'pcma'), c(101, 'telephone-event')]),
      [c(8, 'PCMA'), c(101, 'telephone-event', '0-16')],
      'prefers the other side’s choice, with our offerer’s PTs',
    );
    assert.deepEqual(answerCodecs(offer, [c(9, 'G722')]), answerCodecs(offer), 'unknown choice → first');
  });

  it('no common codec → []', () => {
    assert.deepEqual(answerCodecs([c(9, 'G722'), c(18, 'G729'), c(101, 'telephone-event')]), []);
    assert.deepEqual(answerCodecs([]), []);
  });

  it('telephone-event with dynamic PT 96 answered with 96; not invented when not offered', () => {
    assert.deepEqual(answerCodecs([c(0, 'PCMU'), c(96, 'telephone-event', '0-15')]), [
      c(0, 'PCMU'),
      c(96, 'telephone-event', '0-15'),
    ]);
    assert.deepEqual(answerCodecs([c(0, 'PCMU')]), [c(0, 'PCMU')]);
  });
});

describe('buildSdp', () => {
  it('writes CRLF lines, rtpmap/fmtp per codec, direction, ptime; round-trips through parseAudio', () => {
    const codecs = [c(8, 'PCMA'), c(0, 'PCMU'), c(96, 'telephone-event', '0-16')];
    const sdp = buildSdp({
      address: '203.0.113.5',
      port: 30000,
      codecs,
      direction: 'sendonly',
      sessionId: '12345',
      sessionVersion: 2,
      ptime: 20,
    });
    assert.ok(sdp.endsWith('\r\n'), 'ends with CRLF');
    assert.equal(sdp.split('\r\n').filter((l) => l.includes('\n')).length, 0, 'no bare LF');
    assert.match(
      sdp,
      /^v=0\r\no=ringd 12345 2 IN IP4 203\.0\.113\.5\r\ns=ringd\r\nc=IN IP4 203\.0\.113\.5\r\nt=0 0\r\n/,
    );
    assert.match(sdp, /\r\nm=audio 30000 RTP\/AVP 8 0 96\r\n/);
    assert.match(sdp, /\r\na=rtpmap:96 telephone-event\/8000\r\na=fmtp:96 0-16\r\n/);
    assert.doesNotMatch(sdp, /a=rtcp:/, 'no a=rtcp when RTCP is port+1');
    const r = parseAudio(sdp);
    assert.ok(r.ok, 'our SDP parses');
    assert.deepEqual(r.audio, {
      address: '203.0.113.5',
      port: 30000,
      rtcpPort: 30001,
      codecs,
      direction: 'sendonly',
      ptime: 20,
    });
  });

  it('IPv6, origin, no codecs = declined', () => {
    const sdp = buildSdp({
      address: '::1',
      port: 30000,
      codecs: [],
      sessionId: '1',
      sessionVersion: 1,
      origin: 'pbx',
    });
    assert.match(sdp, /o=pbx 1 1 IN IP6 ::1\r\n/);
    assert.match(sdp, /m=audio 0 RTP\/AVP 0\r\n/);
    const r = parseAudio(sdp);
    assert.ok(r.ok);
    assert.equal(r.audio.port, 0, 'declined');
  });
});
