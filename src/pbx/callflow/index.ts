/** The callflow executor and its actions (callflows.md). */
export { FlowExecutor, failureKey, MAX_CALLFLOW_DEPTH } from './executor.ts';
export { ActionRegistry } from './action-registry.ts';
export { defaultActions } from './actions/index.ts';
export { weightedShuffle } from './weighted-shuffle.ts';
export { asNode, childOf } from './node.ts';
export type * from './types.ts';
