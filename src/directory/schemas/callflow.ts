/**
 * Callflows (callflows.md): numbers and patterns, and a flow tree of `{ module, data, children }` nodes.
 * The tree is checked node by node by the directory (module known, data valid for the module's schema,
 * referenced ids in the tenant), so the API schema only bounds its outer shape.
 */
import { Type, type Static } from 'typebox';
import { Name, ResourceMeta } from './common.ts';

export const FlowNode = Type.Object(
  {
    module: Type.String({ minLength: 1, maxLength: 64 }),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    children: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  {
    additionalProperties: false,
    description: 'a callflow node; children map a key ("_" = default) to a node',
  },
);

export const CallflowNumber = Type.String({
  minLength: 1,
  maxLength: 36,
  pattern: '^[^\\s]+$',
  description: 'a dialed number or code, unique in the tenant; "no_match" = the no-match callflow',
});
export const CallflowPattern = Type.String({
  minLength: 1,
  maxLength: 256,
  description: 'a regex, unique by string',
});

export const Callflow = Type.Object({
  ...ResourceMeta,
  name: Type.String(),
  numbers: Type.Array(Type.String()),
  patterns: Type.Array(Type.String()),
  flow: Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true }),
  feature_code: Type.String({ description: "'' or the default feature code this callflow implements" }),
});
export type Callflow = Static<typeof Callflow>;

export const CallflowCreate = Type.Object(
  {
    name: Type.Optional(Name),
    numbers: Type.Optional(Type.Array(CallflowNumber, { maxItems: 100 })),
    patterns: Type.Optional(Type.Array(CallflowPattern, { maxItems: 100 })),
    flow: FlowNode,
  },
  { additionalProperties: false },
);
export type CallflowCreate = Static<typeof CallflowCreate>;

export const CallflowUpdate = Type.Partial(CallflowCreate, { additionalProperties: false });
export type CallflowUpdate = Static<typeof CallflowUpdate>;
