/** Trunks: outbound gateways for `tel` addresses. The password is kept for the gateway's challenge and never returned. */
import type { TrunkRow } from '../../store/rows.ts';
import type { ResourceService } from '../contract.ts';
import { toTrunk } from '../resources.ts';
import { checkInput } from '../schema-errors.ts';
import * as S from '../schemas/index.ts';
import { present, type DirectoryContext } from './context.ts';
import { deleteResource, type DeleteSpec } from './delete.ts';

const spec: DeleteSpec<TrunkRow> = { table: 'trunks', resource: 'trunk', repo: (r) => r.trunks };

export class TrunkService implements ResourceService<S.Trunk, S.TrunkCreate, S.TrunkUpdate> {
  constructor(private readonly ctx: DirectoryContext) {}

  async create(customerId: string, input: S.TrunkCreate): Promise<S.Trunk> {
    checkInput(S.TrunkCreate, input);
    return this.ctx.write(async (repos, changes) => {
      this.ctx.tenant(customerId);
      const row: TrunkRow = {
        id: this.ctx.ids(),
        customer_id: customerId,
        name: input.name,
        uri: input.uri,
        username: input.username ?? '',
        password: input.password ?? '',
        prefixes: [...new Set(input.prefixes ?? [])],
        ...this.ctx.newTimes(),
      };
      await repos.trunks.insert(row);
      changes.add({ table: 'trunks', customerId, id: row.id, op: 'create', row });
      return toTrunk(row);
    });
  }

  async get(customerId: string, id: string): Promise<S.Trunk> {
    return toTrunk(await this.ctx.row(this.ctx.store.repos.trunks, 'trunk', customerId, id));
  }

  list(customerId: string, page: S.PageQuery): Promise<S.PageResult<S.Trunk>> {
    return this.ctx.page(this.ctx.store.repos.trunks, customerId, page, toTrunk);
  }

  async update(customerId: string, id: string, input: S.TrunkUpdate): Promise<S.Trunk> {
    checkInput(S.TrunkUpdate, input);
    return this.ctx.write(async (repos, changes) => {
      await this.ctx.row(repos.trunks, 'trunk', customerId, id);
      const patch: Partial<TrunkRow> = { tm_update: this.ctx.stamp() };
      if (input.name !== undefined) patch.name = input.name;
      if (input.uri !== undefined) patch.uri = input.uri;
      if (input.username !== undefined) patch.username = input.username;
      if (input.password !== undefined) patch.password = input.password;
      if (input.prefixes !== undefined) patch.prefixes = [...new Set(input.prefixes)];
      const row = present(await repos.trunks.update(customerId, id, patch), 'trunk');
      changes.add({ table: 'trunks', customerId, id, op: 'update', row });
      return toTrunk(row);
    });
  }

  async delete(customerId: string, id: string, opts?: { force?: boolean }): Promise<S.Trunk> {
    return toTrunk(await deleteResource(this.ctx, spec, customerId, id, opts?.force));
  }
}
