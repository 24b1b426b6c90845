/** The call engine: the B2BUA, its legs and the calls the API starts. */
export { CallEngine } from './call-engine.ts';
export { OverloadGuard, refuseOptionsWhileShedding, type OverloadGuardOptions } from './overload-guard.ts';
export type {
  Call,
  CallEngineOptions,
  CallEngineStats,
  CallEvent,
  CallLog,
  HangupReason,
  PbxEvent,
} from './types.ts';
export { isGroupcallEvent, isPickupEvent } from './types.ts';
export type { ApiPicker } from './api-pickup.ts';
export { ANSWERED_ELSEWHERE } from '../groupcall/groupcall.ts';
export type { CallStatus } from './call-journal.ts';
export { LegRegistry, type LegObserver } from './leg-registry.ts';
export type { OutboundLeg } from './outbound-leg.ts';
export type { InboundLeg } from './inbound-leg.ts';
export type { CallSession } from './call-session.ts';
export type { CallsCreated } from './outbound-calls.ts';
