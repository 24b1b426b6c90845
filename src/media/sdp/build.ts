/**
 * Writes the session descriptions ringd sends: one audio stream anchored on a local relay port.
 */
import type { Codec, MediaDirection } from '../types.ts';

/** Input of {@link buildSdp}. */
export interface BuildSdpOptions {
  /** Our connection address (IPv4 or IPv6), used in `o=` and `c=`. */
  address: string;
  /** Local RTP port; 0 declines the stream. RTCP is implicitly port + 1 (no `a=rtcp`). */
  port: number;
  /** Payload formats in order of preference (one `a=rtpmap` each, `a=fmtp` when set). */
  codecs: readonly Codec[];
  /** Direction attribute (default `sendrecv`). */
  direction?: MediaDirection;
  /** `o=` session id (digits), constant for the dialog. */
  sessionId: string;
  /** `o=` version, incremented on each new offer/answer of the dialog (RFC 3264 §8). */
  sessionVersion: number;
  /** `a=ptime` (omitted when not given). */
  ptime?: number;
  /** `o=` username (default `ringd`). */
  origin?: string;
}

/**
 * A CRLF-terminated SDP body with one audio `m=` line. With no codecs the stream is written as declined
 * (`m=audio 0 RTP/AVP 0`, RFC 3264 §6 requires at least one format).
 */
export function buildSdp(opts: BuildSdpOptions): string {
  const ipVer = opts.address.includes(':') ? 'IP6' : 'IP4';
  const user = (opts.origin ?? 'ringd').replace(/\s+/g, '') || '-';
  const declined = opts.codecs.length === 0;
  const port = declined ? 0 : opts.port;
  const fmts = declined ? '0' : opts.codecs.map((c) => c.payloadType).join(' ');
  const lines = [
    'v=0',
    `o=${user} ${opts.sessionId} ${opts.sessionVersion} IN ${ipVer} ${opts.address}`,
    's=ringd',
    `c=IN ${ipVer} ${opts.address}`,
    't=0 0',
    `m=audio ${port} RTP/AVP ${fmts}`,
  ];
  for (const c of opts.codecs) {
    const ch = c.channels !== undefined && c.channels !== 1 ? `/${c.channels}` : '';
    lines.push(`a=rtpmap:${c.payloadType} ${c.name}/${c.clockRate}${ch}`);
    if (c.fmtp !== undefined && c.fmtp !== '') lines.push(`a=fmtp:${c.payloadType} ${c.fmtp}`);
  }
  if (opts.ptime !== undefined) lines.push(`a=ptime:${opts.ptime}`);
  lines.push(`a=${opts.direction ?? 'sendrecv'}`);
  return lines.join('\r\n') + '\r\n';
}
