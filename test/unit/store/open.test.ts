import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import {
  MIGRATIONS,
  MIGRATION_TABLE,
  openStore,
  parseStoreUrl,
  type Store,
} from '../../../src/store/index.ts';
import { availableDialects, createTestDatabase } from '../../support/databases.ts';
import { newId, rowFor } from './fixtures.ts';

const ALL = Object.keys(MIGRATIONS);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./children/store-child.ts', import.meta.url));

/** Runs the child script; resolves with its stdout lines once it exits. */
function child(args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { cwd: ROOT });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve(out.trim().split('\n')) : reject(new Error(`child exited ${code}: ${err}`)),
    );
  });
}

async function migrationRows(store: Store): Promise<string[]> {
  const r = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)} order by name`.execute(
    store.db,
  );
  return r.rows.map((x) => x.name);
}

describe('store URLs', () => {
  it('parses PostgreSQL, SQLite and bare paths', () => {
    assert.deepEqual(parseStoreUrl('postgres://u@h:5432/db'), {
      dialect: 'postgres',
      url: 'postgres://u@h:5432/db',
    });
    assert.deepEqual(parseStoreUrl('postgresql://h/db'), { dialect: 'postgres', url: 'postgresql://h/db' });
    assert.deepEqual(parseStoreUrl('sqlite::memory:'), { dialect: 'sqlite', path: ':memory:' });
    assert.deepEqual(parseStoreUrl('sqlite:/var/lib/ringd/ringd.db'), {
      dialect: 'sqlite',
      path: '/var/lib/ringd/ringd.db',
    });
    assert.deepEqual(parseStoreUrl('sqlite:data/ringd.db'), { dialect: 'sqlite', path: 'data/ringd.db' });
    assert.deepEqual(parseStoreUrl('sqlite:///abs/x.db'), { dialect: 'sqlite', path: '/abs/x.db' });
    assert.deepEqual(parseStoreUrl('./ringd.db'), { dialect: 'sqlite', path: './ringd.db' });
  });

  it('refuses other schemes without echoing the URL', async () => {
    assert.throws(
      () => parseStoreUrl('mysql://root:secret@h/db'),
      (e: Error) => !e.message.includes('secret'),
    );
    assert.throws(() => parseStoreUrl('sqlite:'));
    await assert.rejects(openStore({ url: 'mysql://h/db' }), /unsupported store url scheme 'mysql:'/);
  });
});

describe('SQLite file store', () => {
  it('creates the parent directory and sets WAL, synchronous, foreign keys, busy timeout', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ringd-store-'));
    try {
      for (const [sync, expected] of [
        [undefined, 1],
        ['FULL', 2],
      ] as const) {
        const file = join(tmp, `nested/dir/${sync ?? 'default'}.db`);
        const store = await openStore({ url: `sqlite:${file}`, sqliteSynchronous: sync });
        try {
          assert.ok(existsSync(file));
          const pragma = async (name: string) =>
            Object.values((await sql.raw(`pragma ${name}`).execute(store.db)).rows[0] as object)[0];
          assert.equal(await pragma('journal_mode'), 'wal');
          assert.equal(await pragma('synchronous'), expected, `synchronous ${sync ?? 'default (NORMAL)'}`);
          assert.equal(await pragma('foreign_keys'), 1);
          assert.equal(await pragma('busy_timeout'), 5000);
        } finally {
          await store.close();
        }
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('processes starting together on one new file migrate it once', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ringd-store-'));
    try {
      const url = `sqlite:${join(tmp, 'shared.db')}`;
      const outs = await Promise.all([child(['open', url]), child(['open', url]), child(['open', url])]);
      for (const out of outs) assert.deepEqual(JSON.parse(out[0]), { pending: [] });
      const store = await openStore({ url, migrate: false });
      try {
        assert.deepEqual(await migrationRows(store), ALL);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

for (const dialect of await availableDialects()) {
  describe(`store migrations and lifecycle (${dialect})`, () => {
    it('a new database has every migration pending; migrate applies them once', async () => {
      const db = await createTestDatabase(dialect);
      const store = await openStore({ url: db.url, migrate: false });
      try {
        assert.deepEqual(await store.pendingMigrations(), ALL);
        await assert.rejects(store.repos.users.count(null), 'no tables before migrating');
        assert.deepEqual(await store.migrate(), ALL);
        assert.deepEqual(await store.pendingMigrations(), []);
        assert.deepEqual(await store.migrate(), [], 'idempotent');
        assert.deepEqual(await migrationRows(store), ALL);
        assert.equal(await store.repos.users.count(null), 0);
      } finally {
        await store.close();
        await db.drop();
      }
    });

    it('openStore migrates by default; reopening finds nothing pending and keeps the data', async () => {
      const tmp = mkdtempSync(join(tmpdir(), 'ringd-store-'));
      const db = await createTestDatabase(dialect, join(tmp, 'reopen.db'));
      try {
        const first = await openStore({ url: db.url });
        const user = rowFor('users', newId());
        try {
          assert.deepEqual(await first.pendingMigrations(), []);
          await first.repos.users.insert(user);
        } finally {
          await first.close();
        }
        const second = await openStore({ url: db.url });
        try {
          assert.deepEqual(await second.pendingMigrations(), []);
          assert.deepEqual(await migrationRows(second), ALL);
          assert.deepEqual(await second.repos.users.get(user.customer_id, user.id), user);
        } finally {
          await second.close();
        }
      } finally {
        await db.drop();
        rmSync(tmp, { recursive: true, force: true });
      }
    });

    it('ping is true while open and false after close; close twice is harmless', async () => {
      const db = await createTestDatabase(dialect);
      const store = await openStore({ url: db.url });
      assert.equal(store.dialect, dialect);
      assert.equal(await store.ping(), true);
      await store.close();
      assert.equal(await store.ping(), false);
      await store.close();
      await db.drop();
    });

    if (dialect === 'postgres') {
      it('stores starting together migrate once (advisory lock), even with a pool of one', async () => {
        const db = await createTestDatabase(dialect);
        const stores = await Promise.all(
          [1, 1, 2, 10].map((poolSize) => openStore({ url: db.url, poolSize })),
        );
        try {
          for (const s of stores) assert.deepEqual(await s.pendingMigrations(), []);
          assert.deepEqual(await migrationRows(stores[0]), ALL);
        } finally {
          for (const s of stores) await s.close();
          await db.drop();
        }
      });

      it('ids and timestamps compare bytewise (collate "C"), other text does not need to', async () => {
        const db = await createTestDatabase(dialect);
        const store = await openStore({ url: db.url });
        try {
          const r = await sql<{ table_name: string; column_name: string; collation_name: string | null }>`
            select table_name, column_name, collation_name from information_schema.columns
            where table_schema = 'public' and table_name not like 'ringd\\_migrations%'
              and (column_name = 'id' or column_name like '%\\_id' or column_name like 'tm\\_%')`.execute(
            store.db,
          );
          assert.ok(r.rows.length > 40);
          for (const c of r.rows) assert.equal(c.collation_name, 'C', `${c.table_name}.${c.column_name}`);
        } finally {
          await store.close();
          await db.drop();
        }
      });
    }
  });
}

describe('SQLite durability', () => {
  for (const sync of ['NORMAL', 'FULL'] as const) {
    it(`kill -9 loses no committed transaction (synchronous=${sync})`, async () => {
      const tmp = mkdtempSync(join(tmpdir(), 'ringd-store-'));
      const url = `sqlite:${join(tmp, 'crash.db')}`;
      try {
        const committed: string[] = [];
        await new Promise<void>((resolve, reject) => {
          const p = spawn(process.execPath, ['--import', 'tsx', CHILD, 'write', url, '100000', sync], {
            cwd: ROOT,
          });
          let buf = '';
          let err = '';
          p.stderr.on('data', (d: Buffer) => (err += d.toString()));
          p.stdout.on('data', (d: Buffer) => {
            buf += d.toString();
            const lines = buf.split('\n');
            buf = lines.pop() ?? '';
            committed.push(...lines.filter((l) => l !== 'done'));
            if (committed.length >= 300 && !p.killed) p.kill('SIGKILL'); // mid-stream, no clean shutdown
          });
          p.on('error', reject);
          p.on('exit', (code, signal) =>
            signal === 'SIGKILL' ? resolve() : reject(new Error(`child ended ${code}/${signal}: ${err}`)),
          );
        });
        assert.ok(committed.length >= 300);
        const store = await openStore({ url });
        try {
          const ids = new Set((await store.repos.users.all(null)).map((u) => u.id));
          const lost = committed.filter((id) => !ids.has(id));
          assert.deepEqual(lost, [], `${lost.length} of ${committed.length} committed rows lost`);
        } finally {
          await store.close();
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  }
});
