/**
 * The two kinds of leg of a B2BUA call: the caller leg (the INVITE we received, answered by us) and the
 * callee legs (one INVITE we sent per contact). Each has its own dialog, media endpoint and Call record.
 */
import type { AudioDescription, MediaEndpoint } from '../../media/types.ts';
import type { IncomingInvite, InviteFailure, OutgoingInvite, Session } from '../../sip/ua/index.ts';
import { address, type CallJournal } from './call-journal.ts';
import { LegMedia } from './leg-media.ts';
import type { Target } from './routing.ts';
import type { Call } from './types.ts';

/** What both kinds of leg share. */
export interface LegBase {
  readonly record: Call;
  readonly media: LegMedia;
  /** The established dialog, once answered. */
  session: Session | undefined;
  /** We sent BYE (the leg ends when its response arrives). */
  byeSent: boolean;
  /** The record reached `hangup`: nothing more happens on this leg. */
  done: boolean;
}

/** The leg of the INVITE we received. */
export interface CallerLeg extends LegBase {
  readonly role: 'caller';
  readonly invite: IncomingInvite;
  /** The caller's offer. */
  readonly offer: AudioDescription;
}

/** Where a callee leg stands. */
export type CalleeState = 'new' | 'inviting' | 'canceling' | 'answered' | 'ended';

/** The leg of one INVITE we sent. */
export interface CalleeLeg extends LegBase {
  readonly role: 'callee';
  readonly target: Target;
  out: OutgoingInvite | undefined;
  state: CalleeState;
  /** How its INVITE failed, when it did. */
  failure: InviteFailure | undefined;
}

export type Leg = CallerLeg | CalleeLeg;

/** The caller leg, with its record (incoming, destination = the dialed extension) created. */
export function newCallerLeg(
  journal: CallJournal,
  p: {
    callerId: string;
    customerId: string;
    invite: IncomingInvite;
    offer: AudioDescription;
    source: Call['source'];
    dialed: string;
    flowId: string;
    calleeIds: string[];
    callerEndpoint: MediaEndpoint;
    sessionId: string;
  },
): CallerLeg {
  return {
    role: 'caller',
    invite: p.invite,
    offer: p.offer,
    record: journal.create({
      id: p.callerId,
      customerId: p.customerId,
      direction: 'incoming',
      source: p.source,
      destination: address('extension', { target: p.dialed, target_name: p.dialed }),
      flowId: p.flowId,
      chainedCallIds: p.calleeIds,
    }),
    media: new LegMedia(p.callerEndpoint, p.sessionId),
    session: undefined,
    byeSent: false,
    done: false,
  };
}

/** A callee leg, with its record (outgoing, destination = the device and contact) created. */
export function newCalleeLeg(
  journal: CallJournal,
  p: {
    id: string;
    customerId: string;
    callerId: string;
    source: Call['source'];
    target: Target;
    endpoint: MediaEndpoint;
    sessionId: string;
  },
): CalleeLeg {
  return {
    role: 'callee',
    target: p.target,
    record: journal.create({
      id: p.id,
      customerId: p.customerId,
      direction: 'outgoing',
      source: p.source,
      destination: address('device', {
        target: p.target.device.id,
        target_name: p.target.device.sipUsername,
        detail: p.target.binding.contact,
      }),
      masterCallId: p.callerId,
    }),
    media: new LegMedia(p.endpoint, p.sessionId),
    session: undefined,
    byeSent: false,
    done: false,
    out: undefined,
    state: 'new',
    failure: undefined,
  };
}
