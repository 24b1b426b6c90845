/**
 * What the tenant resource services share: `get` (404 for another tenant's id), `list` (one API page),
 * `delete` (`deleteResource`), and the create/update skeletons (write the row, record the change,
 * convert it for the API). Each service keeps only what is its own: defaults, checks and the patch.
 */
import type { Repos, TableRepo } from '../../store/types.ts';
import type { TenantState } from '../cache/tenant-state.ts';
import type { ChangeSet, RowChange } from '../changes.ts';
import type { ReadService } from '../contract.ts';
import type { PageQuery, PageResult } from '../schemas/common.ts';
import { present, type DirectoryContext } from './context.ts';
import { deleteResource, type DeleteSpec } from './delete.ts';

/** How a table's rows are read: its repo, its resource name (for 404s) and its API form. */
export interface ReadSpec<R extends { id: string }, T> {
  /** Resource name for messages and the 404 reason (`user` → USER_NOT_FOUND). */
  resource: string;
  repo(repos: Repos): TableRepo<R>;
  /** The row as the API returns it. */
  toResource(row: R): T;
}

/** A tenant resource: read as in `ReadSpec`, changed and deleted as in `DeleteSpec`. */
export interface ResourceSpec<R extends { id: string }, T> extends ReadSpec<R, T>, DeleteSpec<R> {}

/** Optional steps of `patch`, run in the write's transaction. */
export interface PatchHooks<R> {
  /** Writes the patch instead of the plain `repo.update` (e.g. to map a store conflict). */
  save?(repos: Repos, patch: Partial<R>, current: R): Promise<R | undefined>;
  /** Extra work once the row is updated, before the change is recorded (e.g. callflow keys). */
  after?(repos: Repos, row: R, patch: Partial<R>): Promise<void>;
}

/** A row a tenant resource service changes: `patch` stamps its `tm_update`. */
export interface TenantRow {
  id: string;
  tm_update: string;
}

/** `get` and `list` of a tenant's rows. */
export class ReadServiceBase<R extends { id: string }, T> implements ReadService<T> {
  constructor(
    protected readonly ctx: DirectoryContext,
    protected readonly spec: ReadSpec<R, T>,
  ) {}

  async get(customerId: string, id: string): Promise<T> {
    const repo = this.spec.repo(this.ctx.store.repos);
    return this.spec.toResource(await this.ctx.row(repo, this.spec.resource, customerId, id));
  }

  list(customerId: string, page: PageQuery): Promise<PageResult<T>> {
    return this.ctx.page(this.spec.repo(this.ctx.store.repos), customerId, page, this.spec.toResource);
  }
}

/** `get`, `list`, `delete`, and the create/update skeletons of a tenant resource service. */
export class ResourceServiceBase<R extends TenantRow, T> extends ReadServiceBase<R, T> {
  constructor(
    ctx: DirectoryContext,
    protected override readonly spec: ResourceSpec<R, T>,
  ) {
    super(ctx, spec);
  }

  async delete(customerId: string, id: string, opts?: { force?: boolean }): Promise<T> {
    return this.spec.toResource(await deleteResource(this.ctx, this.spec, customerId, id, opts?.force));
  }

  /**
   * The usual create, as one write: takes the tenant's state (404 when no such tenant), draws the new id,
   * inserts the row `build` returns (checked against that state) and returns its API form.
   */
  protected createRow(customerId: string, build: (state: TenantState, id: string) => R): Promise<T> {
    return this.ctx.write(async (repos, changes) => {
      const state = this.ctx.tenant(customerId);
      return this.insert(repos, changes, customerId, build(state, this.ctx.ids()));
    });
  }

  /** Inserts a new (checked) row in the write's transaction, records the change, returns its API form. */
  protected async insert(repos: Repos, changes: ChangeSet, customerId: string, row: R): Promise<T> {
    await this.spec.repo(repos).insert(row);
    this.record(changes, 'create', customerId, row);
    return this.spec.toResource(row);
  }

  /**
   * The partial update, as one write: loads the row (404 for another tenant's id), takes the tenant's
   * state, stamps `tm_update`, adds the fields `build` returns (those present in the input, checked),
   * writes the patch, records the change and returns the API form.
   */
  protected patch(
    customerId: string,
    id: string,
    build: (current: R, state: TenantState) => Partial<R>,
    hooks: PatchHooks<R> = {},
  ): Promise<T> {
    return this.ctx.write(async (repos, changes) => {
      const repo = this.spec.repo(repos);
      const current = await this.ctx.row(repo, this.spec.resource, customerId, id);
      const state = this.ctx.tenant(customerId);
      const patch: Partial<R> = { tm_update: this.ctx.stamp(), ...build(current, state) };
      const saved = hooks.save ? hooks.save(repos, patch, current) : repo.update(customerId, id, patch);
      const row = present(await saved, this.spec.resource);
      await hooks.after?.(repos, row, patch);
      this.record(changes, 'update', customerId, row);
      return this.spec.toResource(row);
    });
  }

  /** Records a change of this spec's table (its row type is `R`, which TypeScript cannot relate to `table`). */
  private record(changes: ChangeSet, op: 'create' | 'update', customerId: string, row: R): void {
    changes.add({ table: this.spec.table, customerId, id: row.id, op, row } as unknown as RowChange);
  }
}
