/**
 * Counts of the SIP messages a transport layer received and sent — requests by method, responses by status
 * class — and of the datagrams/messages it dropped, for metrics. Unknown methods count under `other`, so
 * what a peer sends cannot grow the label set. Counting is a few array writes per message.
 */
import type { SipRequest, SipResponse } from '../message/index.ts';
import { KNOWN_METHOD_LIST } from '../message/methods.ts';

/** The methods counted by name (those the SIP core knows, `KNOWN_METHOD_LIST`); the rest are `other`. */
export const COUNTED_METHODS: readonly string[] = [...KNOWN_METHOD_LIST, 'other'];

const METHOD_INDEX = new Map<string, number>(COUNTED_METHODS.map((m, i) => [m, i]));
const OTHER = COUNTED_METHODS.length - 1;

/** One direction's counts: `requests[i]` for `COUNTED_METHODS[i]`, `responses[c]` for class `c`xx (1–6). */
export interface DirectionCounts {
  requests: number[];
  responses: number[];
}

export class SipMessageCounts {
  readonly received: DirectionCounts = fresh();
  readonly sent: DirectionCounts = fresh();
  /** Inbound messages dropped (unparseable, failing the transport's checks) or answered statelessly. */
  dropped = 0;
  rejected = 0;

  count(dir: DirectionCounts, m: SipRequest | SipResponse): void {
    if (m.kind === 'request') dir.requests[METHOD_INDEX.get((m as SipRequest).method) ?? OTHER]++;
    else {
      const c = Math.floor((m as SipResponse).status / 100);
      if (c >= 1 && c <= 6) dir.responses[c]++;
    }
  }
}

function fresh(): DirectionCounts {
  return { requests: new Array<number>(COUNTED_METHODS.length).fill(0), responses: [0, 0, 0, 0, 0, 0, 0] };
}
