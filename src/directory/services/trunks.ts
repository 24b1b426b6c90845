/** Trunks: outbound gateways for `tel` addresses. The password is kept for the gateway's challenge and never returned. */
import type { TrunkRow } from '../../store/rows.ts';
import type { ResourceService } from '../contract.ts';
import { toTrunk } from '../resources.ts';
import { checkInput } from '../schema-errors.ts';
import * as S from '../schemas/index.ts';
import type { DirectoryContext } from './context.ts';
import { ResourceServiceBase } from './resource-base.ts';

export class TrunkService
  extends ResourceServiceBase<TrunkRow, S.Trunk>
  implements ResourceService<S.Trunk, S.TrunkCreate, S.TrunkUpdate>
{
  constructor(ctx: DirectoryContext) {
    super(ctx, { table: 'trunks', resource: 'trunk', repo: (r) => r.trunks, toResource: toTrunk });
  }

  async create(customerId: string, input: S.TrunkCreate): Promise<S.Trunk> {
    checkInput(S.TrunkCreate, input);
    return this.createRow(customerId, (_state, id) => ({
      id,
      customer_id: customerId,
      name: input.name,
      uri: input.uri,
      username: input.username ?? '',
      password: input.password ?? '',
      prefixes: [...new Set(input.prefixes ?? [])],
      ...this.ctx.newTimes(),
    }));
  }

  async update(customerId: string, id: string, input: S.TrunkUpdate): Promise<S.Trunk> {
    checkInput(S.TrunkUpdate, input);
    return this.patch(customerId, id, () => {
      const patch: Partial<TrunkRow> = {};
      if (input.name !== undefined) patch.name = input.name;
      if (input.uri !== undefined) patch.uri = input.uri;
      if (input.username !== undefined) patch.username = input.username;
      if (input.password !== undefined) patch.password = input.password;
      if (input.prefixes !== undefined) patch.prefixes = [...new Set(input.prefixes)];
      return patch;
    });
  }
}
