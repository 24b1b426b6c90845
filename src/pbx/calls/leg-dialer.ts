/**
 * The call engine's `LegDialer` (what groupcalls place legs through): one per owner of groupcalls — a
 * caller's call, or an API request — carrying how that owner's legs present themselves, and telling the
 * owner when each leg starts and is done (a call is over only once every leg it rang is done).
 */
import type { DialRequest, LegDialer, LegHandle, LegListener } from '../groupcall/types.ts';
import type { LegEnv } from './legs.ts';
import { OutboundLeg, type Presentation } from './outbound-leg.ts';

/** Told about every leg a dialer places. */
export interface LegTracker {
  started(leg: OutboundLeg): void;
  done(leg: OutboundLeg): void;
}

/** A dialer placing `OutboundLeg`s presented as `pres`. */
export function legDialer(env: LegEnv, pres: Presentation, tracker?: LegTracker): LegDialer {
  return {
    dial(req: DialRequest, listener: LegListener): LegHandle {
      const leg = new OutboundLeg(env, req, pres, listener, (l) => tracker?.done(l));
      tracker?.started(leg);
      void leg.start();
      return leg;
    },
  };
}
