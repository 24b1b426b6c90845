/** Read services over the call engine's records (groupcall.md): groupcalls and calls; soft-deleted ones are hidden. */
import type { CallRow, GroupcallRow } from '../../store/rows.ts';
import { toCall, toGroupcall } from '../resources.ts';
import type * as S from '../schemas/index.ts';
import type { DirectoryContext } from './context.ts';
import { ReadServiceBase } from './resource-base.ts';

export class GroupcallReadService extends ReadServiceBase<GroupcallRow, S.Groupcall> {
  constructor(ctx: DirectoryContext) {
    super(ctx, { resource: 'groupcall', repo: (r) => r.groupcalls, toResource: toGroupcall });
  }
}

export class CallReadService extends ReadServiceBase<CallRow, S.Call> {
  constructor(ctx: DirectoryContext) {
    super(ctx, { resource: 'call', repo: (r) => r.calls, toResource: toCall });
  }
}
