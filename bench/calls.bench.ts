/**
 * Calls per second through ringd for a 1:1 call (SIPp uac → ringd → SIPp uas, SDP on both legs, 100 ms
 * hold), with digest auth on the caller's INVITE, against the same SIPp work through Kamailio as a
 * stateful proxy (record-route, TLSF allocator) **in the same run** (benchmarks.md method), and a second
 * reference, `kamailio-digest`: the same proxy challenging each INVITE with 407 (the auth module) and the
 * caller answering with the scenario and arguments it uses against ringd (like-for-like signalling):
 * fresh server and SIPp processes for every run; a rate passes when every call succeeded on both SIPp
 * sides, the sustained rate is ≥ 97 % of the target and retransmissions stay ≤ 0.1 % of calls; the
 * server's CPU per call comes from /proc. Also: RSS per concurrent call (ringd at N answered calls held
 * open, minus idle).
 *
 *   npm run bench:calls                 rates 500…3000 in steps, 10 s each, 1 run per rate (--runs 3 for the full method)
 *   npm run bench:calls -- --smoke      one short run at a low rate for each server (CI)
 *   npm run bench:calls -- --concurrent 5000   the memory figure at that many held calls (default 5000)
 *   npm run bench:calls -- --nice -10   both servers at a higher scheduling priority than SIPp
 *   npm run bench:calls -- --servers ringd,kamailio   leave out the digest reference
 */
import { freePort } from '../test/interop/support/ports.ts';
import { runSipp, startSipp } from '../test/interop/support/sipp.ts';
import { BENCH_DIGEST, digestCaller, startKamailio } from './support/kamailio.ts';
import {
  edgeNotes,
  judge,
  ladderOptions,
  NOT_MEASURED,
  progress,
  runLines,
  search,
  traceArgs as traceArgsOf,
  warmupRate,
  type RunResult,
} from './support/ladder.ts';
import { cpuMsOf, mainThreadCpuMsOf, rssOf } from './support/proc.ts';
import { callerArgs, registerCallee, startBenchNode } from './support/ringd-bench.ts';

const argv = process.argv.slice(2);
const opts = ladderOptions(argv, {
  rates: '500,750,1000,1250,1500,1750,2000,2250,2500,3000',
  smokeRate: 50,
  servers: 'ringd,kamailio,kamailio-digest',
});
const { smoke, arg } = opts;
const SECONDS = opts.seconds;
// Held calls carry no RTP, so each of their two endpoints binds its RTP socket only (RTCP is bound when
// media flows): 5 000 calls fit this machine's hard limit of 20 000 open files.
const CONCURRENT = Number(arg('concurrent') ?? (smoke ? 200 : 5000));
const HOLD_MS = 100;
// A short warm-up before each measured run (ladder.ts); `--warmup 0` disables it.
const WARMUP = opts.warmup;
// Development aids: `--servers ringd` measures one server only, `--no-memory` skips the memory run.
const SERVERS = opts.servers;
const WITH_DIGEST_REFERENCE = SERVERS.includes('kamailio-digest');
const NUMBER = '2000';
const NO_MEMORY = argv.includes('--no-memory');
// `--trace DIR`: SIPp writes its unexpected messages to DIR/{uac,uas}-errors.log (diagnosing a failing rate).
const traceArgs = (role: string) => traceArgsOf(opts, role);

/**
 * One run through Kamailio; with `digest`, the proxy challenges each INVITE (407) and the caller answers with
 * credentials, with the scenario and arguments it uses against ringd.
 */
async function kamailioRun(rate: number, digest: boolean): Promise<RunResult> {
  const calls = rate * SECONDS;
  const uasPort = await freePort();
  const k = await startKamailio(await freePort(), [`127.0.0.1:${uasPort}`], {
    nice: opts.nice,
    digest: digest ? BENCH_DIGEST : undefined,
  });
  const auth = digest ? digestCaller(HOLD_MS, NUMBER) : undefined;
  try {
    const uas = await startSipp({
      scenario: 'uas-answer.xml',
      transport: 'udp',
      port: uasPort,
      calls: calls + WARMUP,
      timeoutMs: SECONDS * 1000 + 60_000,
      extraArgs: ['-d', '0'],
    });
    const caller = (n: number, r: number) =>
      runSipp({
        scenario: digest ? 'uac-auth-call.xml' : 'invite-uac.xml',
        remote: `127.0.0.1:${k.port}`,
        transport: 'udp',
        calls: n,
        rate: r,
        service: NUMBER,
        timeoutMs: n === calls ? SECONDS * 1000 + 25_000 : 30_000,
        extraArgs: auth?.args ?? [],
      });
    if (WARMUP > 0) await caller(WARMUP, warmupRate(rate));
    const cpu0 = k.cpuMs();
    const uac = await caller(calls, rate);
    const cpu = k.cpuMs() - cpu0;
    uas.kill();
    return judge({ rate, calls, seconds: SECONDS, uac, callees: [await uas.done], cpuMs: cpu });
  } finally {
    await k.stop();
    auth?.dispose();
  }
}

