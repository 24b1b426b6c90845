/**
 * Group calls per second through a 3-member ring_all ring group in ringd (issue 5): SIPp caller → ringd →
 * three SIPp members, each a device registered with digest from its own port. Member 1 sends 180 and
 * answers `--answer-after` ms later (uas-answer.xml); members 2 and 3 send 180 and ring until ringd cancels
 * them (uas-ring-cancel.xml: CANCEL → 200 + 487 → ACK). The caller dials the group's number with digest
 * (407, then the INVITE with credentials), gets the 200 with SDP, ACKs, holds 100 ms and hangs up.
 * Reference **in the same run**: the same fork through Kamailio as a stateful proxy (parallel branches to the
 * three members, `t_relay`; tm cancels the other branches on the 200), same SIPp members, and the caller
 * without digest since the proxy does not authenticate — the issue's reference. A second reference,
 * `kamailio-digest`, is the same proxy challenging each INVITE with 407 (the auth module) and the caller
 * answering it with the scenario it uses against ringd: the like-for-like signalling, with its own ratio.
 * A third, `kamailio-media` (when rtpengine is installed), adds what ringd's relay does: the same proxy with
 * digest, its calls' media anchored by rtpengine (offer, answer, delete over its ng socket) — signalling,
 * digest and media like for like.
 * The method of bench:calls (benchmarks.md; ladder.ts):
 * fresh server and SIPp processes per run, a warm-up before each measured run, a rate passes when every
 * call succeeded on the caller and on all three members (each member's SIPp completes all its calls and
 * exits by itself), the rate holds ≥ 97 % and retransmissions stay ≤ 0.1 % of calls; the server's CPU per
 * group call from /proc.
 *
 *   npm run bench:groupcall                  rates 200…2500 in steps, 10 s each, 1 run per rate (--runs 3 for the full method)
 *   npm run bench:groupcall -- --smoke       one short run at a low rate for each server (CI)
 *   npm run bench:groupcall -- --rates 300,400 --servers ringd --trace /tmp/t
 *   npm run bench:groupcall -- --nice -10    both servers at a higher scheduling priority than SIPp
 *   npm run bench:groupcall -- --servers ringd,kamailio   leave out the digest reference
 *   npm run bench:groupcall -- --servers ringd,kamailio-media   ringd against the third reference only
 *   npm run bench:groupcall -- --shards 2    also N independent ringd processes side by side (the ceiling
 *                                            of a worker per core)
 */
import { spawnSync } from 'node:child_process';
import { freePort } from '../test/interop/support/ports.ts';
import { runSipp, startSipp, type SippProcess, type SippRun } from '../test/interop/support/sipp.ts';
import { BENCH_DIGEST, digestCaller, startKamailio, startRtpengine } from './support/kamailio.ts';
import {
  edgeNotes,
  combineRuns,
  judge,
  ladderOptions,
  NOT_MEASURED,
  runLines,
  progress,
  search,
  traceArgs,
  warmupRate,
  type RunResult,
} from './support/ladder.ts';
import { cpuMsOf, mainThreadCpuMsOf } from './support/proc.ts';
import { callerArgs, PASSWORD, registerCallee, startBenchNode } from './support/ringd-bench.ts';

/** The media reference needs rtpengine (Debian's `rtpengine-daemon`); by default it runs when that is installed. */
const RTPENGINE_INSTALL = 'apt-get install -y rtpengine-daemon';
const HAS_RTPENGINE = spawnSync('sh', ['-c', 'command -v rtpengine'], { stdio: 'ignore' }).status === 0;
const opts = ladderOptions(process.argv.slice(2), {
  rates: '200,300,400,450,500,600,750,1000,1250,1500,1750,2000,2500',
  smokeRate: 20,
  servers: `ringd,kamailio,kamailio-digest${HAS_RTPENGINE ? ',kamailio-media' : ''}`,
});
const { seconds: SECONDS, warmup: WARMUP } = opts;
const WITH_DIGEST_REFERENCE = opts.servers.includes('kamailio-digest');
/**
 * `kamailio-media`: the fork with digest and the media anchored by rtpengine, as ringd anchors it —
 * signalling, digest and media relay like for like (its own ratio, `groupcall_media_ratio`).
 */
