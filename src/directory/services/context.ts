/**
 * What every directory service shares: the store, the cache, the clock and id source, and `write`, the
 * one way to change anything — serialized with every other directory write of this process, run in one
 * store transaction, and made visible (cache, version, listeners) only after it commits.
 */
import type { Repos, Store, TableRepo } from '../../store/types.ts';
import { NOT_YET, TimestampSource } from '../../store/timestamp.ts';
import { uuid7 } from '../../store/uuid7.ts';
import { DirectoryCacheImpl } from '../cache/directory-cache.ts';
import type { TenantState } from '../cache/tenant-state.ts';
import { ChangeSet, type DirectoryChange } from '../changes.ts';
import { DirectoryError, notFound } from '../errors.ts';
import { toPageRequest, toPageResult } from '../page-token.ts';
import type { PageQuery, PageResult } from '../schemas/common.ts';

export type LogFn = (msg: string, o?: object) => void;

export interface ContextOptions {
  store: Store;
  now?: () => number;
  ids?: () => string;
  log?: LogFn;
}

export class DirectoryContext {
  readonly store: Store;
  readonly cache = new DirectoryCacheImpl();
  readonly ids: () => string;
  readonly log: LogFn;
  private readonly clock: TimestampSource;
  private readonly listeners = new Set<(c: DirectoryChange) => void>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(opts: ContextOptions) {
    this.store = opts.store;
    this.clock = new TimestampSource(opts.now ?? Date.now);
    this.ids = opts.ids ?? (() => uuid7());
    this.log = opts.log ?? (() => {});
  }

  /** A fresh, strictly increasing timestamp. */
  stamp(): string {
    return this.clock.next();
  }

  /** `tm_create`, `tm_update` (not yet: the seed's convention for fresh rows), `tm_delete` of a new row. */
  newTimes(): { tm_create: string; tm_update: string; tm_delete: string } {
    return { tm_create: this.stamp(), tm_update: NOT_YET, tm_delete: NOT_YET };
  }

  /**
   * Runs one write. Writes run one at a time (so validation against the cache sees every earlier
   * commit), each in one transaction; its changes reach the cache and the listeners after the commit.
   * On any error nothing is committed and nothing changes in memory.
   */
  write<T>(fn: (repos: Repos, changes: ChangeSet) => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      const changes = new ChangeSet();
      const result = await this.store.transaction((repos) => fn(repos, changes));
      this.cache.apply(changes.changes);
      for (const c of changes.changes) {
        const event: DirectoryChange = { table: c.table, customerId: c.customerId, id: c.id, op: c.op };
        for (const listener of this.listeners) {
          try {
            listener(event);
          } catch (e) {
            this.log('directory change listener threw', { error: (e as Error).message, ...event });
          }
        }
      }
      return result;
    });
    this.tail = run.catch(() => {});
    return run;
  }

  onChange(listener: (c: DirectoryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The tenant's cached state; 404 CUSTOMER_NOT_FOUND when there is no such tenant. */
  tenant(customerId: string): TenantState {
    const t = this.cache.state(customerId);
    if (!t) throw notFound('customer', customerId);
    return t;
  }

  /** A row of the tenant, or 404 `<RESOURCE>_NOT_FOUND` (another tenant's id included). */
  async row<R extends { id: string }>(
    repo: TableRepo<R>,
    resource: string,
    customerId: string,
    id: string,
  ): Promise<R> {
    const row = await repo.get(customerId, id);
    if (!row) throw notFound(resource, id);
    return row;
  }

  /** One API page of a tenant's rows. */
  async page<R extends { id: string }, T>(
    repo: TableRepo<R>,
    customerId: string | null,
    query: PageQuery | undefined,
    map: (r: R) => T,
  ): Promise<PageResult<T>> {
    const request = toPageRequest(query);
    return toPageResult(await repo.list(customerId, request), map);
  }
}

/** Narrows a value the store should have returned (a vanished row mid-transaction is a bug, 500). */
export function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new DirectoryError(500, 'INTERNAL', `${what} vanished during the write`);
  return value;
}
