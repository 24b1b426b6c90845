/**
 * Runs the real `ringd` command (`bin/ringd.mjs`: the compiled build when dist/ is up to date, else the
 * TypeScript sources through tsx) as a child process for end-to-end tests: SIP and HTTP on
 * ports the OS picks (port 0), state in a directory the test owns, stopped by process id.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The `ringd` command as installed (package.json `bin`). */
const RINGD = 'bin/ringd.mjs';

export interface RingdProcess {
  child: ChildProcess;
  /** Base URL of the REST API, e.g. http://127.0.0.1:41234. */
  http: string;
  /** The SIP port (UDP and TCP) it listens on. */
  sipPort: number;
  /** The platform admin key, when this start created it (first start on an empty database). */
  adminKey?: string;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM and wait for exit (bounded); SIGKILL if it does not stop. */
  stop(): Promise<number | null>;
  /** SIGKILL now (a crash), and wait for the exit. */
  kill(): Promise<void>;
}

/**
 * Runs `ringd <args>` to completion (bounded) and returns its exit code and output. `root`: the package
 * directory whose `bin/ringd.mjs` runs (this checkout unless given).
 */
export function runRingd(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
  root = ROOT,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RINGD, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ringd ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `ringd start` (from the package directory `root`) and resolves once its REST API is listening. */
export function startRingdProcess(
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
  root = ROOT,
): Promise<RingdProcess> {
  // RINGD_NODE_ARGS: extra node flags for the ringd process (e.g. `--cpu-prof` when profiling a benchmark).
  const nodeArgs = (env.RINGD_NODE_ARGS ?? process.env.RINGD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, RINGD, 'start'], {
    cwd: root,
    env: { ...process.env, RINGD_SIP_PORT: '0', RINGD_HTTP_PORT: '0', RINGD_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ringd did not start in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /REST API on (http:\/\/[0-9.]+:\d+)\/v1\.0/.exec(out);
      const sip = /SIP on udp\/tcp [0-9.]+:(\d+)/.exec(out);
      if (!m || !sip) return;
      clearTimeout(timer);
      const key = /admin key[^\n]*\n\s*(rk_\S+)/.exec(out)?.[1];
      resolve({
        child,
        http: m[1],
        sipPort: Number(sip[1]),
        adminKey: key,
        output: () => out,
        async stop() {
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
          const code = await exited;
          clearTimeout(t);
          return code;
        },
        async kill() {
          child.kill('SIGKILL');
          await exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ringd exited (${code}) before it was ready:\n${out}`));
    });
  });
}
