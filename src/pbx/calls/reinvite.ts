/**
 * re-INVITEs of an answered call (hold, resume, address change), answered locally on the leg that sent
 * them: the same endpoint, the direction mirrored (sendonly ↔ recvonly, inactive stays inactive), the
 * `o=` version incremented. The other leg hears nothing of it, except media: while one side holds, the
 * other side hears the hold tone; on resume the two endpoints are bridged again.
 */
import type { MediaPlane } from '../../media/types.ts';
import { answerCodecs, parseAudio } from '../../media/sdp/index.ts';
import { createResponse } from '../../sip/message/index.ts';
import type { SipRequest } from '../../sip/message/index.ts';
import type { ServerTransaction } from '../../sip/transaction/index.ts';
import type { UserAgent } from '../../sip/ua/index.ts';
import { isHold, mirrorDirection } from './leg-media.ts';
import type { LegCore as Leg } from './legs.ts';
import type { CallLog } from './types.ts';

/** What re-INVITE handling needs from its call. */
export interface ReinviteContext {
  media: MediaPlane;
  ua: UserAgent;
  /** The other leg of the conversation (undefined once it ended). */
  peerOf(leg: Leg): Leg | undefined;
  log: CallLog;
}

/**
 * `Session.onRequest` of an answered leg. Returns false for what the UA answers by itself (non-INVITE
 * requests; a re-INVITE without SDP, answered with our last description as the offer).
 */
export function handleReinvite(
  ctx: ReinviteContext,
  leg: Leg,
  req: SipRequest,
  txn: ServerTransaction,
): boolean {
  if (req.method !== 'INVITE' || req.body.length === 0) return false;
  const session = leg.session;
  const peer = ctx.peerOf(leg);
  if (session === undefined || peer === undefined || leg.media.endpoint === undefined) {
    txn.respond(createResponse(req, 488, 'Not Acceptable Here'));
    return true;
  }
  const parsed = parseAudio(req.body);
  const codecs =
    parsed.ok && parsed.audio.port > 0 ? answerCodecs(parsed.audio.codecs, leg.media.codecs) : [];
  if (!parsed.ok || codecs.length === 0) {
    ctx.log('info', 're-INVITE refused', {
      callId: leg.record.id,
      why: parsed.ok ? 'no codec' : parsed.reason,
    });
    txn.respond(createResponse(req, 488, 'Not Acceptable Here'));
    return true;
  }
  const audio = parsed.audio;
  leg.media.codecs = codecs;
  leg.media.setRemote(audio);
  const sdp = leg.media.describe(codecs, mirrorDirection(audio.direction));
  const res = createResponse(req, 200, 'OK', {
    headers: [['Contact', ctx.ua.contactFor(session.peer.transport)]],
    body: sdp,
  });
  res.set('Content-Type', 'application/sdp');
  txn.respond(res);
  session.dialog.applyTargetRefresh(req);
  session.localBody = res.body;
  session.localContentType = 'application/sdp';
  const holding = isHold(audio);
  if (holding !== leg.media.holding) {
    leg.media.holding = holding;
    applyHold(ctx.media, leg, peer);
  }
  return true;
}

/**
 * Media for the hold state of two legs: bridged when neither holds; otherwise unbridged, with the hold
 * tone played to each side whose peer holds.
 */
export function applyHold(media: MediaPlane, a: Leg, b: Leg): void {
  const ea = a.media.endpoint;
  const eb = b.media.endpoint;
  if (ea === undefined || eb === undefined) return;
  if (!a.media.holding && !b.media.holding) {
    stopTone(a);
    stopTone(b);
    media.bridge(ea, eb);
    return;
  }
  media.unbridge(ea);
  toneWhile(media, b, a.media.holding);
  toneWhile(media, a, b.media.holding);
}

function stopTone(leg: Leg): void {
  leg.media.player?.stop();
  leg.media.player = undefined;
}

/** Plays the hold tone to `leg` while `on`, stops it otherwise. */
function toneWhile(media: MediaPlane, leg: Leg, on: boolean): void {
  const ep = leg.media.endpoint;
  const codec = leg.media.audioCodec;
  if (!on || ep === undefined || codec === undefined) {
    stopTone(leg);
    return;
  }
  if (leg.media.player !== undefined) return;
  leg.media.player = media.play(ep, { kind: 'tone', tone: 'hold' }, { codec, loop: true });
}
