/**
 * Kamailio as a benchmark reference (benchmarks.md): a stateful proxy from `bench/kamailio/proxy.cfg.tmpl`,
 * run in the foreground with the TLSF allocator, on 127.0.0.1, stopped by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cpuMsOfTree } from './proc.ts';
import { BENCH_DOMAIN, callerArgs, PASSWORD, writeInjection } from './ringd-bench.ts';

const TEMPLATE = resolve(import.meta.dirname, '../kamailio/proxy.cfg.tmpl');

export interface Kamailio extends Daemon {
  port: number;
}

/** `startKamailio`'s `digest` for the `kamailio-digest` reference: the bench tenant's realm and password. */
export const BENCH_DIGEST = { domain: BENCH_DOMAIN, password: PASSWORD };

/**
 * The caller's SIPp arguments against the `kamailio-digest` reference: those it uses against ringd (device
 * `caller`, `uac-auth-call.xml`), its injection file in a temp dir that `dispose` removes.
 */
export function digestCaller(holdMs: number, number: string): { args: string[]; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ringd-bench-kamailio-'));
  return {
    args: callerArgs({ domain: BENCH_DOMAIN, callerInf: writeInjection(dir, 'caller') }, holdMs, number),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The request_route lines of the digest variant: a new INVITE (no To tag) without valid credentials gets
 * 407 with a fresh nonce (realm = From domain, as ringd uses its tenant's domain); valid ones are removed
 * before the INVITE is forked.
 */
function digestRoute(password: string): string {
  if (!/^[\w.-]+$/.test(password)) throw new Error(`kamailio digest: unsupported password ${password}`);
  return [
    '  if (is_method("INVITE")) {',
    `    if (!pv_proxy_authenticate("$fd", "${password}", "0")) {`,
    '      proxy_challenge("$fd", "0");',
    '      exit;',
    '    }',
    '    consume_credentials();',
    '  }',
  ].join('\n');
}

/**
 * The template's media placeholders: with `ngPort`, the rtpengine module on that control port; a new INVITE's
 * offer and every provisional or final answer with SDP rewritten to rtpengine's ports (the caller's and the
 * answering member's RTP then flow through it, as through ringd's relay); the session deleted on BYE and when
 * every branch failed. Without it, all empty.
 */
function mediaSections(ngPort: number | undefined): Record<string, string> {
  const none = { MEDIA_MODULES: '', MEDIA_BYE: '', MEDIA_OFFER: '', MEDIA_ROUTES: '' };
  if (ngPort === undefined) return none;
  const flags = 'replace-origin replace-session-connection';
  return {
    MEDIA_MODULES: [
      'loadmodule "rtpengine.so"',
      `modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:${ngPort}")`,
    ].join('\n'),
    MEDIA_BYE: '    if (is_method("BYE")) rtpengine_delete();',
    MEDIA_OFFER: [
      '  if (is_method("INVITE") && has_body("application/sdp")) {',
      `    rtpengine_offer("${flags}");`,
      '    t_on_reply("MEDIA_ANSWER");',
      '    t_on_failure("MEDIA_FAILED");',
      '  }',
    ].join('\n'),
    MEDIA_ROUTES: [
      'onreply_route[MEDIA_ANSWER] {',
      `  if (has_body("application/sdp")) rtpengine_answer("${flags}");`,
      '}',
      'failure_route[MEDIA_FAILED] {',
      '  rtpengine_delete();',
      '}',
    ].join('\n'),
  };
}

/**
 * rtpengine (Debian's `rtpengine-daemon`) in userspace (`--table=-1`, no kernel module), its ng control
 * protocol on `ngPort`, media ports `portMin`…`portMax` on 127.0.0.1, at scheduling priority `nice`; stopped
 * by pid.
 */
export async function startRtpengine(
  ngPort: number,
  portMin: number,
  portMax: number,
  nice = 0,
): Promise<Daemon & { ngPort: number }> {
  const d = await startDaemon(
    'rtpengine',
    [
      '--config-file=none',
      '--foreground',
      '--log-stderr',
      '--log-level=4',
      '--table=-1',
      '--interface=127.0.0.1',
      `--listen-ng=127.0.0.1:${ngPort}`,
      `--port-min=${portMin}`,
      `--port-max=${portMax}`,
      '--delete-delay=0',
    ],
    nice,
    // Its ng socket is bound before it forks its threads; one ping answered means it serves.
    () => ngPing(ngPort),
  );
  return { ngPort, ...d };
}

/** One ng `ping` (bencode over UDP) to rtpengine; true when it answered `pong` within 200 ms. */
function ngPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const done = (ok: boolean) => {
      clearTimeout(t);
      s.close();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), 200);
    s.on('message', (m) => done(m.toString().includes('pong')));
    s.on('error', () => done(false));
    s.send('ringd-bench d7:command4:pinge', port, '127.0.0.1');
  });
}