const WITH_MEDIA_REFERENCE = opts.servers.includes('kamailio-media');
if (WITH_MEDIA_REFERENCE && !HAS_RTPENGINE)
  throw new Error(`kamailio-media needs rtpengine, which is not installed: ${RTPENGINE_INSTALL}`);
if (!HAS_RTPENGINE && opts.arg('servers') === undefined)
  progress(`kamailio-media left out: rtpengine is not installed (${RTPENGINE_INSTALL})`);
/**
 * `--shards N` (N ≥ 2) adds a ladder of N independent ringd processes taking a share of the rate each: the
 * ceiling of a worker per core on this machine, with nothing paid for handing calls between workers.
 */
const SHARDS = shardsOf(opts.arg('shards'));

function shardsOf(text: string | undefined): number {
  if (text === undefined) return 0;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 2 || n > 8) throw new Error(`--shards ${text}: an integer 2…8`);
  return n;
}
const HOLD_MS = 100;
/** How long member 1 rings before it answers (benchmarks.md: 0–100 ms). */
const ANSWER_MS = Number(opts.arg('answer-after') ?? 30);
const GROUP_NUMBER = '3001';
const MEMBERS = ['m1', 'm2', 'm3'];
/**
 * Kamailio's shared memory for the fork (kamailio.ts): with the default 256 MiB its transactions run out of
 * memory near 1 750 calls/s, which would understate the reference.
 */
const KAMAILIO_SHM_MB = 1024;
/** After the caller's SIPp is done, how long the members' SIPps get to finish their last calls and exit. */
const MEMBER_GRACE_MS = 5_000;

/** The three members on their ports: the first answers, the others ring until cancelled; `calls` each. */
function startMembers(ports: number[], calls: number): Promise<SippProcess[]> {
  return Promise.all(
    ports.map((port, i) =>
      startSipp({
        scenario: i === 0 ? 'uas-answer.xml' : 'uas-ring-cancel.xml',
        transport: 'udp',
        port,
        calls,
        timeoutMs: SECONDS * 1000 + 60_000,
        extraArgs: ['-d', String(i === 0 ? ANSWER_MS : 0), ...traceArgs(opts, `member${i + 1}`)],
      }),
    ),
  );
}

/** Each member's SIPp exits by itself after its `-m` calls; one that does not is killed (its calls fail). */
async function membersDone(members: SippProcess[]): Promise<SippRun[]> {
  const t = setTimeout(() => members.forEach((m) => m.kill()), MEMBER_GRACE_MS);
  const runs = await Promise.all(members.map((m) => m.done));
  clearTimeout(t);
  return runs;
}

/**
 * One run through Kamailio; with `digest`, the proxy challenges each INVITE (407) and the caller answers with
 * credentials, with the scenario and arguments it uses against ringd.
 */
