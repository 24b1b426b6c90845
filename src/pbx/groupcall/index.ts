/** The groupcall engine (groupcall.md, seed 004): groupcalls, nested groupcalls, their records and events. */
export { Groupcall, ANSWERED_ELSEWHERE } from './groupcall.ts';
export { GroupcallEngine, type GroupcallEngineOptions } from './groupcall-engine.ts';
export { GroupcallJournal, snapshotGroupcall } from './groupcall-journal.ts';
export * from './failure.ts';
export * from './members.ts';
export {
  resolveAddress,
  pickTrunk,
  devicesOfFlow,
  endpointDevices,
  type ResolveContext,
  type TrunkRoute,
} from './address-resolver.ts';
export type * from './types.ts';
