/**
 * Calls per second through ringd for a 1:1 call (SIPp uac → ringd → SIPp uas, SDP on both legs, 100 ms
 * hold), with digest auth on the caller's INVITE, against the same SIPp work through Kamailio as a
 * stateful proxy (record-route, TLSF allocator) **in the same run** (benchmarks.md method):
 * fresh server and SIPp processes for every run; a rate passes when every call succeeded on both SIPp
 * sides, the sustained rate is ≥ 97 % of the target and retransmissions stay ≤ 0.1 % of calls; the
 * server's CPU per call comes from /proc. Also: RSS per concurrent call (ringd at N answered calls held
 * open, minus idle).
 *
 *   npm run bench:calls                 rates 500…3000 in steps, 10 s each, 1 run per rate (--runs 3 for the full method)
 *   npm run bench:calls -- --smoke      one short run at a low rate for each server (CI)
 *   npm run bench:calls -- --concurrent 5000   the memory figure at that many held calls (default 5000)
 */
import { freePort } from '../test/interop/support/ports.ts';
import { runSipp, startSipp, type SippRun } from '../test/interop/support/sipp.ts';
import { startKamailio } from './support/kamailio.ts';
import { cpuMsOf, mainThreadCpuMsOf, rssOf } from './support/proc.ts';
import { calleeRegisterArgs, callerArgs, startBenchNode, type BenchNode } from './support/ringd-bench.ts';

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const arg = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const RUNS = Number(arg('runs') ?? 1);
const SECONDS = Number(arg('seconds') ?? (smoke ? 2 : 10));
const RATES = (arg('rates') ?? (smoke ? '50' : '500,750,1000,1250,1500,1750,2000,2250,2500,3000'))
  .split(',')
  .map(Number);
// Held calls carry no RTP, so each of their two endpoints binds its RTP socket only (RTCP is bound when
// media flows): 5 000 calls fit this machine's hard limit of 20 000 open files.
const CONCURRENT = Number(arg('concurrent') ?? (smoke ? 200 : 5000));
const HOLD_MS = 100;
// Each server first takes a short warm-up at a low rate (same for both), then the measured run: a Node.js
// process just started still runs cold code (bytecode before the optimizing compiler) and would show its
// start-up, not its steady rate. `--warmup 0` disables it.
const WARMUP = Number(arg('warmup') ?? (smoke ? 0 : 400));
const warmupRate = (rate: number) => Math.max(10, Math.min(200, Math.floor(rate / 2)));
// Development aids: `--servers ringd` measures one server only, `--no-memory` skips the memory run.
const SERVERS = (arg('servers') ?? 'ringd,kamailio').split(',');
const NO_MEMORY = argv.includes('--no-memory');
// `--trace DIR`: SIPp writes its unexpected messages to DIR/{uac,uas}-errors.log (diagnosing a failing rate).
const TRACE = arg('trace');
const traceArgs = (role: string) =>
  TRACE ? ['-trace_err', '-error_file', `${TRACE}/${role}-errors.log`] : [];
const progress = (m: string) => process.stderr.write(`# ${m}\n`);

interface RunResult {
  rate: number;
  ok: boolean;
  success: number;
  failed: number;
  retrans: number;
  achieved: number;
  cpuMsPerCall: number;
  /** ringd only: the event-loop thread's share of cpuMsPerCall. */
  mainMsPerCall?: number;
  why: string;
}

function judge(rate: number, calls: number, uac: SippRun, uas: SippRun, cpuMs: number): RunResult {
  const n = (r: SippRun, k: string) => Number(r.stats[k] ?? 0);
  const success = n(uac, 'SuccessfulCall(C)');
  const failed = n(uac, 'FailedCall(C)') + n(uas, 'FailedCall(C)');
  const retrans = n(uac, 'Retransmissions(C)') + n(uas, 'Retransmissions(C)');
  const achieved = Number(uac.stats['CallRate(C)'] ?? 0);
  const why: string[] = [];
  if (uac.code !== 0) why.push(`uac exit ${uac.code}`);
  if (success !== calls) why.push(`${success}/${calls} succeeded`);
  if (failed > 0) why.push(`${failed} failed`);
  // Short (smoke) runs spend a visible share of their time starting up: the rate criterion needs ≥ 5 s.
  if (SECONDS >= 5 && achieved < 0.97 * rate) why.push(`rate ${achieved.toFixed(0)} < 97 %`);
  if (retrans > 0.001 * calls) why.push(`${retrans} retransmissions`);
  return {
    rate,
    ok: why.length === 0,
    success,
    failed,
    retrans,
    achieved,
    cpuMsPerCall: success ? cpuMs / success : 0,
    why: why.join(', '),
  };
}