async function kamailioRun(rate: number, digest: boolean, media = false): Promise<RunResult> {
  const calls = rate * SECONDS;
  const ports = await Promise.all(MEMBERS.map(() => freePort()));
  // The media variant: rtpengine's ports below the kernel's ephemeral range, where the SIPps bind.
  const rtp = media ? await startRtpengine(await freePort(), 10_000, 31_999, opts.nice) : undefined;
  const k = await startKamailio(
    await freePort(),
    ports.map((p) => `127.0.0.1:${p}`),
    {
      shmMb: KAMAILIO_SHM_MB,
      nice: opts.nice,
      digest: digest ? BENCH_DIGEST : undefined,
      rtpengine: rtp ? rtp.ngPort : undefined,
    },
  ).catch(async (e: unknown) => {
    await rtp?.stop();
    throw e;
  });
  const auth = digest ? digestCaller(HOLD_MS, GROUP_NUMBER) : undefined;
  try {
    const members = await startMembers(ports, calls + WARMUP);
    const caller = (n: number, r: number, extra: string[]) =>
      runSipp({
        scenario: digest ? 'uac-auth-call.xml' : 'invite-uac.xml',
        remote: `127.0.0.1:${k.port}`,
        transport: 'udp',
        calls: n,
        rate: r,
        service: GROUP_NUMBER,
        timeoutMs: n === calls ? SECONDS * 1000 + 25_000 : 30_000,
        extraArgs: [...(auth?.args ?? []), ...extra],
      });
    if (WARMUP > 0) await caller(WARMUP, warmupRate(rate), []);
    const cpu0 = k.cpuMs() + (rtp?.cpuMs() ?? 0);
    const uac = await caller(calls, rate, traceArgs(opts, 'uac'));
    const cpu = k.cpuMs() + (rtp?.cpuMs() ?? 0) - cpu0;
    const callees = await membersDone(members);
    return judge({ rate, calls, seconds: SECONDS, uac, callees, cpuMs: cpu, calleeCalls: calls + WARMUP });
  } finally {
    await k.stop();
    await rtp?.stop();
    auth?.dispose();
  }
}

/** One ringd process provisioned with the ring group, its three members registered and their SIPps started. */
async function startRingdShard(calls: number, warmup: number, env: NodeJS.ProcessEnv) {
  const node = await startBenchNode(
    { RINGD_NICE: String(opts.nice), ...env },
    async (directory, customerId) => {
      const endpoints = [];
      for (const name of MEMBERS) {
        const d = await directory.devices.create(customerId, {
          name,
          sip_username: name,
          sip_password: PASSWORD,
        });
        endpoints.push({ id: d.id, endpoint_type: 'device' });
      }
      await directory.callflows.create(customerId, {
        numbers: [GROUP_NUMBER],
        flow: { module: 'ring_group', data: { strategy: 'simultaneous', endpoints } },
      });
    },
  );
  try {
    const ports: number[] = [];
    for (const name of MEMBERS) ports.push(await registerCallee(node, name));
    const members = await startMembers(ports, calls + warmup);
    const caller = (n: number, r: number, extra: string[]) =>
      runSipp({
        scenario: 'uac-auth-call.xml',
        remote: `127.0.0.1:${node.ringd.sipPort}`,
        transport: 'udp',
        calls: n,
        rate: r,
        service: GROUP_NUMBER,
        timeoutMs: n === calls ? SECONDS * 1000 + 25_000 : 30_000,
        extraArgs: [...callerArgs(node, HOLD_MS, GROUP_NUMBER), ...extra],
      });
    return { node, members, caller, pid: node.ringd.child.pid! };
  } catch (e) {
    await node.stop();
    throw e;
  }
}

/**
 * The media ports of shard `i` of `n`: disjoint ranges below the kernel's ephemeral ports (32768…), where the
 * SIPp processes bind. One process keeps ringd's default range.
 */
function rtpRange(i: number, n: number): NodeJS.ProcessEnv {
  if (n === 1) return {};
  const width = Math.floor(22_000 / n / 2) * 2;
  const min = 10_000 + i * width;
  return { RINGD_RTP_PORT_MIN: String(min), RINGD_RTP_PORT_MAX: String(min + width - 1) };
}

/**
 * One run through ringd. With `shards` > 1: that many independent ringd processes, each with its own
 * database, ring group, members and caller at `rate / shards`, measured side by side — the ceiling of a
 * worker per core (no handoff between workers, no shared registrar, pickup index or answer claims).
 */
