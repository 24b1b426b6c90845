/**
 * `callflow` `{ id }`: runs another callflow, then returns to this node's `"_"` child — unless the call was
 * bridged, hung up or usurped meanwhile (then the flow ends), or the nesting bound (50) was hit (the whole
 * execution is aborted).
 */
import { stringField } from '../node.ts';
import type { Action } from '../types.ts';

export const callflowAction: Action = async (ctx) => {
  const end = await ctx.runCallflow(stringField(ctx.node.data, 'id'));
  if (end === 'usurp') return { kind: 'usurp' };
  if (end === 'aborted') return { kind: 'stop' };
  const status = ctx.call.status;
  if (status === 'bridged' || status === 'gone') return { kind: 'stop' };
  return { kind: 'continue' };
};
