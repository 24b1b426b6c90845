/**
 * Directory and API benchmark (issue 3).
 *
 * 1. The lookups the call path makes, all from the in-memory directory cache: device by SIP user name,
 *    callflow match for a dialed number (10 000 callflows + 200 patterns: exact hits, pattern hits, misses)
 *    and the expansion of a 500-device nested group. Reference in the same run: the same answer from an
 *    indexed SQL query on the same (in-memory SQLite) database — what a PBX that asks its database per call
 *    pays.
 * 2. `GET /v1.0/groupcalls?page_size=100` over real HTTP (keep-alive, sequential) on a table of 1 000 000
 *    groupcall rows, SQLite and PostgreSQL: p50/p99 of the first page, and of walking 200 pages deep by
 *    `page_token` (keyset pagination: a deep page costs what the first one does).
 *
 *   npm run bench:api                     full run (about 3–5 minutes, mostly filling 1 000 000 rows twice)
 *   npm run bench:api -- --smoke          CI smoke run (small sizes)
 *   npm run bench:api -- --rows 200000    other table size;  --dialects sqlite  to skip PostgreSQL
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { buildApi } from '../src/api/server.ts';
import { createDirectory, expandGroupDevices, type Directory } from '../src/directory/index.ts';
import { bulkInsertGroupcalls, openStore, type Store } from '../src/store/index.ts';
import { availableDialects, createTestDatabase } from '../test/support/databases.ts';

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const ROWS = Number(arg('rows') ?? (smoke ? 20_000 : 1_000_000));
const CALLFLOWS = smoke ? 1_000 : 10_000;
const PATTERNS = smoke ? 20 : 200;
const GROUP_DEVICES = 500;
const DEVICES = smoke ? 600 : 2_000;
const LOOKUP_MS = smoke ? 100 : 1_000;

const figures: Array<[string, number | string]> = [];
const lines: string[] = [];
const progress = (msg: string) => process.stderr.write(`# ${msg}\n`);

/** Runs `fn` over and over for about `ms` (after a warm-up) and returns operations per second. */
function opsPerSecond(fn: (i: number) => unknown, ms = LOOKUP_MS): number {
  for (let i = 0; i < 2_000; i++) fn(i);
  let n = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let k = 0; k < 256; k++, n++) if (fn(n)) sink++;
    now = process.hrtime.bigint();
  }
  if (sink < 0) console.log(sink);
  return n / (Number(now - start) / 1e9);
}

async function asyncOpsPerSecond(fn: (i: number) => Promise<unknown>, ms = LOOKUP_MS): Promise<number> {
  for (let i = 0; i < 200; i++) await fn(i);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) for (let k = 0; k < 32; k++, n++) await fn(n);
  return n / ((performance.now() - start) / 1000);
}

async function populate(directory: Directory) {
  const c = await directory.customers.create({ name: 'Bench', domain: 'bench.example.com' });
  const cid = c.id;
  const devices: string[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const d = await directory.devices.create(cid, {
      name: `phone ${i}`,
      sip_username: `u${100000 + i}`,
      sip_password: 'bench-password',
    });
    devices.push(d.id);
    if (i % 500 === 499) progress(`devices ${i + 1}/${DEVICES}`);
  }
  // A 500-device group nested three levels deep: top → 5 groups of 100 devices, two of them via a middle group.
  const leaves: string[] = [];
  for (let g = 0; g < 5; g++) {
    const members = Object.fromEntries(
      devices.slice(g * 100, g * 100 + 100).map((id) => [id, { type: 'device' as const }]),
    );
    leaves.push((await directory.groups.create(cid, { name: `leaf ${g}`, endpoints: members })).id);
  }
  const middle = await directory.groups.create(cid, {
    name: 'middle',
    endpoints: { [leaves[3]]: { type: 'group' }, [leaves[4]]: { type: 'group' } },
  });
  const top = await directory.groups.create(cid, {
    name: 'top',
    endpoints: {
      [leaves[0]]: { type: 'group' },
      [leaves[1]]: { type: 'group' },
      [leaves[2]]: { type: 'group' },
      [middle.id]: { type: 'group' },
    },
  });
  for (let i = 0; i < CALLFLOWS; i++) {
    await directory.callflows.create(cid, {
      numbers: [String(200000 + i)],
      flow: { module: 'device', data: { id: devices[i % devices.length] } },
    });
    if (i % 2000 === 1999) progress(`callflows ${i + 1}/${CALLFLOWS}`);
  }
  for (let i = 0; i < PATTERNS; i++) {
    await directory.callflows.create(cid, {
      patterns: [`^9${String(i).padStart(3, '0')}(\\d{4,})$`],
      flow: { module: 'device', data: { id: devices[i % devices.length] } },
    });
  }
  return { cid, top: top.id };
}

