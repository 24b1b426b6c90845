import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ports.ts';

export const SCENARIOS = resolve(import.meta.dirname, '../scenarios');

export interface SippOptions {
  /** A scenario file in test/interop/scenarios (e.g. 'invite-uac.xml') or a built-in (`{ builtin: 'uas' }`). */
  scenario: string | { builtin: 'uac' | 'uas' };
  /** `host:port` of the remote side (omit for a UAS). */
  remote?: string;
  transport: 'udp' | 'tcp';
  /** Local port; a free one is chosen when omitted. */
  port?: number;
  calls?: number;
  rate?: number;
  /** Hard limit; SIPp is killed by pid after it. */
  timeoutMs?: number;
  service?: string;
  extraArgs?: string[];
  /** Keep the scenario's `<log>` actions (`-trace_logs`): returned as {@link SippRun.logs}. */
  logs?: boolean;
}

export interface SippRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The last row of SIPp's `-trace_stat` CSV, by column name (cumulative counters such as `SuccessfulCall(C)`). */
  stats: Record<string, string>;
  port: number;
  /** What the scenario's `<log>` actions wrote, one line each (only with `logs: true`). */
  logs: string[];
}

/** A SIPp process started in the background, e.g. a UAS waiting for our UAC. */
export interface SippProcess {
  port: number;
  done: Promise<SippRun>;
  kill(): void;
}

/** Starts SIPp bound to 127.0.0.1. The returned `done` resolves when it exits (or is killed at `timeoutMs`). */
export async function startSipp(o: SippOptions): Promise<SippProcess> {
  const port = o.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'ringd-sipp-'));
  const args = [
    ...(typeof o.scenario === 'string' ? ['-sf', join(SCENARIOS, o.scenario)] : ['-sn', o.scenario.builtin]),
    ...(o.remote ? [o.remote] : []),
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    '-mi',
    '127.0.0.1',
    '-t',
    o.transport === 'udp' ? 'u1' : 't1',
    '-m',
    String(o.calls ?? 1),
    '-r',
    String(o.rate ?? 10),
    '-s',
    o.service ?? 'service',
    '-nostdin',
    '-trace_stat',
    '-stf',
    join(dir, 'stat.csv'),
    '-fd',
    '1',
    '-timeout',
    `${Math.ceil((o.timeoutMs ?? 15_000) / 1000)}s`,
    '-timeout_error',
    '-buff_size',
    '4194304',
    ...(o.logs ? ['-trace_logs', '-log_file', join(dir, 'actions.log')] : []),
    ...(o.extraArgs ?? []),
  ];
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const kill = () => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  const hardLimit = setTimeout(kill, (o.timeoutMs ?? 15_000) + 5_000);
  const done = new Promise<SippRun>((resolveRun) => {
    // SIPp missing or not executable: a failed run with the reason, not an unhandled 'error' event.
    child.once('error', (e) => {
      clearTimeout(hardLimit);
      rmSync(dir, { recursive: true, force: true });
      resolveRun({
        code: null,
        stdout,
        stderr: `${stderr}cannot run sipp: ${e.message}`,
        stats: {},
        port,
        logs: [],
      });
    });
    child.once('exit', (code) => {
      clearTimeout(hardLimit);
      let stats: Record<string, string> = {};
      try {
        const csv = readdirSync(dir).find((f) => f.endsWith('.csv'));
        if (csv) stats = lastCsvRow(readFileSync(join(dir, csv), 'utf8'));
      } catch {
        /* no stats */
      }
      let logs: string[] = [];
      try {
        if (o.logs) logs = readFileSync(join(dir, 'actions.log'), 'utf8').split('\n').filter(Boolean);
      } catch {
        /* nothing logged */
      }
      rmSync(dir, { recursive: true, force: true });
      resolveRun({ code, stdout, stderr, stats, port, logs });
    });
  });
  return { port, done, kill };
}

/** Runs SIPp to completion. */
export async function runSipp(o: SippOptions): Promise<SippRun> {
  const p = await startSipp(o);
  return p.done;
}

function lastCsvRow(csv: string): Record<string, string> {
  const lines = csv.trim().split('\n');
  if (lines.length < 2) return {};
  const head = lines[0].split(';');
  const last = lines[lines.length - 1].split(';');
  const out: Record<string, string> = {};
  head.forEach((h, i) => (out[h] = last[i] ?? ''));
  return out;
}

/** Human-readable failure text for assertions. */
export function describeRun(r: SippRun): string {
  const logs = r.logs.length > 0 ? `\n--- logs\n${r.logs.join('\n').slice(-1500)}` : '';
  return `sipp exit ${r.code}${logs}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;
}