async function kamailioRun(rate: number): Promise<RunResult> {
  const calls = rate * SECONDS;
  const uasPort = await freePort();
  const k = await startKamailio(await freePort(), [`127.0.0.1:${uasPort}`]);
  try {
    const uas = await startSipp({
      scenario: 'uas-answer.xml',
      transport: 'udp',
      port: uasPort,
      calls: calls + WARMUP,
      timeoutMs: SECONDS * 1000 + 60_000,
      extraArgs: ['-d', '0'],
    });
    if (WARMUP > 0)
      await runSipp({
        scenario: 'invite-uac.xml',
        remote: `127.0.0.1:${k.port}`,
        transport: 'udp',
        calls: WARMUP,
        rate: warmupRate(rate),
        service: '2000',
        timeoutMs: 30_000,
      });
    const cpu0 = k.cpuMs();
    const uac = await runSipp({
      scenario: 'invite-uac.xml',
      remote: `127.0.0.1:${k.port}`,
      transport: 'udp',
      calls,
      rate,
      service: '2000',
      timeoutMs: SECONDS * 1000 + 25_000,
    });
    const cpu = k.cpuMs() - cpu0;
    uas.kill();
    return judge(rate, calls, uac, await uas.done, cpu);
  } finally {
    await k.stop();
  }
}

/** Registers the callee (digest) from a fresh port, where its UAS SIPp is then started; returns the port. */
async function registerCallee(node: BenchNode): Promise<number> {
  const port = await freePort();
  const reg = await runSipp({
    scenario: 'register-auth.xml',
    remote: `127.0.0.1:${node.ringd.sipPort}`,
    transport: 'udp',
    port,
    service: 'callee',
    extraArgs: calleeRegisterArgs(node),
  });
  if (reg.code !== 0) throw new Error(`callee REGISTER failed: ${reg.stdout.slice(-1500)}`);
  return port;
}

async function ringdRun(rate: number): Promise<RunResult> {
  const calls = rate * SECONDS;
  const node = await startBenchNode();
  try {
    const uasPort = await registerCallee(node);
    const uas = await startSipp({
      scenario: 'uas-answer.xml',
      transport: 'udp',
      port: uasPort,
      calls: calls + WARMUP,
      timeoutMs: SECONDS * 1000 + 60_000,
      extraArgs: ['-d', '0', ...traceArgs('uas')],
    });
    const pid = node.ringd.child.pid!;
    if (WARMUP > 0)
      await runSipp({
        scenario: 'uac-auth-call.xml',
        remote: `127.0.0.1:${node.ringd.sipPort}`,
        transport: 'udp',
        calls: WARMUP,
        rate: warmupRate(rate),
        service: '2000',
        timeoutMs: 30_000,
        extraArgs: callerArgs(node, HOLD_MS),
      });
    const cpu0 = cpuMsOf(pid);
    const main0 = mainThreadCpuMsOf(pid);
    const uac = await runSipp({
      scenario: 'uac-auth-call.xml',
      remote: `127.0.0.1:${node.ringd.sipPort}`,
      transport: 'udp',
      calls,
      rate,
      service: '2000',
      timeoutMs: SECONDS * 1000 + 25_000,
      extraArgs: [...callerArgs(node, HOLD_MS), ...traceArgs('uac')],
    });
    const cpu = cpuMsOf(pid) - cpu0;
    const main = mainThreadCpuMsOf(pid) - main0;
    uas.kill();
    const r = judge(rate, calls, uac, await uas.done, cpu);
    r.mainMsPerCall = r.success ? main / r.success : 0;
    return r;
  } finally {
    await node.stop();
  }
}

/** Highest rate where every one of RUNS runs passes; stops at the first failing rate. */
async function search(name: string, run: (rate: number) => Promise<RunResult>) {
  let best: RunResult | undefined;
  const rows: RunResult[] = [];
  for (const rate of RATES) {
    let passed = true;
    for (let i = 0; i < RUNS && passed; i++) {
      progress(`${name}: ${rate} calls/s, run ${i + 1}/${RUNS}`);
      const r = await run(rate);
      rows.push(r);
      progress(
        `  ${r.ok ? 'pass' : `FAIL (${r.why})`}; ${r.achieved.toFixed(0)} calls/s, ${r.cpuMsPerCall.toFixed(3)} ms CPU/call` +
          (r.mainMsPerCall !== undefined ? ` (event loop ${r.mainMsPerCall.toFixed(3)})` : ''),
      );
      passed = r.ok;
      if (
        r.ok &&
        (!best || r.rate > best.rate || (r.rate === best.rate && r.cpuMsPerCall < best.cpuMsPerCall))
      )
        best = r;
    }
    if (!passed) break;
  }
  return { best, rows };
}