async function ringdRun(rate: number, shards = 1): Promise<RunResult> {
  const rates = Array.from(
    { length: shards },
    (_, i) => Math.floor(rate / shards) + (i < rate % shards ? 1 : 0),
  );
  const warmup = Math.ceil(WARMUP / shards);
  const started = await Promise.allSettled(
    rates.map((r, i) => startRingdShard(r * SECONDS, warmup, rtpRange(i, shards))),
  );
  const parts = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const warmRate = Math.max(1, Math.round(warmupRate(rate) / shards));
    if (warmup > 0) await Promise.all(parts.map((p) => p.caller(warmup, warmRate, [])));
    const cpu0 = parts.map((p) => cpuMsOf(p.pid));
    const main0 = parts.map((p) => mainThreadCpuMsOf(p.pid));
    const uacs = await Promise.all(
      parts.map((p, i) =>
        p.caller(rates[i] * SECONDS, rates[i], traceArgs(opts, shards > 1 ? `uac${i + 1}` : 'uac')),
      ),
    );
    const results = await Promise.all(
      parts.map(async (p, i) => {
        const cpu = cpuMsOf(p.pid) - cpu0[i];
        const main = mainThreadCpuMsOf(p.pid) - main0[i];
        const callees = await membersDone(p.members);
        const calls = rates[i] * SECONDS;
        const r = judge({
          rate: rates[i],
          calls,
          seconds: SECONDS,
          uac: uacs[i],
          callees,
          cpuMs: cpu,
          calleeCalls: calls + warmup,
        });
        r.mainMsPerCall = r.success ? main / r.success : 0;
        return r;
      }),
    );
    return shards === 1 ? results[0] : combineRuns(rate, results);
  } finally {
    await Promise.all(parts.map((p) => p.node.stop()));
  }
}

