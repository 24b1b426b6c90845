/**
 * Driver for linphonec 5.1 (linphone-cli) as a second, independent softphone in interop tests: one process
 * per phone with its own `$HOME` and rc file, driven through stdin, its output (unbuffered with `stdbuf -o0`)
 * parsed for events. Audio from/to WAV files (`soundcard use files`).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitWavFinished } from './audio.ts';
import { freePortPair, killBounded, reserveRtpPorts, sleep } from './phone-process.ts';

/** A SIP account of a linphonec phone (written to its rc as `[proxy_0]`, `[auth_info_0]`). */
export interface LinphoneAccount {
  user: string;
  password: string;
  domain: string;
  /** `host:port` of the server: the outbound proxy and registrar (`reg_proxy`, `reg_route`). */
  proxy: string;
  /** Send REGISTER (default true). */
  register?: boolean;
}

/** Options of {@link startLinphone}. */
export interface LinphoneOptions {
  name: string;
  /** SIP UDP port; a free one is chosen when omitted. */
  sipPort?: number;
  /** No account: identity `sip:<name>@127.0.0.1`, no registration (direct calls). */
  account?: LinphoneAccount;
  /** A WAV played as the microphone (loops with a 0.5 s gap). */
  playFile?: string;
  /** A WAV file to record what is heard into. */
  recordFile?: string;
  /** Parent of the phone's temporary `$HOME` (default the OS temp dir). */
  dir?: string;
}

/** Patterns of linphonec's output lines for the usual events. */
export const LINPHONE_EVENTS = {
  /** Answer to `status register` when registered (linphonec 5.1 prints no line when registration succeeds). */
  registered: /^registered, identity=(.+?) duration=\d+/,
  /** Answer to `status register` while not (yet) registered. */
  notRegistered: /^registered=(-?\d+)/,
  /** linphonec asks for a password on stdin when the server refused its credentials. */
  passwordPrompt: /Password for/i,
  /** Groups: caller URI, call id. */
  incoming: /Receiving new incoming call from (\S+), assigned id (\d+)/,
  ringing: /Call (\d+) to (\S+) ringing/,
  connected: /Call (\d+) with (\S+) connected/,
  /**
   * A call ended: `Call 1 with <uri> ended (No error|Call declined|Not answered).` (reason in group 3), or
   * failed: `Call 1 with <uri> error.` (e.g. the callee answered 486).
   */
  ended: /Call (\d+) with (\S+) (?:ended \(([^)]*)\)|error)/,
} as const;

/** A running linphonec phone. */
export interface Linphone {
  readonly name: string;
  readonly pid: number;
  readonly sipPort: number;
  readonly rtpPorts: [number, number];
  /** The phone's `$HOME` (removed by stop). */
  readonly home: string;
  /** `sip:<user>@127.0.0.1:<sipPort>`: what another phone dials to reach this one directly. */
  readonly directUri: string;
  /** Writes one command line to linphonec's stdin. */
  send(line: string): void;
  call(uri: string): void;
  answer(): void;
  terminate(): void;
  /**
   * Resolves with the match of the oldest output line matching `re` not yet taken by a waitFor, waiting up to
   * `timeoutMs`; rejects after it with the output's tail.
   */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The `recordFile` once linphonec has closed it (after the call ended), waiting up to `timeoutMs`. */
  recording(timeoutMs?: number): Promise<string>;
  /**
   * Polls `status register` until linphonec reports its default account registered (bounded by `timeoutMs`);
   * resolves with the identity.
   */
  waitRegistered(timeoutMs?: number): Promise<string>;
  /** Output lines so far. */
  lines(): string[];
  /** stdout+stderr plus the tail of the liblinphone log file. */
  log(): string;
  /** `quit`, then SIGTERM/SIGKILL by pid after bounds; removes its `$HOME`. */
  stop(): Promise<void>;
}

const DEFAULT_WAIT_MS = 5_000;

