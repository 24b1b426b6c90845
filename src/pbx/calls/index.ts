/** The call engine (B2BUA call legs) of issue 4. */
export { CallEngine } from './call-engine.ts';
export type { Call, CallEngineOptions, CallEngineStats, CallEvent, CallLog, HangupReason } from './types.ts';
export { ANSWERED_ELSEWHERE } from './b2b-call.ts';
export type { CallStatus } from './call-journal.ts';
export { routeCall, type Route, type Target } from './routing.ts';
