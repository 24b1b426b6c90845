/**
 * The databases every store, directory and API suite runs against: SQLite (in-memory or a temp file) and
 * PostgreSQL (a fresh database created per suite on the local server, dropped afterwards).
 *
 * PostgreSQL comes from `RINGD_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`, the
 * server of these machines). When it is unreachable, CI (`CI` set) fails loudly; a developer machine
 * runs the SQLite half only and prints why.
 */
import pg from 'pg';

export interface TestDatabase {
  /** 'sqlite' | 'postgres' (use it in test names). */
  name: 'sqlite' | 'postgres';
  /** A `StoreOptions.url` for a fresh, empty database. */
  url: string;
  /** Drops what `create` made. */
  drop(): Promise<void>;
}

export const PG_ADMIN_URL = process.env.RINGD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let pgReachable: Promise<boolean> | undefined;
let counter = 0;

async function checkPg(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (e) {
    const why = `PostgreSQL at ${PG_ADMIN_URL} is unreachable (${(e as Error).message})`;
    if (process.env.CI) throw new Error(`${why}; CI requires it (.ci/run starts it)`);
    console.warn(`# ${why}: running the SQLite half of the suite only`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The dialects available here, each able to make fresh databases. */
export async function availableDialects(): Promise<Array<'sqlite' | 'postgres'>> {
  pgReachable ??= checkPg();
  return (await pgReachable) ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** Creates a fresh empty database of that dialect. SQLite: in-memory unless `file` is given. */
export async function createTestDatabase(name: 'sqlite' | 'postgres', file?: string): Promise<TestDatabase> {
  if (name === 'sqlite') {
    return { name, url: file ? `sqlite:${file}` : 'sqlite::memory:', drop: async () => {} };
  }
  const dbName = `ringd_t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${dbName}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${dbName}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${dbName} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
