/**
 * Call pickup latency through ringd with many calls ringing in the background (issue 6, pickup.md "What
 * must be measured"), and the cost of the engine's candidate lookup alone.
 *
 * End to end: `--groups` ring groups (callflows 5000, 5001, …), each ringing one member device of its own;
 * all member devices are registered with digest at one SIPp UAS that answers 180 and rings until CANCEL
 * (uas-ring-cancel.xml). Background callers (bench/support/pickup-callers.ts, its own process: one SIPp
 * caller cannot dial 1 000 numbers with digest) fill the groups round-robin. A picker device then dials
 * `*87<group>` from a small UDP UA of this process (bench/support/sip-ua.ts): INVITE → 407 → ACK → INVITE
 * with credentials, **timed from sending the authenticated INVITE to receiving its 200 OK**, then ACK and
 * BYE, one pickup at a time with `--gap` ms between them, groups spread over all of them. Measured twice in
 * the same ringd process, as the reference of the same run: first with one call ringing per group ("light"),
 * then with the groups filled to `--ringing` calls ("loaded"). That client-side figure includes both
 * loopback hops and this client's own work.
 *
 * ringd's side — the figure pickup.md names, the picker's INVITE received → 200 OK sent — is read from
 * ringd's own `ringd_pickup_latency_seconds` histogram (`GET /metrics`), scraped before and after each
 * measured phase: p50 and p99 are interpolated inside the buckets (0.5 ms wide up to 5 ms), and the share
 * of pickups at or under 5 ms is exact.
 *
 * File descriptors: each ringing call holds one media socket in ringd (the member leg's RTP; the caller's
 * endpoint is bound only when it is answered), so `--ringing` is capped by ringd's open-file limit
 * (printed when it applies).
 *
 * Engine alone: `engineLookup` (support/pickup-lookup.ts) at 1 000, 10 000 and 100 000 fake ringing legs (smoke: 100, 1 000).
 *
 *   npm run bench:pickup                      1 000 groups, 10 000 ringing (or the fd cap), 500 pickups
 *   npm run bench:pickup -- --smoke           20 groups, 200 ringing, 40 pickups (a few seconds)
 *   npm run bench:pickup -- --ringing 5000 --pickups 300 --gap 10
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/interop/support/ports.ts';
import { startSipp, type SippProcess } from '../test/interop/support/sipp.ts';
import { cpuMsOf, rssOf } from './support/proc.ts';
import { BENCH_DOMAIN, PASSWORD, startBenchNode, type BenchNode } from './support/ringd-bench.ts';
import { engineLookup } from './support/pickup-lookup.ts';
import { SipUa } from './support/sip-ua.ts';
import {
  histQuantile,
  minus,
  scrapeHistogram,
  shareAtOrUnder,
  type Histogram,
} from './support/prom-histogram.ts';

/** ringd's `ringd_pickup_latency_seconds` now (ms). */
const scrapeLatency = (node: BenchNode): Promise<Histogram> =>
  scrapeHistogram(`${node.ringd.http}/metrics`, 'ringd_pickup_latency_seconds');

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const arg = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const GROUPS = Number(arg('groups') ?? (smoke ? 20 : 1000));
const RINGING = Number(arg('ringing') ?? (smoke ? 200 : 10_000));
const PICKUPS = Number(arg('pickups') ?? (smoke ? 40 : 500));
const LIGHT_PICKUPS = Number(arg('light-pickups') ?? (smoke ? 10 : 200));
const WARMUP = Number(arg('warmup') ?? (smoke ? 5 : 50));
const RATE = Number(arg('rate') ?? (smoke ? 200 : 400));
const GAP_MS = Number(arg('gap') ?? 20);
const FIRST_NUMBER = 5000;
// `--no-e2e`: the engine microbenchmark only (development aid).
const NO_E2E = argv.includes('--no-e2e');
const ROOT = fileURLToPath(new URL('../', import.meta.url));