async function main() {
  const ringd = opts.servers.includes('ringd')
    ? await search('ringd', opts, (rate) => ringdRun(rate))
    : NOT_MEASURED;
  const sharded = SHARDS
    ? await search(`ringd×${SHARDS}`, opts, (rate) => ringdRun(rate, SHARDS))
    : NOT_MEASURED;
  const kamailio = opts.servers.includes('kamailio')
    ? await search('kamailio', opts, (rate) => kamailioRun(rate, false))
    : NOT_MEASURED;
  const kamailioDigest = WITH_DIGEST_REFERENCE
    ? await search('kamailio-digest', opts, (rate) => kamailioRun(rate, true))
    : NOT_MEASURED;
  const kamailioMedia = WITH_MEDIA_REFERENCE
    ? await search('kamailio-media', opts, (rate) => kamailioRun(rate, true, true))
    : NOT_MEASURED;
  const r = ringd.best;
  const k = kamailio.best;
  const kd = kamailioDigest.best;
  const rs = sharded.best;
  const km = kamailioMedia.best;
  const mediaRatio = r && km ? r.rate / km.rate : 0;
  const shardedRatio = rs && k ? rs.rate / k.rate : 0;
  const ratio = r && k ? r.rate / k.rate : 0;
  const digestRatio = r && kd ? r.rate / kd.rate : 0;
  const row = (name: string, x: RunResult | undefined) =>
    `  ${name.padEnd(44)} ${String(x?.rate ?? 0).padStart(20)}  ${(x?.cpuMsPerCall ?? 0).toFixed(3).padStart(11)}  ${x?.mainMsPerCall !== undefined ? x.mainMsPerCall.toFixed(3).padStart(10) : '         -'}`;
  const lines = [
    `3-member ring_all group calls (SIPp caller → server → 3 SIPp members, UDP, SDP; member 1 answers ${ANSWER_MS} ms after its 180, members 2 and 3 ring until cancelled; ${HOLD_MS} ms hold; ${SECONDS} s per run after ${WARMUP} warm-up calls, ${opts.runs} run(s) per rate${opts.nice !== 0 ? `, both servers at nice ${opts.nice}` : ''})`,
    `  ${'server'.padEnd(44)} ${'highest passing rate'.padStart(20)}  ${'CPU ms/call'.padStart(11)}  ${'event loop'.padStart(10)}`,
    row('ringd (ring group, B2BUA, media, digest)', r),
    ...(SHARDS ? [row(`ringd × ${SHARDS} independent processes (ceiling)`, rs)] : []),
    row('Kamailio 5.6 stateful proxy, parallel fork', k),
    ...(WITH_DIGEST_REFERENCE ? [row('Kamailio, the same fork with digest (407)', kd)] : []),
    ...(WITH_MEDIA_REFERENCE ? [row('Kamailio with digest + rtpengine (media)', km)] : []),
    `  ratio ringd/Kamailio: ${ratio.toFixed(2)} (target ≥ 0.5; ringd target ≥ 500 group calls/s)`,
    ...(WITH_DIGEST_REFERENCE
      ? [`  ratio ringd/Kamailio with digest: ${digestRatio.toFixed(2)} (like-for-like signalling)`]
      : []),
    ...(WITH_MEDIA_REFERENCE
      ? [
          `  ratio ringd/Kamailio with digest and rtpengine: ${mediaRatio.toFixed(2)} (signalling, digest, media anchored)`,
        ]
      : []),
    ...(SHARDS
      ? [
          `  ratio ringd × ${SHARDS}/Kamailio: ${shardedRatio.toFixed(2)} (the most a worker per core could give, with no handoff between workers)`,
        ]
      : []),
    ...edgeNotes([
      ['ringd', ringd],
      [`ringd × ${SHARDS}`, sharded],
      ['Kamailio', kamailio],
      ['Kamailio with digest', kamailioDigest],
      ['Kamailio with digest and rtpengine', kamailioMedia],
    ]),
    '',
    'every run:',
    ...runLines([
      ['ringd', ringd],
      [`ringd×${SHARDS}`, sharded],
      ['kamailio', kamailio],
      ['kamailio-digest', kamailioDigest],
      ['kamailio-media', kamailioMedia],
    ]),
  ];
  console.log(lines.join('\n'));
  console.log('');
  console.log(`groupcall_ringd_cps=${r?.rate ?? 0}`);
  console.log(`groupcall_ringd_cpu_ms_per_call=${(r?.cpuMsPerCall ?? 0).toFixed(3)}`);
  console.log(`groupcall_ringd_event_loop_ms_per_call=${(r?.mainMsPerCall ?? 0).toFixed(3)}`);
  console.log(`groupcall_kamailio_cps=${k?.rate ?? 0}`);
  console.log(`groupcall_kamailio_cpu_ms_per_call=${(k?.cpuMsPerCall ?? 0).toFixed(3)}`);
  console.log(`groupcall_ratio=${ratio.toFixed(3)}`);
  if (WITH_MEDIA_REFERENCE) {
    console.log(`groupcall_kamailio_media_cps=${km?.rate ?? 0}`);
    console.log(`groupcall_kamailio_media_cpu_ms_per_call=${(km?.cpuMsPerCall ?? 0).toFixed(3)}`);
    console.log(`groupcall_media_ratio=${mediaRatio.toFixed(3)}`);
  }
  if (SHARDS) {
    console.log(`groupcall_ringd_sharded_processes=${SHARDS}`);
    console.log(`groupcall_ringd_sharded_cps=${rs?.rate ?? 0}`);
    console.log(`groupcall_ringd_sharded_cpu_ms_per_call=${(rs?.cpuMsPerCall ?? 0).toFixed(3)}`);
    console.log(`groupcall_sharded_ratio=${shardedRatio.toFixed(3)}`);
  }
  if (WITH_DIGEST_REFERENCE) {
    console.log(`groupcall_kamailio_digest_cps=${kd?.rate ?? 0}`);
    console.log(`groupcall_kamailio_digest_cpu_ms_per_call=${(kd?.cpuMsPerCall ?? 0).toFixed(3)}`);
    console.log(`groupcall_digest_ratio=${digestRatio.toFixed(3)}`);
  }
  if (
    (opts.servers.includes('ringd') && !r) ||
    (SHARDS > 0 && !rs) ||
    (WITH_MEDIA_REFERENCE && !km) ||
    (opts.servers.includes('kamailio') && !k) ||
    (WITH_DIGEST_REFERENCE && !kd)
  )
    process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