/**
 * `targets`: the callees' `host:port`; one → relay ($du), several → parallel fork (append_branch).
 * `shmMb`: Kamailio's shared memory (`-m`), where tm keeps its transactions until their wait timer ends: a
 * fork keeps three branches per call, and at ~1 750 calls/s 256 MiB runs out (t_relay fails, the caller
 * gets `500 No error (2/SL)`). `nice`: its scheduling priority (`--nice`). `digest`: challenge every new
 * INVITE with 407 in the realm `domain` (the From domain, served as an alias so the ACK of the 407 stays
 * here) and admit it only with valid credentials for `password` (the auth module), as ringd does for a
 * caller: the like-for-like variant of the reference (benchmarks.md).
 */
export async function startKamailio(
  port: number,
  targets: string[],
  opts: {
    shmMb?: number;
    nice?: number;
    digest?: { domain: string; password: string };
    /** rtpengine's ng control port: anchor every call's media there (see {@link mediaSections}). */
    rtpengine?: number;
  } = {},
): Promise<Kamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'ringd-kamailio-'));
  const lines =
    targets.length === 1
      ? [`  $du = "sip:${targets[0]}";`]
      : [
          `  $ru = "sip:callee@${targets[0]}";`,
          ...targets.slice(1).map((t) => `  append_branch("sip:callee@${t}");`),
        ];
  let cfg = readFileSync(TEMPLATE, 'utf8')
    .replaceAll('@PORT@', String(port))
    .replaceAll('@TARGETS@', () => lines.join('\n'))
    .replaceAll('@ALIASES@', () => (opts.digest ? `alias="${opts.digest.domain}"` : ''))
    .replaceAll('@MODULES@', () => (opts.digest ? 'loadmodule "auth.so"' : ''))
    .replaceAll('@AUTH@', () => (opts.digest ? digestRoute(opts.digest.password) : ''));
  const media = mediaSections(opts.rtpengine);
  for (const [key, text] of Object.entries(media)) cfg = cfg.replaceAll(`@${key}@`, () => text);
  writeFileSync(join(dir, 'kamailio.cfg'), cfg);
  const d = await startDaemon(
    'kamailio',
    [
      '-f',
      join(dir, 'kamailio.cfg'),
      '-DD',
      '-E',
      '-x',
      'tlsf',
      '-X',
      'tlsf',
      '-m',
      String(opts.shmMb ?? 256),
      '-M',
      '16',
      '-P',
      join(dir, 'kamailio.pid'),
      '-Y',
      dir,
    ],
    opts.nice ?? 0,
    (log) => /Listening on/.test(log),
  );
  await new Promise((r) => setTimeout(r, 300)); // children forked and bound
  return {
    port,
    ...d,
    async stop() {
      await d.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A reference server run in the foreground, its process tree's CPU read from /proc, stopped by pid. */
interface Daemon {
  pid: number;
  /** CPU ms used so far by the process and its children. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/**
 * Spawns `command args` (through `nice -n`, which execs it in place, so the pid stays the one we stop and
 * the children it forks inherit the priority) and resolves once `ready(output so far)` holds; fails with its
 * output when it exits first or is not ready within 10 s.
 */
async function startDaemon(
  command: string,
  args: string[],
  nice: number,
  ready: (log: string) => boolean | Promise<boolean>,
): Promise<Daemon> {
  const argv = nice === 0 ? [command, ...args] : ['nice', '-n', String(nice), command, ...args];
  const child: ChildProcess = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const started = Date.now();
  while (!(await ready(log))) {
    if (child.exitCode !== null) throw new Error(`${command} exited: ${log.slice(-2000)}`);
    if (Date.now() - started > 10_000) {
      child.kill('SIGKILL');
      throw new Error(`${command} did not start: ${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = child.pid!;
  return {
    pid,
    cpuMs: () => cpuMsOfTree(pid),
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    },
  };
}
