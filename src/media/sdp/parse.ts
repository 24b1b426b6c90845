/**
 * Reads the audio stream of a session description (RFC 4566 / RFC 3264) with `sdp-transform`, then
 * validates what ringd relies on. SDP comes from outside: nothing here throws; a malformed body gives
 * `{ ok: false, reason }` (the caller answers 488 or 400).
 */
import { parse } from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import type { AudioDescription, Codec, MediaDirection } from '../types.ts';

/** Result of {@link parseAudio}. */
export type ParseAudioResult = { ok: true; audio: AudioDescription } | { ok: false; reason: string };

/** Static payload types of RFC 3551 §6 that may appear without `a=rtpmap`. */
const STATIC_PT: ReadonlyMap<number, Codec> = new Map([
  [0, { payloadType: 0, name: 'PCMU', clockRate: 8000 }],
  [3, { payloadType: 3, name: 'GSM', clockRate: 8000 }],
  [4, { payloadType: 4, name: 'G723', clockRate: 8000 }],
  [8, { payloadType: 8, name: 'PCMA', clockRate: 8000 }],
  [9, { payloadType: 9, name: 'G722', clockRate: 8000 }],
  [13, { payloadType: 13, name: 'CN', clockRate: 8000 }],
  [18, { payloadType: 18, name: 'G729', clockRate: 8000 }],
]);

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);
/** Transport protocols of a plain RTP stream the relay can forward (not SRTP, not DTLS). */
const RTP_PROTOCOLS: ReadonlySet<string> = new Set(['RTP/AVP', 'RTP/AVPF']);
const MAX_SDP_BYTES = 65_536;

const fail = (reason: string): ParseAudioResult => ({ ok: false, reason });

/**
 * The first plain-RTP audio `m=` line of `sdp`: connection address (media-level `c=`, else session-level),
 * port, RTCP port (`a=rtcp`, else port + 1), codecs in `m=` order (static payload types 0, 3, 4, 8, 9, 13,
 * 18 named even without `a=rtpmap`; other payload types without `a=rtpmap` are left out), direction
 * (media-level attribute, else session-level, else `sendrecv`) and `a=ptime`.
 *
 * Port 0 means the stream is declined (RFC 3264 §6): that is returned as `ok: true` with `port: 0`, so the
 * caller tells "declined" from "malformed". Never throws.
 */
export function parseAudio(sdp: string | Buffer): ParseAudioResult {
  try {
    return parseAudioUnsafe(sdp);
  } catch (err) {
    return fail(`unparsable SDP: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseAudioUnsafe(input: string | Buffer): ParseAudioResult {
  if (typeof input !== 'string' && !Buffer.isBuffer(input)) return fail('SDP body is not text');
  if (input.length === 0) return fail('empty SDP');
  if (input.length > MAX_SDP_BYTES) return fail(`SDP larger than ${MAX_SDP_BYTES} bytes`);
  const text = typeof input === 'string' ? input : input.toString('utf8');
  if (!/^\s*v=0\s*$/m.test(text.split('\n', 1)[0] ?? '')) return fail('SDP does not start with v=0');
  const session: SessionDescription = parse(text);
  if (!Array.isArray(session.media) || session.media.length === 0) return fail('no m= line');
  const audios = session.media.filter((m) => m.type === 'audio');
  if (audios.length === 0) return fail('no audio m= line');
  const m = audios.find((a) => RTP_PROTOCOLS.has(String(a.protocol).toUpperCase()));
  if (!m) return fail(`no RTP/AVP audio stream (got ${String(audios[0].protocol)}; SRTP is not supported)`);

  const port = Number(m.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return fail(`bad audio port ${String(m.port)}`);

  const conn = m.connection ?? session.connection;
  const address = conn?.ip === undefined ? '' : String(conn.ip).trim();
  if (address === '') return fail('no c= line for the audio stream');
  if (!/^[0-9A-Za-z.:%_-]+$/.test(address)) return fail(`bad connection address ${address}`);
  // a multicast c= carries "/ttl"; sdp-transform strips it. We never relay multicast, so no check here.

  let rtcpPort = port === 0 ? 0 : port + 1;
  if (m.rtcp !== undefined) {
    const rp = Number(m.rtcp.port);
    if (!Number.isInteger(rp) || rp < 1 || rp > 65535) return fail(`bad a=rtcp port ${String(m.rtcp.port)}`);
    rtcpPort = rp;
  }

  const codecs = readCodecs(m);
  if (typeof codecs === 'string') return fail(codecs);
  if (port !== 0 && codecs.length === 0) return fail('audio m= line lists no usable payload type');

  const direction = readDirection(m, session);
  const audio: AudioDescription = { address, port, rtcpPort, codecs, direction };
  if (m.ptime !== undefined) {
    const ptime = Number(m.ptime);
    if (Number.isFinite(ptime) && ptime > 0 && ptime <= 1000) audio.ptime = ptime;
  }
  return { ok: true, audio };
}

function readCodecs(m: MediaDescription): Codec[] | string {
  const payloads = String(m.payloads ?? '').trim();
  if (payloads === '') return [];
  const rtpmap = new Map<number, { codec: string; rate?: number; encoding?: number }>();
  for (const r of m.rtp ?? []) rtpmap.set(Number(r.payload), r);
  const fmtp = new Map<number, string>();
  for (const f of m.fmtp ?? []) fmtp.set(Number(f.payload), String(f.config));
  const out: Codec[] = [];
  const seen = new Set<number>();
  for (const tok of payloads.split(/\s+/)) {
    if (!/^\d{1,3}$/.test(tok)) return `bad payload type "${tok}" in m= line`;
    const pt = Number(tok);
    if (pt > 127) return `payload type ${pt} out of range`;
    if (seen.has(pt)) continue;
    seen.add(pt);
    const r = rtpmap.get(pt);
    let codec: Codec | undefined;
    if (r) {
      const rate = Number(r.rate);
      if (!r.codec || !Number.isInteger(rate) || rate <= 0) return `bad a=rtpmap for payload type ${pt}`;
      codec = { payloadType: pt, name: String(r.codec), clockRate: rate };
      const ch = Number(r.encoding);
      if (r.encoding !== undefined && Number.isInteger(ch) && ch > 0) codec.channels = ch;
    } else {
      const s = STATIC_PT.get(pt);
      if (s) codec = { ...s };
    }
    if (!codec) continue;
    const f = fmtp.get(pt);
    if (f !== undefined && f !== '') codec.fmtp = f;
    out.push(codec);
  }
  return out;
}

function readDirection(m: MediaDescription, s: SessionDescription): MediaDirection {
  const d = m.direction ?? s.direction;
  return d !== undefined && DIRECTIONS.has(d) ? d : 'sendrecv';
}
