/**
 * The rate ladder of the call benchmarks (benchmarks.md method), shared by bench:calls and bench:groupcall:
 * the command-line options, when a run passes (every call succeeded on the caller and on every callee, the
 * sustained rate is ≥ 97 % of the target, retransmissions ≤ 0.1 % of calls), the search for the highest
 * passing rate, and the per-run table.
 */
import type { SippRun } from '../../test/interop/support/sipp.ts';

export interface LadderOptions {
  smoke: boolean;
  /** Runs per rate; a rate passes when all of them pass. */
  runs: number;
  /** Seconds per measured run. */
  seconds: number;
  rates: number[];
  /** Warm-up calls before each measured run (at {@link warmupRate}); 0 disables it. */
  warmup: number;
  /** `--servers ringd,kamailio`: which servers to measure. */
  servers: string[];
  /** `--trace DIR`: SIPp writes its unexpected messages to DIR/<role>-errors.log. */
  trace?: string;
  /**
   * `--nice N`: the scheduling priority both servers run at (ringd's `RINGD_NICE`, Kamailio through
   * `nice -n`); SIPp stays at 0. Default 0, the method of benchmarks.md.
   */
  nice: number;
  /** The value of `--name`, for a bench's own options. */
  arg(name: string): string | undefined;
}

/**
 * `--runs`, `--seconds`, `--rates`, `--warmup`, `--servers`, `--trace`, `--nice`, `--smoke` (one short run at
 * `smokeRate` for each server, no warm-up).
 */
export function ladderOptions(
  argv: string[],
  defaults: { rates: string; smokeRate: number; servers?: string },
): LadderOptions {
  const smoke = argv.includes('--smoke');
  const arg = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    smoke,
    runs: Number(arg('runs') ?? 1),
    seconds: Number(arg('seconds') ?? (smoke ? 2 : 10)),
    rates: (arg('rates') ?? (smoke ? String(defaults.smokeRate) : defaults.rates)).split(',').map(Number),
    // Each server first takes a short warm-up at a low rate (same for both), then the measured run: a
    // Node.js process just started still runs cold code (bytecode before the optimizing compiler) and would
    // show its start-up, not its steady rate.
    warmup: Number(arg('warmup') ?? (smoke ? 0 : 400)),
    servers: (arg('servers') ?? defaults.servers ?? 'ringd,kamailio').split(','),
    trace: arg('trace'),
    nice: niceOf(arg('nice')),
    arg,
  };
}

function niceOf(text: string | undefined): number {
  const n = Number(text ?? 0);
  if (!Number.isInteger(n) || n < -20 || n > 19) throw new Error(`--nice ${text}: an integer −20…19`);
  return n;
}

export const warmupRate = (rate: number) => Math.max(10, Math.min(200, Math.floor(rate / 2)));

/** SIPp arguments that write its unexpected messages to `<trace>/<role>-errors.log` (with `--trace`). */
export function traceArgs(o: Pick<LadderOptions, 'trace'>, role: string): string[] {
  return o.trace ? ['-trace_err', '-error_file', `${o.trace}/${role}-errors.log`] : [];
}

export const progress = (m: string) => process.stderr.write(`# ${m}\n`);

