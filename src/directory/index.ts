/** The directory layer: `createDirectory` and everything its users (the API, the call engine) need. */
export { createDirectory, Directory, type DirectoryOptions } from './directory.ts';
export type { ChangeOp, DirectoryChange } from './changes.ts';
export * from './contract.ts';
export * from './errors.ts';
export * as schemas from './schemas/index.ts';
export { CALLFLOW_MODULES, type CallflowModule, type FlowRef, type FlowRefKind } from './callflow-modules.ts';
export {
  validateFlow,
  flowRefs,
  removeFromFlow,
  MAX_FLOW_DEPTH,
  MAX_FLOW_NODES,
} from './callflow-validate.ts';
export { parseNamedGroups, groupNameProblem, NAMED_GROUPS_MAX_CHARS } from './named-groups.ts';
export { encodePageToken, decodePageToken, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './page-token.ts';
export { defaultFeatureCodeCallflows } from './feature-codes.ts';
export { deviceHa1 } from './digest-ha1.ts';
export { checkInput, schemaErrors, pointer } from './schema-errors.ts';
export { literalPrefix, NO_MATCH_NUMBER } from './cache/callflow-index.ts';
export { expandGroupDevices, findGroupCycle } from './group-graph.ts';