async function ringdRun(rate: number): Promise<RunResult> {
  const calls = rate * SECONDS;
  const node = await startBenchNode({ RINGD_NICE: String(opts.nice) });
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
        service: NUMBER,
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
      service: NUMBER,
      timeoutMs: SECONDS * 1000 + 25_000,
      extraArgs: [...callerArgs(node, HOLD_MS), ...traceArgs('uac')],
    });
    const cpu = cpuMsOf(pid) - cpu0;
    const main = mainThreadCpuMsOf(pid) - main0;
    uas.kill();
    const r = judge({ rate, calls, seconds: SECONDS, uac, callees: [await uas.done], cpuMs: cpu });
    r.mainMsPerCall = r.success ? main / r.success : 0;
    return r;
  } finally {
    await node.stop();
  }
}

async function memoryPerCall(): Promise<{ idle: number; loaded: number; perCall: number; answered: number }> {
  // Two RTP/RTCP port pairs per call: a range wide enough for the calls held open.
  const node = await startBenchNode({
    RINGD_RTP_PORT_MIN: '10000',
    RINGD_RTP_PORT_MAX: '31999',
    RINGD_NICE: String(opts.nice),
  });
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
      service: NUMBER,
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
  const ringd = SERVERS.includes('ringd') ? await search('ringd', opts, ringdRun) : NOT_MEASURED;
  const kamailio = SERVERS.includes('kamailio')
    ? await search('kamailio', opts, (rate) => kamailioRun(rate, false))
    : NOT_MEASURED;
  const kamailioDigest = WITH_DIGEST_REFERENCE
    ? await search('kamailio-digest', opts, (rate) => kamailioRun(rate, true))
    : NOT_MEASURED;
  const mem = NO_MEMORY ? { idle: 0, loaded: 0, perCall: 0, answered: 0 } : await memoryPerCall();
  const r = ringd.best;
  const k = kamailio.best;
  const kd = kamailioDigest.best;
  const ratio = r && k ? r.rate / k.rate : 0;
  const digestRatio = r && kd ? r.rate / kd.rate : 0;
  const row = (name: string, x: RunResult | undefined) =>
    `  ${name.padEnd(40)} ${String(x?.rate ?? 0).padStart(20)}  ${(x?.cpuMsPerCall ?? 0).toFixed(3).padStart(11)}`;
  const lines = [
    `1:1 calls through the server (SIPp uac → server → SIPp uas, UDP, SDP, ${HOLD_MS} ms hold, ${SECONDS} s per run after ${WARMUP} warm-up calls, ${opts.runs} run(s) per rate${opts.nice !== 0 ? `, both servers at nice ${opts.nice}` : ''})`,
    `  ${'server'.padEnd(40)} ${'highest passing rate'.padStart(20)}  ${'CPU ms/call'.padStart(11)}`,
    row('ringd (B2BUA, media anchored, digest)', r),
    row('Kamailio 5.6 stateful proxy', k),
    ...(WITH_DIGEST_REFERENCE ? [row('Kamailio, the same proxy with digest (407)', kd)] : []),
    `  ratio ringd/Kamailio: ${ratio.toFixed(2)}`,
    ...(WITH_DIGEST_REFERENCE
      ? [`  ratio ringd/Kamailio with digest: ${digestRatio.toFixed(2)} (like-for-like signalling)`]
      : []),
    ...edgeNotes([
      ['ringd', ringd],
      ['Kamailio', kamailio],
      ['Kamailio with digest', kamailioDigest],
    ]),
    '',
    'every run:',
    ...runLines([
      ['ringd', ringd],
      ['kamailio', kamailio],
      ['kamailio-digest', kamailioDigest],
    ]),
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
  if (WITH_DIGEST_REFERENCE) {
    console.log(`calls_kamailio_digest_cps=${kd?.rate ?? 0}`);
    console.log(`calls_kamailio_digest_cpu_ms_per_call=${(kd?.cpuMsPerCall ?? 0).toFixed(3)}`);
    console.log(`calls_digest_ratio=${digestRatio.toFixed(3)}`);
  }
  console.log(`calls_rss_idle_bytes=${mem.idle}`);
  console.log(`calls_rss_loaded_bytes=${mem.loaded}`);
  console.log(`calls_rss_per_call_bytes=${Math.round(mem.perCall)}`);
  if (
    (SERVERS.includes('ringd') && !r) ||
    (SERVERS.includes('kamailio') && !k) ||
    (WITH_DIGEST_REFERENCE && !kd)
  )
    process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