export interface RunResult {
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

const n = (r: SippRun, k: string) => Number(r.stats[k] ?? 0);

/**
 * Judges one measured run of `calls` calls at `rate`/s: the caller's SIPp and every callee's (failed calls
 * and retransmissions of both sides count). With `calleeCalls`, each callee must also have completed that
 * many calls (its SIPp exited by itself after `-m` of them).
 */
export function judge(o: {
  rate: number;
  calls: number;
  seconds: number;
  uac: SippRun;
  callees: SippRun[];
  cpuMs: number;
  calleeCalls?: number;
}): RunResult {
  const { rate, calls, uac, callees } = o;
  const success = n(uac, 'SuccessfulCall(C)');
  const failed = n(uac, 'FailedCall(C)') + callees.reduce((s, r) => s + n(r, 'FailedCall(C)'), 0);
  const retrans = n(uac, 'Retransmissions(C)') + callees.reduce((s, r) => s + n(r, 'Retransmissions(C)'), 0);
  const achieved = Number(uac.stats['CallRate(C)'] ?? 0);
  const why: string[] = [];
  if (uac.code !== 0) why.push(`uac exit ${uac.code}`);
  if (success !== calls) why.push(`${success}/${calls} succeeded`);
  if (failed > 0) why.push(`${failed} failed`);
  if (o.calleeCalls !== undefined)
    callees.forEach((r, i) => {
      const done = n(r, 'SuccessfulCall(C)');
      if (r.code !== 0 || done !== o.calleeCalls)
        why.push(`callee ${i + 1}: exit ${r.code}, ${done}/${o.calleeCalls} calls completed`);
    });
  // Short (smoke) runs spend a visible share of their time starting up: the rate criterion needs ≥ 5 s.
  if (o.seconds >= 5 && achieved < 0.97 * rate) why.push(`rate ${achieved.toFixed(0)} < 97 %`);
  if (retrans > 0.001 * calls) why.push(`${retrans} retransmissions`);
  return {
    rate,
    ok: why.length === 0,
    success,
    failed,
    retrans,
    achieved,
    cpuMsPerCall: success ? o.cpuMs / success : 0,
    why: why.join(', '),
  };
}

export interface Ladder {
  /** The highest passing rate (at equal rates, the run with the least CPU per call). */
  best?: RunResult;
  rows: RunResult[];
}

/** Highest rate where every one of `runs` runs passes; stops at the first failing rate. */
export async function search(
  name: string,
  o: Pick<LadderOptions, 'rates' | 'runs'>,
  run: (rate: number) => Promise<RunResult>,
): Promise<Ladder> {
  let best: RunResult | undefined;
  const rows: RunResult[] = [];
  for (const rate of o.rates) {
    const atRate: RunResult[] = [];
    for (let i = 0; i < o.runs; i++) {
      progress(`${name}: ${rate} calls/s, run ${i + 1}/${o.runs}`);
      const r = await run(rate);
      rows.push(r);
      atRate.push(r);
      progress(
        `  ${r.ok ? 'pass' : `FAIL (${r.why})`}; ${r.achieved.toFixed(0)} calls/s, ${r.cpuMsPerCall.toFixed(3)} ms CPU/call` +
          (r.mainMsPerCall !== undefined ? ` (event loop ${r.mainMsPerCall.toFixed(3)})` : ''),
      );
      if (!r.ok) break;
    }
    // A rate counts only when every one of its runs passed.
    if (atRate.some((r) => !r.ok)) break;
    best = atRate.reduce((a, b) => (b.cpuMsPerCall < a.cpuMsPerCall ? b : a));
  }
  return { best, rows };
}

/** How far above the highest passing rate the first failing one may lie for the edge to count as found. */
const BRACKET = 1.25;

/**
 * What each ladder says about its server's edge, when that is less than a measured edge: no rate passed,
 * every rate tried passed (a lower bound), or the first failing rate lies more than 25 % above the highest
 * passing one (the edge is somewhere in between, so a ratio taken from it is a bound, not a figure).
 */
export function edgeNotes(ladders: Array<[server: string, ladder: Ladder]>): string[] {
  const notes: string[] = [];
  for (const [server, l] of ladders) {
    if (l.rows.length === 0) continue;
    const failed = l.rows.find((r) => !r.ok)?.rate;
    const best = l.best?.rate;
    if (best === undefined) notes.push(`  ${server}: no rate passed (the lowest tried: ${l.rows[0].rate}/s)`);
    else if (failed === undefined)
      notes.push(`  ${server}: every rate tried passed, so ${best}/s is a lower bound: try higher rates`);
    else if (failed > best * BRACKET)
      notes.push(
        `  ${server}: passed ${best}/s, failed ${failed}/s: the edge lies in between, so the ratio is a bound; add rates in between`,
      );
  }
  return notes;
}

/** `--servers` left this one out: an empty ladder. */
export const NOT_MEASURED: Ladder = { best: undefined, rows: [] };

/** One line per run of each server's ladder. */
export function runLines(ladders: Array<[server: string, ladder: Ladder]>): string[] {
  return ladders
    .flatMap(([s, l]) => l.rows.map((x) => [s, x] as const))
    .map(
      ([s, x]) =>
        `  ${s.padEnd(15)} ${String(x.rate).padStart(5)}/s  ${x.ok ? 'pass' : 'FAIL'}  achieved ${x.achieved.toFixed(0)}/s  ok ${x.success}  failed ${x.failed}  retrans ${x.retrans}  ${x.cpuMsPerCall.toFixed(3)} ms CPU/call ${x.why}`,
    );
}

/**
 * One run made of several parts measured side by side (independent servers each taking a share of the rate,
 * as `--shards` does): it passes only when every part passed; calls, failures, retransmissions, the achieved
 * rate and the CPU add up, so the CPU per call is the whole's. `rate` is the whole's target.
 */
export function combineRuns(rate: number, parts: RunResult[]): RunResult {
  const sum = (f: (r: RunResult) => number) => parts.reduce((s, r) => s + f(r), 0);
  const success = sum((r) => r.success);
  const perCall = (f: (r: RunResult) => number) => (success ? sum((r) => f(r) * r.success) / success : 0);
  const withMain = parts.every((r) => r.mainMsPerCall !== undefined);
  return {
    rate,
    ok: parts.length > 0 && parts.every((r) => r.ok),
    success,
    failed: sum((r) => r.failed),
    retrans: sum((r) => r.retrans),
    achieved: sum((r) => r.achieved),
    cpuMsPerCall: perCall((r) => r.cpuMsPerCall),
    ...(withMain ? { mainMsPerCall: perCall((r) => r.mainMsPerCall ?? 0) } : {}),
    why: parts
      .map((r, i) => (r.ok ? '' : `part ${i + 1}: ${r.why}`))
      .filter(Boolean)
      .join('; '),
  };
}
