/** What a `CallSession` is made of: its engine's services, its identity, an inbound call's setup. */
import type { Callflow } from '../../directory/schemas/callflow.ts';
import type { AudioDescription } from '../../media/types.ts';
import type { IncomingInvite } from '../../sip/ua/index.ts';
import type { FlowExecutor } from '../callflow/executor.ts';
import type { GroupcallEngine } from '../groupcall/groupcall-engine.ts';
import type { CallSession } from './call-session.ts';
import type { LegEnv } from './legs.ts';
import type { Call } from './types.ts';

/** What a call session needs from its engine. */
export interface SessionEnv extends LegEnv {
  groupcalls: GroupcallEngine;
  executor: FlowExecutor;
  /** ms */
  maxCallDuration: number;
  /** The call is over: forget it. */
  finished(s: CallSession): void;
}

/** How the call's legs present themselves to the people it rings. */
export interface SessionIdentity {
  customerId: string;
  /** `source` of every leg it rings (the caller's device, or the REST source). */
  source: Call['source'];
  from: string;
  to?: string;
}

/** An inbound call, before anything is allocated. */
export interface InboundSetup extends SessionIdentity {
  id: string;
  /** When ringd received the INVITE (engine clock, ms). */
  receivedAt: number;
  invite: IncomingInvite;
  offer: AudioDescription;
  callerDeviceId: string;
  dialed: string;
  callflow: Callflow;
  capture: string;
}