/** Starts linphonec with its own `$HOME` and rc; resolves once its prompt has taken the audio commands. */
export async function startLinphone(o: LinphoneOptions): Promise<Linphone> {
  const sipPort = o.sipPort ?? (await freePortPair());
  const rtp = await reserveRtpPorts();
  const rtpPorts = rtp.range;
  const home = mkdtempSync(join(o.dir ?? tmpdir(), `ringd-linphone-${o.name}-`));
  // Without a writable data dir linphonec answers every call 503.
  mkdirSync(join(home, '.local', 'share', 'linphone'), { recursive: true });
  mkdirSync(join(home, '.config'), { recursive: true });
  const user = o.account?.user ?? o.name;
  const rc = join(home, 'linphonerc');
  const logFile = join(home, 'linphone.log');
  writeFileSync(rc, linphoneRc(o, user, sipPort, rtpPorts));

  const child = spawn('stdbuf', ['-o0', '-e0', 'linphonec', '-c', rc, '-d', '4', '-l', logFile], {
    cwd: home,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) {
    rmSync(home, { recursive: true, force: true });
    rtp.release();
    throw new Error('linphonec did not start (is it installed? apt-get install linphone-cli)');
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.stdin!.on('error', () => undefined);

  const all: string[] = [];
  const pending: string[] = [];
  let waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  let partial = '';
  let output = '';
  const onData = (d: Buffer) => {
    const text = d.toString();
    output += text;
    partial += text;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const raw of parts) {
      const line = raw.replace(/^(linphonec> )+/, '').trimEnd();
      if (line === '') continue;
      all.push(line);
      const w = waiters.find((x) => x.re.test(line));
      if (w) {
        waiters = waiters.filter((x) => x !== w);
        w.resolve(line.match(w.re)!);
      } else {
        pending.push(line);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  const send = (line: string) => {
    if (child.exitCode === null) child.stdin!.write(`${line}\n`);
  };
  const waitFor = (re: RegExp, timeoutMs = DEFAULT_WAIT_MS): Promise<RegExpMatchArray> => {
    const i = pending.findIndex((l) => re.test(l));
    if (i >= 0) return Promise.resolve(pending.splice(i, 1)[0].match(re)!);
    return new Promise((resolve, reject) => {
      const waiter = {
        re,
        resolve: (m: RegExpMatchArray) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        waiters = waiters.filter((x) => x !== waiter);
        reject(new Error(`linphonec ${o.name}: no line matching ${re} within ${timeoutMs} ms\n${tail()}`));
      }, timeoutMs);
      waiters.push(waiter);
    });
  };
  const tail = () => `--- output\n${output.slice(-2500)}`;
  const log = () => {
    let file = '';
    try {
      file = readFileSync(logFile, 'utf8');
    } catch {
      /* no log yet */
    }
    return `${tail()}\n--- log\n${file.slice(-6000)}`;
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    send('quit');
    if (!(await Promise.race([exited.then(() => true), sleep(3_000).then(() => false)]))) {
      await killBounded(child, exited);
    }
    rmSync(home, { recursive: true, force: true });
    rtp.release();
  };

  try {
    // Audio through files; each command echoes a line, so the prompt is known to be alive afterwards.
    send('soundcard use files');
    await waitFor(/Using wav files instead of soundcard/, 10_000);
    if (o.playFile) send(`play ${o.playFile}`);
    if (o.recordFile) send(`record ${o.recordFile}`);
  } catch (err) {
    const text = log();
    await stop();
    throw new Error(`linphonec ${o.name} failed to start: ${(err as Error).message}\n${text}`);
  }

  return {
    name: o.name,
    pid: child.pid,
    sipPort,
    rtpPorts,
    home,
    directUri: `sip:${user}@127.0.0.1:${sipPort}`,
    send,
    call: (uri) => send(`call ${uri}`),
    answer: () => send('answer'),
    terminate: () => send('terminate'),
    waitFor,
    recording: async (timeoutMs = DEFAULT_WAIT_MS) => {
      if (!o.recordFile) throw new Error(`linphonec ${o.name}: started without recordFile`);
      await waitWavFinished([o.recordFile], timeoutMs);
      return o.recordFile;
    },
    waitRegistered: async (timeoutMs = DEFAULT_WAIT_MS) => {
      const deadline = Date.now() + timeoutMs;
      const either = new RegExp(
        `${LINPHONE_EVENTS.registered.source}|${LINPHONE_EVENTS.notRegistered.source}`,
      );
      while (true) {
        send('status register');
        const m = await waitFor(either, Math.max(1, deadline - Date.now()));
        if (m[1] !== undefined) return m[1];
        if (Date.now() >= deadline)
          throw new Error(`linphonec ${o.name}: not registered after ${timeoutMs} ms`);
        await sleep(100);
      }
    },
    lines: () => all.slice(),
    log,
    stop,
  };
}

/** The rc file: SIP/RTP bound to 127.0.0.1, IPv4 only, no video, the account and proxy when given. */
function linphoneRc(o: LinphoneOptions, user: string, sipPort: number, rtp: [number, number]): string {
  const a = o.account;
  const domain = a?.domain ?? '127.0.0.1';
  const lines = [
    '[sip]',
    `sip_port=${sipPort}`,
    'sip_tcp_port=-1',
    'sip_tls_port=-1',
    'ipv6=0',
    'guess_hostname=0',
    `contact="${user}" <sip:${user}@${domain}>`,
    `default_proxy=${a ? 0 : -1}`,
    'register_only_when_network_is_up=0',
    'inc_timeout=60',
    '',
    '[rtp]',
    `audio_rtp_port=${rtp[0]}-${rtp[1] - 2}`,
    `video_rtp_port=${rtp[1] - 1}-${rtp[1]}`,
    'bind_address=127.0.0.1',
    'audio_jitt_comp=60',
    '',
    '[sound]',
    'echocancellation=0',
    '',
    '[video]',
    'enabled=0',
    'capture=0',
    'display=0',
    '',
    '[net]',
    'firewall_policy=0',
    '',
  ];
  if (a) {
    lines.push(
      '[proxy_0]',
      `reg_proxy=<sip:${a.proxy};transport=udp>`,
      `reg_route=<sip:${a.proxy};transport=udp;lr>`,
      `reg_identity="${a.user}" <sip:${a.user}@${a.domain}>`,
      'reg_expires=3600',
      `reg_sendregister=${a.register === false ? 0 : 1}`,
      'publish=0',
      'dial_escape_plus=0',
      '',
      '[auth_info_0]',
      `username=${a.user}`,
      `passwd=${a.password}`,
      `domain=${a.domain}`,
      '',
    );
  }
  return lines.join('\n');
}
