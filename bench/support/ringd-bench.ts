/**
 * A ringd node provisioned for call benchmarks and interop tests: one tenant, a caller and a callee
 * device with passwords, callflow `2000` → the callee device (and whatever `provision` adds); the real
 * `ringd start` process on it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDirectory } from '../../src/directory/index.ts';
import { openStore } from '../../src/store/index.ts';
import { freePort } from '../../test/interop/support/ports.ts';
import { runSipp } from '../../test/interop/support/sipp.ts';
import { startRingdProcess, type RingdProcess } from '../../test/support/ringd-process.ts';

export const BENCH_DOMAIN = 'bench.ringd.test';
export const PASSWORD = 'bench-password-1';

export interface BenchNode {
  ringd: RingdProcess;
  dir: string;
  domain: string;
  /** A customer API key of the tenant. */
  apiKey: string;
  /** SIPp injection files (`-inf`): `domain;user;` rows. */
  callerInf: string;
  calleeInf: string;
  stop(): Promise<void>;
}

export type BenchDirectory = Awaited<ReturnType<typeof createDirectory>>;

let buildReported = false;

/** Says once per benchmark which build ringd runs (the bench scripts build dist/ first: bin/entry.mjs). */
function reportBuild(output: string): void {
  if (buildReported) return;
  buildReported = true;
  const build = /ringd \S+ \(([^)]+)\)/.exec(output)?.[1] ?? 'unknown build';
  console.log(`# ringd runs its ${build}`);
  if (build !== 'compiled build') {
    const why = /^ringd: (.*); running the TypeScript sources/m.exec(output)?.[1];
    console.log(
      `#   (${why ?? 'not the compiled build'}; \`npm run build\` first to measure what \`npm start\` runs)`,
    );
  }
}

/**
 * `provision` adds to the tenant `customerId` (devices, callflows) before ringd starts on the database.
 */
export async function startBenchNode(
  env: NodeJS.ProcessEnv = {},
  provision?: (directory: BenchDirectory, customerId: string) => Promise<void>,
): Promise<BenchNode> {
  const dir = mkdtempSync(join(tmpdir(), 'ringd-bench-node-'));
  const store = await openStore({ url: `sqlite:${join(dir, 'ringd.db')}` });
  let apiKey = '';
  try {
    const directory = await createDirectory({ store });
    const c = await directory.customers.create({ name: 'Bench', domain: BENCH_DOMAIN });
    const callee = await directory.devices.create(c.id, {
      name: 'callee',
      sip_username: 'callee',
      sip_password: PASSWORD,
    });
    await directory.devices.create(c.id, { name: 'caller', sip_username: 'caller', sip_password: PASSWORD });
    await directory.callflows.create(c.id, {
      numbers: ['2000'],
      flow: { module: 'device', data: { id: callee.id } },
    });
    apiKey = (await directory.accessKeys.create(c.id, 'customer', 'bench')).key;
    await provision?.(directory, c.id);
  } finally {
    await store.close();
  }
  const callerInf = writeInjection(dir, 'caller');
  const calleeInf = writeInjection(dir, 'callee');
  // RINGD_BENCH_LOG=DIR keeps each ringd's log (level info: overload control's refusals, say) in DIR.
  const logDir = process.env.RINGD_BENCH_LOG;
  const ringd = await startRingdProcess({
    RINGD_DATA_DIR: dir,
    RINGD_LOG_LEVEL: logDir ? 'info' : 'error',
    ...env,
  });
  reportBuild(ringd.output());
  return {
    ringd,
    dir,
    apiKey,
    domain: BENCH_DOMAIN,
    callerInf,
    calleeInf,
    async stop() {
      await ringd.stop();
      if (logDir) writeFileSync(join(logDir, `ringd-${Date.now()}.log`), ringd.output());
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Writes the SIPp injection file of device `user` in {@link BENCH_DOMAIN} (`[field0]` domain, `[field1]`
 * user) to `dir/<user>.csv`; returns its path.
 */
export function writeInjection(dir: string, user: string): string {
  const path = join(dir, `${user}.csv`);
  writeFileSync(path, `SEQUENTIAL\n${BENCH_DOMAIN};${user};\n`);
  return path;
}

/**
 * SIPp arguments of a device's REGISTER with digest (`register-auth.xml`, service = the user); the device's
 * password is {@link PASSWORD}.
 */
export function calleeRegisterArgs(node: Pick<BenchNode, 'domain' | 'calleeInf'>, user = 'callee'): string[] {
  return ['-au', user, '-ap', PASSWORD, '-auth_uri', node.domain, '-inf', node.calleeInf];
}

/**
 * Registers device `user` (digest) from a fresh port, where its UAS SIPp is then started; returns the port.
 */
export async function registerCallee(node: BenchNode, user = 'callee'): Promise<number> {
  const port = await freePort();
  const reg = await runSipp({
    scenario: 'register-auth.xml',
    remote: `127.0.0.1:${node.ringd.sipPort}`,
    transport: 'udp',
    port,
    service: user,
    extraArgs: calleeRegisterArgs(node, user),
  });
  if (reg.code !== 0) throw new Error(`${user} REGISTER failed: ${reg.stdout.slice(-1500)}`);
  return port;
}

/** SIPp arguments of the caller dialing `number` with digest (`uac-auth-call.xml`), holding `holdMs`. */
export function callerArgs(
  node: Pick<BenchNode, 'domain' | 'callerInf'>,
  holdMs: number,
  number = '2000',
): string[] {
  return [
    '-au',
    'caller',
    '-ap',
    PASSWORD,
    '-auth_uri',
    `${number}@${node.domain}`,
    '-inf',
    node.callerInf,
    '-d',
    String(holdMs),
  ];
}