async function memoryPerCall(): Promise<{ idle: number; loaded: number; perCall: number; answered: number }> {
  // Two RTP/RTCP port pairs per call: a range wide enough for the calls held open.
  const node = await startBenchNode({ RINGD_RTP_PORT_MIN: '10000', RINGD_RTP_PORT_MAX: '31999' });
  try {
    const uasPort = await registerCallee(node);
    const pid = node.ringd.child.pid!;
    await new Promise((r) => setTimeout(r, 1000));
    const idle = rssOf(pid);
    const rate = Math.min(200, CONCURRENT);
    const fill = Math.ceil(CONCURRENT / rate) * 1000;
    const hold = fill + 8000;
    const uas = await startSipp({
      scenario: 'uas-answer.xml',
      transport: 'udp',
      port: uasPort,
      calls: CONCURRENT,
      timeoutMs: hold + 60_000,
      extraArgs: ['-d', '0'],
    });
    const uac = startSipp({
      scenario: 'uac-auth-call.xml',
      remote: `127.0.0.1:${node.ringd.sipPort}`,
      transport: 'udp',
      calls: CONCURRENT,
      rate,
      service: '2000',
      timeoutMs: hold + 60_000,
      extraArgs: [...callerArgs(node, hold), '-l', String(CONCURRENT)],
    });
    await new Promise((r) => setTimeout(r, fill + 3000));
    const loaded = rssOf(pid);
    const u = await uac;
    const uacRun = await u.done;
    uas.kill();
    await uas.done;
    const answered = Number(uacRun.stats['SuccessfulCall(C)'] ?? 0);
    if (answered !== CONCURRENT)
      progress(
        `memory run: uac exit ${uacRun.code}; ${uacRun.stdout.slice(-800)} ${uacRun.stderr.slice(-800)}`,
      );
    return { idle, loaded, perCall: (loaded - idle) / CONCURRENT, answered };
  } finally {
    await node.stop();
  }
}

async function main() {
  const ringd = SERVERS.includes('ringd') ? await search('ringd', ringdRun) : { best: undefined, rows: [] };
  const kamailio = SERVERS.includes('kamailio')
    ? await search('kamailio', kamailioRun)
    : { best: undefined, rows: [] };
  const mem = NO_MEMORY ? { idle: 0, loaded: 0, perCall: 0, answered: 0 } : await memoryPerCall();
  const r = ringd.best;
  const k = kamailio.best;
  const ratio = r && k ? r.rate / k.rate : 0;
  const lines = [
    `1:1 calls through the server (SIPp uac → server → SIPp uas, UDP, SDP, ${HOLD_MS} ms hold, ${SECONDS} s per run after ${WARMUP} warm-up calls, ${RUNS} run(s) per rate)`,
    `  ${'server'.padEnd(30)} ${'highest passing rate'.padStart(20)}  ${'CPU ms/call'.padStart(11)}`,
    `  ${'ringd (B2BUA, media anchored, digest)'.padEnd(30)} ${String(r?.rate ?? 0).padStart(20)}  ${(r?.cpuMsPerCall ?? 0).toFixed(3).padStart(11)}`,
    `  ${'Kamailio 5.6 stateful proxy'.padEnd(30)} ${String(k?.rate ?? 0).padStart(20)}  ${(k?.cpuMsPerCall ?? 0).toFixed(3).padStart(11)}`,
    `  ratio ringd/Kamailio: ${ratio.toFixed(2)}`,
    '',
    'every run:',
    ...[
      ...ringd.rows.map((x) => ['ringd', x] as const),
      ...kamailio.rows.map((x) => ['kamailio', x] as const),
    ].map(
      ([s, x]) =>
        `  ${s.padEnd(9)} ${String(x.rate).padStart(5)}/s  ${x.ok ? 'pass' : 'FAIL'}  achieved ${x.achieved.toFixed(0)}/s  ok ${x.success}  failed ${x.failed}  retrans ${x.retrans}  ${x.cpuMsPerCall.toFixed(3)} ms CPU/call ${x.why}`,
    ),
    '',
    `memory: ${mem.answered}/${CONCURRENT} held calls completed; ringd RSS idle ${(mem.idle / 1048576).toFixed(1)} MiB, with ${CONCURRENT} answered calls ${(mem.loaded / 1048576).toFixed(1)} MiB → ${(mem.perCall / 1024).toFixed(1)} KiB per call`,
  ];
  console.log(lines.join('\n'));
  console.log('');
  console.log(`calls_ringd_cps=${r?.rate ?? 0}`);
  console.log(`calls_ringd_cpu_ms_per_call=${(r?.cpuMsPerCall ?? 0).toFixed(3)}`);
  console.log(`calls_kamailio_cps=${k?.rate ?? 0}`);
  console.log(`calls_kamailio_cpu_ms_per_call=${(k?.cpuMsPerCall ?? 0).toFixed(3)}`);
  console.log(`calls_ratio=${ratio.toFixed(3)}`);
  console.log(`calls_rss_idle_bytes=${mem.idle}`);
  console.log(`calls_rss_loaded_bytes=${mem.loaded}`);
  console.log(`calls_rss_per_call_bytes=${Math.round(mem.perCall)}`);
  if (!r || !k) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
