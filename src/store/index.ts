/**
 * The store: ringd's only door to a database (SQLite or PostgreSQL, one set of repositories).
 */
export { openStore, MIGRATION_ADVISORY_LOCK } from './store.ts';
export { parseStoreUrl, type StoreLocation } from './dialects.ts';
export { MIGRATIONS, MIGRATION_TABLE } from './migrations/index.ts';
export { bulkInsertGroupcalls, type BulkInsertOptions } from './bulk.ts';
export { RECORD_COLUMNS, type RecordTable, type RecordWriter } from './records.ts';
export { MAX_PAGE_SIZE } from './repos/table-repo.ts';
export { StoreConflictError } from './types.ts';
export { uuid7 } from './uuid7.ts';
export type { Cursor, Dialect, Page, PageRequest, Repos, Store, StoreOptions, TableRepo } from './types.ts';
export type * from './rows.ts';
export type * from './schema.ts';
export {
  NIL_UUID,
  NOT_YET,
  TIMESTAMP_PATTERN,
  TimestampSource,
  formatTimestamp,
  parseTimestamp,
} from './timestamp.ts';