async function lookups() {
  progress('directory: populating an in-memory SQLite directory');
  const store = await openStore({ url: 'sqlite::memory:' });
  try {
    const directory = await createDirectory({ store });
    const { cid, top } = await populate(directory);
    const cache = directory.cache;
    const devs = Array.from({ length: 1024 }, (_, i) => `u${100000 + ((i * 7919) % DEVICES)}`);
    const exact = Array.from({ length: 1024 }, (_, i) => String(200000 + ((i * 7919) % CALLFLOWS)));
    const patternHit = Array.from(
      { length: 1024 },
      (_, i) => `9${String((i * 31) % PATTERNS).padStart(3, '0')}5551234`,
    );
    const miss = Array.from({ length: 1024 }, (_, i) => `7${i}00000`);
    // Sanity: the answers are right before they are timed.
    if (!cache.deviceBySipUsername(cid, devs[0])) throw new Error('device lookup failed');
    if (cache.matchCallflow(cid, exact[0])?.via !== 'number') throw new Error('exact match failed');
    if (cache.matchCallflow(cid, patternHit[0])?.capture !== '5551234')
      throw new Error('pattern match failed');
    if (cache.matchCallflow(cid, miss[0]) !== undefined) throw new Error('miss matched');
    if (cache.expandGroup(cid, top).length !== GROUP_DEVICES) throw new Error('group expansion size');

    const device = opsPerSecond((i) => cache.deviceBySipUsername(cid, devs[i & 1023]));
    const flowExact = opsPerSecond((i) => cache.matchCallflow(cid, exact[i & 1023]));
    const flowPattern = opsPerSecond((i) => cache.matchCallflow(cid, patternHit[i & 1023]));
    const flowMiss = opsPerSecond((i) => cache.matchCallflow(cid, miss[i & 1023]));
    const expand = opsPerSecond(() => cache.expandGroup(cid, top));
    // Cold: the expansion the cache does after a directory write (depth first over the same maps).
    const graph = {
      endpointsOf: (id: string) => cache.group(cid, id)?.endpoints,
      hasDevice: (id: string) => cache.device(cid, id) !== undefined,
      devicesOfUser: (id: string) => cache.devicesOfUser(cid, id).map((d) => d.id),
    };
    if (expandGroupDevices(top, graph).length !== GROUP_DEVICES) throw new Error('cold expansion size');
    const expandCold = opsPerSecond(() => expandGroupDevices(top, graph));

    // Reference: the same answers from indexed queries on the same database.
    const sqlDevice = await asyncOpsPerSecond((i) =>
      store.db
        .selectFrom('devices')
        .selectAll()
        .where('customer_id', '=', cid)
        .where('sip_username', '=', devs[i & 1023])
        .executeTakeFirst(),
    );
    const sqlExact = await asyncOpsPerSecond((i) =>
      store.db
        .selectFrom('callflow_keys')
        .innerJoin('callflows', 'callflows.id', 'callflow_keys.callflow_id')
        .selectAll('callflows')
        .where('callflow_keys.customer_id', '=', cid)
        .where('callflow_keys.kind', '=', 'number')
        .where('callflow_keys.value', '=', exact[i & 1023])
        .executeTakeFirst(),
    );

    lines.push(
      `directory lookups (in memory; ${CALLFLOWS} callflows, ${PATTERNS} patterns, ${DEVICES} devices, ${GROUP_DEVICES}-device nested group)`,
      `  ${'lookup'.padEnd(44)} ${'ops/s'.padStart(12)}  ${'SQL reference'.padStart(14)}  ratio`,
      `  ${'device by SIP user name'.padEnd(44)} ${fmt(device)}  ${fmt(sqlDevice).padStart(14)}  ${(device / sqlDevice).toFixed(0)}x`,
      `  ${'callflow match, exact number'.padEnd(44)} ${fmt(flowExact)}  ${fmt(sqlExact).padStart(14)}  ${(flowExact / sqlExact).toFixed(0)}x`,
      `  ${`callflow match, pattern (of ${PATTERNS})`.padEnd(44)} ${fmt(flowPattern)}`,
      `  ${'callflow match, no match (every pattern tried)'.padEnd(44)} ${fmt(flowMiss)}`,
      `  ${`group expansion, ${GROUP_DEVICES} devices nested (memoized)`.padEnd(44)} ${fmt(expand)}`,
      `  ${`group expansion, ${GROUP_DEVICES} devices nested (cold)`.padEnd(44)} ${fmt(expandCold)}`,
    );
    figures.push(
      ['directory_device_by_username_ops', Math.round(device)],
      ['directory_device_by_username_sql_ops', Math.round(sqlDevice)],
      ['directory_callflow_exact_ops', Math.round(flowExact)],
      ['directory_callflow_exact_sql_ops', Math.round(sqlExact)],
      ['directory_callflow_pattern_ops', Math.round(flowPattern)],
      ['directory_callflow_miss_ops', Math.round(flowMiss)],
      ['directory_group_expand_ops', Math.round(expand)],
      ['directory_group_expand_cold_ops', Math.round(expandCold)],
    );
  } finally {
    await store.close();
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US').padStart(12);
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function get(
  agent: Agent,
  port: number,
  path: string,
  key: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, agent, headers: { authorization: `Bearer ${key}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function listLatency(dialect: 'sqlite' | 'postgres') {
  const tmp = mkdtempSync(join(tmpdir(), 'ringd-bench-'));
  const db = await createTestDatabase(dialect, join(tmp, 'bench.db'));
  let store: Store | undefined;
  try {
    store = await openStore({ url: db.url });
    const directory = await createDirectory({ store });
    const customer = await directory.customers.create({
      name: 'Bench',
      domain: `list.${dialect}.example.com`,
    });
    const key = (await directory.accessKeys.create(customer.id, 'customer', 'bench')).key;
    const t0 = performance.now();
    let last = 0;
    await bulkInsertGroupcalls(store, customer.id, ROWS, {
      onProgress(done) {
        if (done - last >= ROWS / 10 || done === ROWS) {
          progress(
            `${dialect}: ${done.toLocaleString('en-US')}/${ROWS.toLocaleString('en-US')} groupcall rows`,
          );
          last = done;
        }
      },
    });
    const fillSeconds = (performance.now() - t0) / 1000;
    if (dialect === 'postgres') await sql`analyze groupcalls`.execute(store.db);
    const app = await buildApi({ directory, version: 'bench' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first: number[] = [];
      const N = smoke ? 100 : 1_000;
      for (let i = 0; i < N + 50; i++) {
        const s = performance.now();
        const r = await get(agent, port, '/v1.0/groupcalls?page_size=100', key);
        const ms = performance.now() - s;
        if (r.status !== 200) throw new Error(`GET /v1.0/groupcalls → ${r.status} ${r.body.slice(0, 200)}`);
        if (i === 0 && (JSON.parse(r.body) as { result: unknown[] }).result.length !== 100)
          throw new Error('first page does not hold 100 rows');
        if (i >= 50) first.push(ms);
      }
      const walk: number[] = [];
      const PAGES = smoke ? 50 : 200;
      let token = '';
      for (let p = 0; p < PAGES; p++) {
        const s = performance.now();
        const r = await get(
          agent,
          port,
          `/v1.0/groupcalls?page_size=100${token ? `&page_token=${token}` : ''}`,
          key,
        );
        walk.push(performance.now() - s);
        if (r.status !== 200) throw new Error(`page ${p} → ${r.status}`);
        token = encodeURIComponent((JSON.parse(r.body) as { next_page_token: string }).next_page_token);
        if (!token) break;
      }
      first.sort((a, b) => a - b);
      walk.sort((a, b) => a - b);
      const f = { p50: quantile(first, 0.5), p99: quantile(first, 0.99) };
      const w = { p50: quantile(walk, 0.5), p99: quantile(walk, 0.99) };
      lines.push(
        `  ${dialect.padEnd(10)} ${ROWS.toLocaleString('en-US').padStart(10)}  ${f.p50.toFixed(2).padStart(9)}  ${f.p99
          .toFixed(2)
          .padStart(
            9,
          )}  ${w.p50.toFixed(2).padStart(9)}  ${w.p99.toFixed(2).padStart(9)}  ${fillSeconds.toFixed(1).padStart(6)}`,
      );
      figures.push(
        [`groupcalls_list_${dialect}_first_page_p50_ms`, Number(f.p50.toFixed(3))],
        [`groupcalls_list_${dialect}_first_page_p99_ms`, Number(f.p99.toFixed(3))],
        [`groupcalls_list_${dialect}_walk_${walk.length}_pages_p50_ms`, Number(w.p50.toFixed(3))],
        [`groupcalls_list_${dialect}_walk_${walk.length}_pages_p99_ms`, Number(w.p99.toFixed(3))],
        [`groupcalls_list_${dialect}_rows`, ROWS],
      );
    } finally {
      agent.destroy();
      await app.close();
    }
  } finally {
    await store?.close();
    await db.drop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  await lookups();
  const wanted = arg('dialects')?.split(',') ?? ['sqlite', 'postgres'];
  const dialects = (await availableDialects()).filter((d) => wanted.includes(d));
  lines.push(
    '',
    `GET /v1.0/groupcalls?page_size=100 over HTTP (keep-alive, sequential), latency in ms`,
    `  ${'dialect'.padEnd(10)} ${'rows'.padStart(10)}  ${'first p50'.padStart(9)}  ${'first p99'.padStart(9)}  ${'walk p50'.padStart(9)}  ${'walk p99'.padStart(9)}  ${'fill s'.padStart(6)}`,
  );
  for (const d of dialects) await listLatency(d);
  console.log(lines.join('\n'));
  console.log('');
  for (const [k, v] of figures) console.log(`${k}=${v}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
