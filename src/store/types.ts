/**
 * The store's public contract: what the directory and the call engine use. Implemented by `store.ts`
 * (`openStore`) for both dialects with one set of repositories.
 */
import type { RecordWriter } from './records.ts';
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { CallflowRow, ResourceTable, RowTypes } from './rows.ts';
import type { RegistrationsRepo } from './repos/registrations.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface StoreOptions {
  /**
   * Where the data lives: `postgres://…` / `postgresql://…` for PostgreSQL, `sqlite:/abs/or/rel/path.db`
   * (or a bare file path) for SQLite, `sqlite::memory:` for a throw-away in-memory database (tests).
   */
  url: string;
  /** Run pending migrations when opening (default true; `ringd migrate` opens with false and migrates itself). */
  migrate?: boolean;
  /** SQLite `synchronous` pragma in WAL mode (default 'NORMAL': survives a process crash; 'FULL': power loss too). */
  sqliteSynchronous?: 'NORMAL' | 'FULL';
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

/** Keyset cursor of a list page: the last row of the previous page. */
export interface Cursor {
  tm_create: string;
  id: string;
}

export interface PageRequest {
  /** 1–100. */
  pageSize: number;
  /** Rows strictly older than this one (order: tm_create DESC, id DESC). */
  after?: Cursor;
}

export interface Page<R> {
  rows: R[];
  /** Cursor for the next page, undefined on the last page. */
  next?: Cursor;
}

/**
 * CRUD on one resource table. `customerId` scopes every call: a row of another customer is invisible
 * (get → undefined, update/delete → false). For `customers` itself the scope is the row's own id, and
 * `null` means "any" (platform admin). Soft-deleted rows (`tm_delete` set) are invisible to get/list/all
 * unless `includeDeleted`.
 */
export interface TableRepo<R extends { id: string }> {
  insert(row: R): Promise<void>;
  get(customerId: string | null, id: string, opts?: { includeDeleted?: boolean }): Promise<R | undefined>;
  /** Sets the given columns; returns the updated row, undefined when no such row. */
  update(customerId: string | null, id: string, patch: Partial<R>): Promise<R | undefined>;
  /** Hard delete; true when a row was removed. */
  delete(customerId: string | null, id: string): Promise<boolean>;
  /** Newest first, keyset-paginated, stable while rows are inserted. */
  list(customerId: string | null, page: PageRequest): Promise<Page<R>>;
  /** Every live row (of one customer, or of all when null): used to fill the in-memory directory cache. */
  all(customerId: string | null): Promise<R[]>;
  /** Number of live rows (of one customer or all). */
  count(customerId: string | null): Promise<number>;
}

export type Repos = { [T in ResourceTable]: TableRepo<RowTypes[T]> } & {
  /** The numbers/patterns of callflows, unique per tenant (enforced by the primary key). */
  callflowKeys: {
    /**
     * Replaces the keys of one callflow. Throws `StoreConflictError` (constraint 'callflow_number' or
     * 'callflow_pattern', value = the clashing string) when another callflow of the tenant holds one.
     */
    replace(customerId: string, callflowId: string, numbers: string[], patterns: string[]): Promise<void>;
    removeFor(customerId: string, callflowId: string): Promise<void>;
  };
  /** Accesskey by its public prefix (any customer). */
  accessKeyByPrefix(prefix: string): Promise<RowTypes['access_keys'] | undefined>;
  /** Delete every row of a customer in every table (the customer row included). */
  purgeCustomer(customerId: string): Promise<void>;
  /** The registrar's bindings (issue 4). */
  registrations: RegistrationsRepo;
};

export interface Store {
  readonly dialect: Dialect;
  /** The typed query builder, for queries the repositories do not cover (benchmarks, reports). */
  readonly db: Kysely<Database>;
  /** Repositories outside any transaction (each call is its own statement). */
  readonly repos: Repos;
  /** The batched write path of live records (calls, groupcalls): see `records.ts`. */
  readonly records: RecordWriter;
  /**
   * Runs `fn` in one database transaction: all its writes commit together or none do. On SQLite, writes
   * are serialized (one writer); on PostgreSQL, READ COMMITTED.
   */
  transaction<T>(fn: (repos: Repos) => Promise<T>): Promise<T>;
  /** Applies pending migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  /** Names of migrations not yet applied. */
  pendingMigrations(): Promise<string[]>;
  /** True when a trivial query succeeds (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** A unique constraint refused a write. */
export class StoreConflictError extends Error {
  constructor(
    /** 'customer_domain' | 'device_sip_username' | 'callflow_number' | 'callflow_pattern' | 'access_key_prefix' | 'primary_key' */
    readonly constraint: string,
    /** The clashing value when known (e.g. the number). */
    readonly value: string,
    /** For callflow keys: the callflow that already holds the value. */
    readonly holderId?: string,
  ) {
    super(`unique constraint ${constraint} refused '${value}'`);
  }
}

export type { CallflowRow };
