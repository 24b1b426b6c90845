/** Read services over the call engine's records (groupcall.md): groupcalls and calls; soft-deleted ones are hidden. */
import type { ReadService } from '../contract.ts';
import { toCall, toGroupcall } from '../resources.ts';
import type * as S from '../schemas/index.ts';
import type { DirectoryContext } from './context.ts';

export class GroupcallReadService implements ReadService<S.Groupcall> {
  constructor(private readonly ctx: DirectoryContext) {}

  async get(customerId: string, id: string): Promise<S.Groupcall> {
    return toGroupcall(await this.ctx.row(this.ctx.store.repos.groupcalls, 'groupcall', customerId, id));
  }

  list(customerId: string, page: S.PageQuery): Promise<S.PageResult<S.Groupcall>> {
    return this.ctx.page(this.ctx.store.repos.groupcalls, customerId, page, toGroupcall);
  }
}

export class CallReadService implements ReadService<S.Call> {
  constructor(private readonly ctx: DirectoryContext) {}

  async get(customerId: string, id: string): Promise<S.Call> {
    return toCall(await this.ctx.row(this.ctx.store.repos.calls, 'call', customerId, id));
  }

  list(customerId: string, page: S.PageQuery): Promise<S.PageResult<S.Call>> {
    return this.ctx.page(this.ctx.store.repos.calls, customerId, page, toCall);
  }
}