const progress = (m: string) => process.stderr.write(`# ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const memberName = (i: number) => `m${String(i).padStart(4, '0')}`;
const groupNumber = (i: number) => String(FIRST_NUMBER + i);

interface Progress {
  sent: number;
  ringing: number;
  answered: number;
  byes: number;
  failed: Record<string, number>;
  strays: number;
}

/** A background caller process (pickup-callers.ts) and its last progress report. */
interface Callers {
  child: ChildProcess;
  last: Progress;
  stop(): Promise<void>;
}

function startCallers(node: BenchNode, numbers: string[], count: number, rate: number): Callers {
  const cfg = {
    server: `127.0.0.1:${node.ringd.sipPort}`,
    domain: node.domain,
    user: 'caller',
    password: PASSWORD,
    numbers,
    count,
    rate,
  };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/support/pickup-callers.ts', JSON.stringify(cfg)],
    {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const c: Callers = {
    child,
    last: { sent: 0, ringing: 0, answered: 0, byes: 0, failed: {}, strays: 0 },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      try {
        child.send({ type: 'stop' });
      } catch {
        /* gone */
      }
      if (!(await Promise.race([exited.then(() => true), sleep(3000).then(() => false)])))
        if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    },
  };
  child.on('message', (m: Progress & { type: string }) => {
    if (m.type === 'progress') c.last = m;
  });
  return c;
}

/** Waits until `callers` have `target` calls ringing (or every call was sent and settled); bounded. */
async function fill(callers: Callers[], target: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const ringingNow = () => callers.reduce((n, c) => n + c.last.ringing, 0);
  let last = -1;
  let stalledSince = Date.now();
  while (Date.now() < deadline) {
    const n = ringingNow();
    if (n >= target) return n;
    if (n !== last) {
      last = n;
      stalledSince = Date.now();
    } else if (Date.now() - stalledSince > 10_000) break;
    await sleep(250);
  }
  const failed = callers.map((c) => JSON.stringify(c.last.failed)).join(' ');
  progress(`fill stopped at ${ringingNow()} ringing of ${target} (failures ${failed})`);
  return ringingNow();
}

/** Soft limit of open files of a process, and how many it has open. */
function fdsOf(pid: number): { limit: number; open: number } {
  const m = /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return { limit: m ? Number(m[1]) : Infinity, open: readdirSync(`/proc/${pid}/fd`).length };
}

interface Latencies {
  ms: number[];
  failures: Record<string, number>;
  cpuMsPerPickup: number;
  /** ringd's own histogram over the phase: cumulative counts per upper bound (ms), +Inf last. */
  server: Histogram;
}

/** `n` pickups, one at a time, of groups spread over all of them (stride `step`, from `offset`). */
async function pickups(
  picker: SipUa,
  node: BenchNode,
  n: number,
  offset: number,
  groupsWithCalls: number,
): Promise<Latencies> {
  const ms: number[] = [];
  const failures: Record<string, number> = {};
  const pid = node.ringd.child.pid!;
  const server0 = await scrapeLatency(node);
  const cpu0 = cpuMsOf(pid);
  for (let i = 0; i < n; i++) {
    // A stride coprime with the group count visits every group before repeating one.
    const g = ((offset + i) * 7919) % groupsWithCalls;
    const r = await picker.invite(`*87${groupNumber(g)}`);
    if (r.final.status === 200 && r.dialog) {
      ms.push(Number(r.finalAt - r.sentAt) / 1e6);
      await picker.bye(r.dialog);
    } else {
      const k = `${r.final.status} ${r.final.reason}`;
      failures[k] = (failures[k] ?? 0) + 1;
    }
    if (GAP_MS > 0) await sleep(GAP_MS);
  }
  const cpu = cpuMsOf(pid) - cpu0;
  const server = minus(await scrapeLatency(node), server0);
  return { ms, failures, cpuMsPerPickup: n > 0 ? cpu / n : 0, server };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

interface EndToEnd {
  groups: number;
  requested: number;
  cap: number;
  light: { ringing: number; lat: Latencies };
  loaded: { ringingStart: number; ringingEnd: number; lat: Latencies };
  rssLoaded: number;
  fds: { limit: number; open: number };
}

async function endToEnd(): Promise<EndToEnd> {
  const node = await startBenchNode(
    {
      RINGD_LOG_LEVEL: 'error',
      // One media port pair per ringing call: a range far wider than the calls need.
      RINGD_RTP_PORT_MIN: '10000',
      RINGD_RTP_PORT_MAX: '60999',
      RINGD_RING_TIMEOUT: '600',
    },
    async (directory, customerId) => {
      await directory.devices.create(customerId, {
        name: 'picker',
        sip_username: 'picker',
        sip_password: PASSWORD,
      });
      for (let i = 0; i < GROUPS; i++) {
        const d = await directory.devices.create(customerId, {
          name: memberName(i),
          sip_username: memberName(i),
          sip_password: PASSWORD,
        });
        await directory.callflows.create(customerId, {
          numbers: [groupNumber(i)],
          flow: {
            module: 'ring_group',
            data: {
              name: `Group ${i}`,
              strategy: 'simultaneous',
              timeout: 600,
              endpoints: [{ id: d.id, endpoint_type: 'device' }],
            },
          },
        });
      }
    },
  );
  const procs: { uas?: SippProcess; callers: Callers[]; picker?: SipUa } = { callers: [] };
  try {
    const pid = node.ringd.child.pid!;
    const fds = fdsOf(pid);
    // One socket per ringing call (the member leg's), and headroom for SIP, HTTP, the database, the pickups.
    const cap = fds.limit - fds.open - 200;
    const target = Math.min(RINGING, cap);
    if (target < RINGING)
      progress(
        `ringd may open ${fds.limit} files (${fds.open} open now): ${RINGING} ringing calls need ~${RINGING} sockets; capped at ${target}`,
      );

    // Every member device registers (digest) with the UAS's port as its contact, then the UAS starts there.
    const uasPort = await freePort();
    const reg = await SipUa.open({
      server: `127.0.0.1:${node.ringd.sipPort}`,
      domain: BENCH_DOMAIN,
      user: memberName(0),
      password: PASSWORD,
      port: uasPort,
    });
    for (let i = 0; i < GROUPS; i += 50) {
      const batch = Array.from({ length: Math.min(50, GROUPS - i) }, (_, k) => memberName(i + k));
      const codes = await Promise.all(batch.map((u) => reg.register(`sip:${u}@127.0.0.1:${uasPort}`, u)));
      const bad = codes.findIndex((c) => c !== 200);
      if (bad >= 0) throw new Error(`REGISTER of ${batch[bad]} → ${codes[bad]}`);
    }
    reg.close();
    progress(`${GROUPS} member devices registered at 127.0.0.1:${uasPort}`);
    const totalCalls = target + GROUPS;
    procs.uas = await startSipp({
      scenario: 'uas-ring-cancel.xml',
      transport: 'udp',
      port: uasPort,
      calls: totalCalls + 10,
      timeoutMs: 900_000,
      extraArgs: ['-l', String(totalCalls + 10), '-max_recv_loops', '10000'],
    });

    const numbers = Array.from({ length: GROUPS }, (_, i) => groupNumber(i));
    procs.picker = await SipUa.open({
      server: `127.0.0.1:${node.ringd.sipPort}`,
      domain: BENCH_DOMAIN,
      user: 'picker',
      password: PASSWORD,
    });

    // Light: one call ringing in every group; a warm-up, then the measured pickups.
    const first = startCallers(node, numbers, GROUPS, Math.min(RATE, 200));
    procs.callers.push(first);
    const lightRinging = await fill([first], GROUPS, 120_000);
    progress(`light: ${lightRinging} calls ringing`);
    const warm = Math.min(WARMUP, Math.floor(GROUPS / 4));
    const warmed = await pickups(procs.picker, node, warm, 0, GROUPS);
    const lightN = Math.min(LIGHT_PICKUPS, GROUPS - warm);
    const light = await pickups(procs.picker, node, lightN, warm, GROUPS);
    progress(`light: ${light.ms.length} pickups`);

    // Loaded: fill the groups round-robin up to the target, let the fill settle, then measure.
    // Each successful pickup took one of the light calls (the callers' own count lags by a report).
    const already = lightRinging - warmed.ms.length - light.ms.length;
    const more = startCallers(node, numbers, Math.max(0, target - already), RATE);
    procs.callers.push(more);
    const ringingStart = await fill(procs.callers, target, Math.ceil(target / RATE) * 1000 + 120_000);
    progress(`loaded: ${ringingStart} calls ringing (${fdsOf(pid).open} files open in ringd)`);
    await sleep(2000);
    const rssLoaded = rssOf(pid);
    const loaded = await pickups(procs.picker, node, PICKUPS, warm + lightN, GROUPS);
    await sleep(500);
    for (const c of procs.callers) c.child.send({ type: 'report' });
    await sleep(300);
    const ringingEnd = procs.callers.reduce((n, c) => n + c.last.ringing, 0);
    progress(`loaded: ${loaded.ms.length} pickups; ${ringingEnd} calls ringing at the end`);
    return {
      groups: GROUPS,
      requested: RINGING,
      cap,
      light: { ringing: lightRinging, lat: light },
      loaded: { ringingStart, ringingEnd, lat: loaded },
      rssLoaded,
      fds: fdsOf(pid),
    };
  } finally {
    procs.picker?.close();
    await Promise.all(procs.callers.map((c) => c.stop()));
    procs.uas?.kill();
    await procs.uas?.done;
    await node.stop();
  }
}

function stats(l: Latencies) {
  const s = [...l.ms].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s.at(-1) ?? NaN, mean };
}

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

function endToEndLines(e2e: EndToEnd): { table: string[]; figures: string[] } {
  const light = stats(e2e.light.lat);
  const loaded = stats(e2e.loaded.lat);
  const fail = (l: Latencies) =>
    Object.entries(l.failures)
      .map(([k, v]) => `${v}× ${k}`)
      .join(', ') || 'none';
  const row = (what: string, s: ReturnType<typeof stats>, l: Latencies) =>
    `  ${what.padEnd(34)} ${String(s.n).padStart(7)} ${f(s.p50).padStart(8)} ${f(s.p99).padStart(8)} ${f(s.max).padStart(8)} ${f(s.mean).padStart(8)} ${l.cpuMsPerPickup.toFixed(2).padStart(20)}`;
  const failedCount = (l: Latencies) => Object.values(l.failures).reduce((a, b) => a + b, 0);
  const srv = (l: Latencies) => ({
    n: l.server.counts.at(-1) ?? 0,
    p50: histQuantile(l.server, 0.5),
    p99: histQuantile(l.server, 0.99),
    under5: shareAtOrUnder(l.server, 5),
  });
  const sl = srv(e2e.light.lat);
  const sd = srv(e2e.loaded.lat);
  const srow = (what: string, s: ReturnType<typeof srv>) =>
    `  ${what.padEnd(34)} ${String(s.n).padStart(7)} ${f(s.p50).padStart(8)} ${f(s.p99).padStart(8)} ${(s.under5 * 100).toFixed(2).padStart(12)}`;
  return {
    table: [
      `Pickup latency at ringd (the figure pickup.md names): picker's INVITE received → 200 OK sent, from ringd's ringd_pickup_latency_seconds histogram (p50/p99 interpolated in 0.5 ms buckets)`,
      `  ${'background'.padEnd(34)} ${'pickups'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'% ≤ 5 ms'.padStart(12)}`,
      srow(`light: ${e2e.light.ringing} ringing`, sl),
      srow(`loaded: ${e2e.loaded.ringingStart} → ${e2e.loaded.ringingEnd} ringing`, sd),
      '',
      `Pickup latency seen by the picker: its authenticated INVITE sent → 200 OK received (UDP loopback, two hops), one pickup at a time, ${GAP_MS} ms apart, directed *87<ring group> over ${e2e.groups} ring groups`,
      `  ${'background'.padEnd(34)} ${'pickups'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'mean ms'.padStart(8)} ${'ringd CPU ms/pickup'.padStart(20)}`,
      row(`light: ${e2e.light.ringing} ringing`, light, e2e.light.lat),
      row(`loaded: ${e2e.loaded.ringingStart} → ${e2e.loaded.ringingEnd} ringing`, loaded, e2e.loaded.lat),
      `  failed pickups: light ${fail(e2e.light.lat)}; loaded ${fail(e2e.loaded.lat)}`,
      `  ringd: RSS ${(e2e.rssLoaded / 1048576).toFixed(0)} MiB loaded; open files ${e2e.fds.open} of ${e2e.fds.limit}${e2e.cap < e2e.requested ? ` (ringing capped at ${e2e.cap} by the open-file limit; ${e2e.requested} asked)` : ''}`,
      '',
    ],
    figures: [
      `pickup_groups=${e2e.groups}`,
      `pickup_light_ringing=${e2e.light.ringing}`,
      `pickup_light_p50_ms=${f(light.p50)}`,
      `pickup_light_p99_ms=${f(light.p99)}`,
      `pickup_loaded_ringing_start=${e2e.loaded.ringingStart}`,
      `pickup_loaded_ringing_end=${e2e.loaded.ringingEnd}`,
      `pickup_loaded_pickups=${loaded.n}`,
      `pickup_ringd_light_p50_ms=${f(sl.p50)}`,
      `pickup_ringd_light_p99_ms=${f(sl.p99)}`,
      `pickup_ringd_loaded_p50_ms=${f(sd.p50)}`,
      `pickup_ringd_loaded_p99_ms=${f(sd.p99)}`,
      `pickup_ringd_loaded_share_under_5ms=${sd.under5.toFixed(4)}`,
      `pickup_loaded_p50_ms=${f(loaded.p50)}`,
      `pickup_loaded_p99_ms=${f(loaded.p99)}`,
      `pickup_loaded_max_ms=${f(loaded.max)}`,
      `pickup_loaded_cpu_ms_per_pickup=${e2e.loaded.lat.cpuMsPerPickup.toFixed(3)}`,
      `pickup_failed=${failedCount(e2e.light.lat) + failedCount(e2e.loaded.lat)}`,
    ],
  };
}

async function main() {
  const e2e = NO_E2E ? undefined : await endToEnd();
  const sizes = smoke ? [100, 1000] : [1000, 10_000, 100_000];
  const lookups = engineLookup(sizes, smoke ? 20_000 : 200_000);
  const e = e2e ? endToEndLines(e2e) : { table: [], figures: [] };
  const lines = [
    ...e.table,
    'The pickup engine alone (src/pbx/pickup/, fake ringing legs, 10 per group; µs per operation):',
    `  ${'ringing'.padEnd(24)} ${'index lookup'.padStart(12)} ${'same 100 groups'.padStart(15)} ${'engine lookup'.padStart(13)} ${'add+remove leg'.padStart(14)}`,
    ...lookups.map(
      (l) =>
        `  ${`${l.ringing} in ${l.groups} groups`.padEnd(24)} ${l.indexUs.toFixed(3).padStart(12)} ${l.indexHotUs.toFixed(3).padStart(15)} ${l.engineUs.toFixed(3).padStart(13)} ${l.churnUs.toFixed(3).padStart(14)}`,
    ),
  ];
  console.log(lines.join('\n'));
  console.log('');
  for (const line of e.figures) console.log(line);
  for (const l of lookups) {
    console.log(`pickup_index_lookup_us_${l.ringing}=${l.indexUs.toFixed(3)}`);
    console.log(`pickup_index_lookup_hot_us_${l.ringing}=${l.indexHotUs.toFixed(3)}`);
    console.log(`pickup_engine_lookup_us_${l.ringing}=${l.engineUs.toFixed(3)}`);
    console.log(`pickup_index_churn_us_${l.ringing}=${l.churnUs.toFixed(3)}`);
  }
  if (e2e && stats(e2e.loaded.lat).n < Math.ceil(PICKUPS * 0.95)) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
