/**
 * The versioned migrations, listed statically (no directory scanning: works from any cwd and from a
 * bundle). Add `0002_….ts` here in order; names sort lexicographically = apply order.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_initial.ts';
import * as m0002 from './0002_registrations.ts';

/** Every migration by name, in apply order. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_initial': m0001,
  '0002_registrations': m0002,
});

/** Kysely `MigrationProvider` over `MIGRATIONS`. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};

/** Table recording applied migrations (and its lock table, `ringd_migrations_lock`). */
export const MIGRATION_TABLE = 'ringd_migrations';
export const MIGRATION_LOCK_TABLE = 'ringd_migrations_lock';
