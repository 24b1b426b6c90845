/**
 * Why a leg, a groupcall or a ring attempt ended without an answer: a cause (the names callflow children
 * branch on, as in KAZOO/FreeSWITCH: `"USER_BUSY"`, `"NO_ANSWER"`, …) and the SIP status behind it (the
 * `"sip:486"` branch keys). Several members failing combine into one failure by a fixed rank, and the
 * caller of a call that ends unbridged gets the final response its failure maps to.
 */

/** The causes ringd produces. */
export type FailureCause =
  /** Nobody answered within the ring timeout (ringd's own timer). */
  | 'NO_ANSWER'
  /** 486 / 600. */
  | 'USER_BUSY'
  /** 603 / 403 / 606. */
  | 'CALL_REJECTED'
  /** 480 / 408 from the callee, or its INVITE timed out (Timer B). */
  | 'NO_USER_RESPONSE'
  /** The device has no live registration (or is disabled). */
  | 'USER_NOT_REGISTERED'
  /** Nothing to ring: every member was excluded (the caller's own device, duplicates). */
  | 'NO_ROUTE_DESTINATION'
  /** No media port (the RTP range is exhausted). */
  | 'SWITCH_CONGESTION'
  /** 404 / 484 / 604. */
  | 'UNALLOCATED_NUMBER'
  /** 488 / 606, or an answer without a common codec. */
  | 'INCOMPATIBLE_DESTINATION'
  /** Any other failure (5xx, a transport error, an INVITE that could not be sent). */
  | 'NORMAL_TEMPORARY_FAILURE'
  /** Hung up on purpose (API hangup of a leg or groupcall). */
  | 'NORMAL_CLEARING'
  /** The caller went away (CANCEL) while this rang. */
  | 'ORIGINATOR_CANCEL'
  /** Another member answered first. */
  | 'LOSE_RACE'
  /** Someone else's phone picked the call up (pickup.md): the record's `hangup_reason` is `pickedup`. */
  | 'PICKED_UP';

/** A cause and its SIP status. */
export interface Failure {
  cause: FailureCause;
  sipCode: number;
}

/** The failure of a final SIP response (or of the UA's synthesized 408/503/487). */
export function failureOfStatus(status: number): Failure {
  const cause: FailureCause =
    status === 486 || status === 600
      ? 'USER_BUSY'
      : status === 603 || status === 403 || status === 606
        ? 'CALL_REJECTED'
        : status === 480 || status === 408
          ? 'NO_USER_RESPONSE'
          : status === 404 || status === 484 || status === 604
            ? 'UNALLOCATED_NUMBER'
            : status === 488
              ? 'INCOMPATIBLE_DESTINATION'
              : status === 487
                ? 'ORIGINATOR_CANCEL'
                : 'NORMAL_TEMPORARY_FAILURE';
  return { cause, sipCode: status };
}

/** The call was picked up elsewhere (pickup.md step 5): the ringing legs are cancelled with this. */
export const PICKED_UP: Failure = Object.freeze({ cause: 'PICKED_UP', sipCode: 487 });

/** Ringd's ring timeout fired. */
export const NO_ANSWER: Failure = Object.freeze({ cause: 'NO_ANSWER', sipCode: 480 });

/**
 * Rank used to combine failures (first wins). A member that rang out its timeout makes the whole attempt
 * `NO_ANSWER`; otherwise busy beats declined beats unavailable (issue 4: 486 over 603 over 480).
 */
const RANK: readonly FailureCause[] = [
  'NO_ANSWER',
  'USER_BUSY',
  'CALL_REJECTED',
  'NO_USER_RESPONSE',
  'USER_NOT_REGISTERED',
  'SWITCH_CONGESTION',
  'INCOMPATIBLE_DESTINATION',
  'UNALLOCATED_NUMBER',
  'NORMAL_TEMPORARY_FAILURE',
  'NO_ROUTE_DESTINATION',
  'NORMAL_CLEARING',
  'ORIGINATOR_CANCEL',
  'LOSE_RACE',
  'PICKED_UP',
];

/** The failure that describes several (`NO_ROUTE_DESTINATION` when there is none). */
export function combineFailures(failures: readonly Failure[]): Failure {
  let best: Failure | undefined;
  for (const f of failures)
    if (best === undefined || RANK.indexOf(f.cause) < RANK.indexOf(best.cause)) best = f;
  return best ?? { cause: 'NO_ROUTE_DESTINATION', sipCode: 480 };
}

/** A rejection by the callee itself (for `fail_on_single_reject`): busy or declined. */
export function isRejection(f: Failure): boolean {
  return f.cause === 'USER_BUSY' || f.cause === 'CALL_REJECTED';
}

/** The final response an unbridged caller gets when its flow ends after `f` (480 when nothing failed). */
export function callerFinal(f: Failure | undefined): { status: number; reason: string } {
  switch (f?.cause) {
    case 'USER_BUSY':
      return { status: 486, reason: 'Busy Here' };
    case 'CALL_REJECTED':
      return { status: 603, reason: 'Decline' };
    case 'SWITCH_CONGESTION':
      return { status: 503, reason: 'Service Unavailable' };
    case 'UNALLOCATED_NUMBER':
      return { status: 404, reason: 'Not Found' };
    default:
      return { status: 480, reason: 'Temporarily Unavailable' };
  }
}

/** `hangup_reason` of a caller whose flow ended after `f`. */
export function callerHangupReason(f: Failure | undefined): 'busy' | 'noanswer' | 'failed' {
  if (f?.cause === 'USER_BUSY' || f?.cause === 'CALL_REJECTED') return 'busy';
  if (f?.cause === 'NO_ANSWER' || f?.cause === 'NO_USER_RESPONSE') return 'noanswer';
  return 'failed';
}
