/**
 * The delete shared by every referenced resource (api.md): 404 for another tenant's id, 409
 * RESOURCE_IN_USE when referenced (unless `force`, which removes the references in the same transaction),
 * then a hard delete.
 */
import type { Repos, TableRepo } from '../../store/types.ts';
import type { RowChange, TrackedTable } from '../changes.ts';
import { notFound } from '../errors.ts';
import { assertUnreferenced, removeReferences } from '../references.ts';
import type { DirectoryContext } from './context.ts';

export interface DeleteSpec<R extends { id: string }> {
  table: TrackedTable;
  /** Resource name for messages and the 404 reason (`user` → USER_NOT_FOUND). */
  resource: string;
  repo(repos: Repos): TableRepo<R>;
  /** Extra work in the same transaction, before the row goes (e.g. callflow keys). */
  before?(repos: Repos, row: R): Promise<void>;
}

export function deleteResource<R extends { id: string }>(
  ctx: DirectoryContext,
  spec: DeleteSpec<R>,
  customerId: string,
  id: string,
  force = false,
): Promise<R> {
  return ctx.write(async (repos, changes) => {
    const row = await ctx.row(spec.repo(repos), spec.resource, customerId, id);
    const state = ctx.cache.state(customerId);
    if (!state) throw notFound(spec.resource, id);
    if (force) await removeReferences(repos, state, customerId, id, changes, ctx.stamp());
    else assertUnreferenced(state, spec.resource, id);
    await spec.before?.(repos, row);
    await spec.repo(repos).delete(customerId, id);
    changes.add({ table: spec.table, customerId, id, op: 'delete' } as RowChange);
    return row;
  });
}
