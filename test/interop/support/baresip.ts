/**
 * Driver for baresip 1.0.0 as a real softphone in interop tests: one process per phone, its own config dir,
 * controlled over `ctrl_tcp` (netstring-framed JSON), audio without a sound card (`ausine` as microphone,
 * the `sndfile` filter records what is heard).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitWavFinished } from './audio.ts';
import { freePortPair, killBounded, reserveRtpPorts, sleep } from './phone-process.ts';
import { freePort } from './ports.ts';

/** A SIP account of a baresip phone. */
export interface BaresipAccount {
  user: string;
  password: string;
  /** Domain of the AOR; REGISTER goes to `sip:<domain>`. */
  domain: string;
  /** `host:port` of the server when the domain is not its address: becomes `outbound=sip:host:port`. */
  registrar?: string;
  /** Send REGISTER (default true). */
  register?: boolean;
}

/** Options of {@link startBaresip}. */
export interface BaresipOptions {
  /** Names the phone (log prefix, AOR user when there is no account). */
  name: string;
  /** SIP port (UDP+TCP; TLS takes port+1). A free pair is chosen when omitted. */
  sipPort?: number;
  /** No account: a local UA `sip:<name>@127.0.0.1` that does not register (direct calls). */
  account?: BaresipAccount;
  /** The microphone: a sine of `freq` Hz (10–20000; default 1000). ausine cannot be silent. */
  tone?: { freq: number };
  /** Record what is heard (`sndfile` filter) into `dump-*-dec.wav` (default true). */
  record?: boolean;
  /** `manual` (default): answer with {@link Baresip.accept}. `auto`: baresip answers, without CALL_INCOMING. */
  answer?: 'manual' | 'auto';
  /** Parent of the phone's temporary config dir (default the OS temp dir). */
  dir?: string;
  /** Start with SIP trace (`-s`) in the log. */
  sipTrace?: boolean;
}

/** A baresip event (`{"event":true,"type":...}` on ctrl_tcp). */
export interface BaresipEvent {
  type: string;
  class?: string;
  accountaor?: string;
  direction?: string;
  peeruri?: string;
  /** Call id. */
  id?: string;
  param?: string;
  /** The whole JSON object. */
  raw: Record<string, unknown>;
}

/** The response of a ctrl_tcp command. */
export interface BaresipResponse {
  ok: boolean;
  data: string;
}

/** A running baresip phone. */
export interface Baresip {
  readonly name: string;
  readonly pid: number;
  readonly sipPort: number;
  readonly ctrlPort: number;
  /** RTP/RTCP port range `[lo, hi]` of this phone. */
  readonly rtpPorts: [number, number];
  /** The phone's config dir (removed by stop). */
  readonly dir: string;
  /** The account's AOR (`sip:user@domain`). */
  readonly aor: string;
  /** `sip:<user>@127.0.0.1:<sipPort>`: what another phone dials to reach this one directly. */
  readonly directUri: string;
  /** Sends one ctrl_tcp command (commands are serialised) and returns its response. */
  command(command: string, params?: string, timeoutMs?: number): Promise<BaresipResponse>;
  dial(uri: string): Promise<BaresipResponse>;
  /** Answers the incoming call. */
  accept(): Promise<BaresipResponse>;
  /** Hangs up the current call (486 when it is an incoming call still ringing). */
  hangup(): Promise<BaresipResponse>;
  /** Sends an RFC 4733 DTMF digit on the current call. */
  sendDigit(digit: string): Promise<BaresipResponse>;
  /**
   * Resolves with the oldest event of `type` not yet taken by a waitFor (and matching `match`), waiting up to
   * `timeoutMs`; rejects after it, listing the events seen.
   */
  waitFor(type: string, timeoutMs?: number, match?: (e: BaresipEvent) => boolean): Promise<BaresipEvent>;
  /** Every event received so far, in order. */
  events(): BaresipEvent[];
  /** Paths of the `dump-*-dec.wav` files written so far (complete only after CALL_CLOSED). */
  recordingPaths(): string[];
  /**
   * Paths of the `dump-*-dec.wav` recordings once every one is complete (its WAV header written at close):
   * waits up to `timeoutMs` after the call's CALL_CLOSED.
   */
  recordings(timeoutMs?: number): Promise<string[]>;
  /** stdout+stderr of the process so far. */
  log(): string;
  /** Kills the process by pid (SIGTERM, then SIGKILL after a bound) and removes its dir. */
  stop(): Promise<void>;
}

const DEFAULT_WAIT_MS = 5_000;

/** Starts a baresip phone, connects to its ctrl_tcp, creates its account with `uanew`. */
export async function startBaresip(o: BaresipOptions): Promise<Baresip> {
  const sipPort = o.sipPort ?? (await freePortPair());
  const ctrlPort = await freePort();
  const rtp = await reserveRtpPorts();
  const rtpPorts = rtp.range;
  const dir = mkdtempSync(join(o.dir ?? tmpdir(), `ringd-baresip-${o.name}-`));
  const recDir = join(dir, 'rec');
  mkdirSync(recDir);
  const freq = o.tone?.freq ?? 1000;
  const record = o.record ?? true;
  const modules = ['g711.so', 'ausine.so', ...(record ? ['sndfile.so'] : []), 'ctrl_tcp.so', 'menu.so'];
  const config = [
    'poll_method\t\tepoll',
    `sip_listen\t\t127.0.0.1:${sipPort}`,
    'net_interface\t\t127.0.0.1',
    'call_local_timeout\t120',
    'call_max_calls\t\t4',
    `audio_source\t\tausine,${freq}`,
    'audio_player\t\tnone,none',
    'audio_alert\t\tnone,none',
    'ausrc_srate\t\t48000',
    'ausrc_channels\t\t2',
    'audio_level\t\tno',
    'ausrc_format\t\ts16',
    'auplay_format\t\ts16',
    'auenc_format\t\ts16',
    'audec_format\t\ts16',
    'audio_buffer\t\t20-160',
    `rtp_ports\t\t${rtpPorts[0]}-${rtpPorts[1]}`,
    'rtcp_mux\t\tno',
    'jitter_buffer_delay\t5-10',
    'rtp_stats\t\tno',
    'module_path\t\t/usr/lib/baresip/modules',
    ...modules.map((m) => `module\t\t\t${m}`),
    `ctrl_tcp_listen\t\t127.0.0.1:${ctrlPort}`,
    ...(record ? [`snd_path\t\t${recDir}`] : []),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'config'), config);
  // Empty files so baresip does not create templates (and loads no contacts/accounts of its own).
  writeFileSync(join(dir, 'accounts'), '');
  writeFileSync(join(dir, 'contacts'), '');

  const user = o.account?.user ?? o.name;
  const domain = o.account?.domain ?? '127.0.0.1';
  const aor = `sip:${user}@${domain}`;
  const params = [`answermode=${o.answer ?? 'manual'}`];
  if (o.account) {
    params.push(`auth_pass=${o.account.password}`);
    if (o.account.registrar) params.push(`outbound="sip:${o.account.registrar}"`);
    if (o.account.register === false) params.push('regint=0');
  } else {
    params.push('regint=0');
  }
  const accountLine = `<${aor}>;${params.join(';')}`;

  const child = spawn('baresip', ['-f', dir, ...(o.sipTrace ? ['-s'] : [])], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  if (child.pid === undefined) {
    rmSync(dir, { recursive: true, force: true });
    rtp.release();
    throw new Error('baresip did not start (is it installed? apt-get install baresip)');
  }

  const ctrl = new CtrlClient();
  try {
    await ctrl.connect(ctrlPort, 5_000, () => child.exitCode !== null);
    const r = await ctrl.command('uanew', accountLine, DEFAULT_WAIT_MS);
    if (!r.ok) throw new Error(`uanew failed: ${r.data}`);
  } catch (err) {
    ctrl.close();
    await killBounded(child, exited);
    rmSync(dir, { recursive: true, force: true });
    rtp.release();
    throw new Error(`baresip ${o.name} failed to start: ${(err as Error).message}\n${output.slice(-3000)}`);
  }

  let stopped = false;
  const recordingPaths = () => {
    try {
      return readdirSync(recDir)
        .filter((f) => /^dump-.*-dec\.wav$/.test(f))
        .sort()
        .map((f) => join(recDir, f));
    } catch {
      return [];
    }
  };
  return {
    name: o.name,
    pid: child.pid,
    sipPort,
    ctrlPort,
    rtpPorts,
    dir,
    aor,
    directUri: `sip:${user}@127.0.0.1:${sipPort}`,
    command: (c, p, t) => ctrl.command(c, p, t ?? DEFAULT_WAIT_MS),
    dial: (uri) => ctrl.command('dial', uri, DEFAULT_WAIT_MS),
    accept: () => ctrl.command('accept', undefined, DEFAULT_WAIT_MS),
    hangup: () => ctrl.command('hangup', undefined, DEFAULT_WAIT_MS),
    sendDigit: (d) => ctrl.command('sndcode', d, DEFAULT_WAIT_MS),
    waitFor: (type, timeoutMs, match) => ctrl.waitFor(type, timeoutMs ?? DEFAULT_WAIT_MS, match),
    events: () => ctrl.seen.slice(),
    recordingPaths,
    recordings: async (timeoutMs = DEFAULT_WAIT_MS) => {
      const deadline = Date.now() + timeoutMs;
      let paths = recordingPaths();
      while (paths.length === 0 && Date.now() < deadline) {
        await sleep(50);
        paths = recordingPaths();
      }
      if (paths.length === 0) throw new Error(`baresip ${o.name}: no recording after ${timeoutMs} ms`);
      await waitWavFinished(paths, Math.max(0, deadline - Date.now()));
      return paths;
    },
    log: () => output,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      ctrl.close();
      await killBounded(child, exited);
      rmSync(dir, { recursive: true, force: true });
      rtp.release();
    },
  };
}

/** A ctrl_tcp connection: netstring framing, one command at a time, events queued. */
class CtrlClient {
  readonly seen: BaresipEvent[] = [];
  private readonly pending: BaresipEvent[] = [];
  private waiters: {
    type: string;
    match?: (e: BaresipEvent) => boolean;
    resolve: (e: BaresipEvent) => void;
  }[] = [];
  private socket: Socket | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private chain: Promise<unknown> = Promise.resolve();
  private token = 0;
  private responders = new Map<string, (r: BaresipResponse) => void>();
  private closed = false;

  async connect(port: number, timeoutMs: number, dead: () => boolean): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      try {
        this.socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(port, '127.0.0.1');
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        break;
      } catch (err) {
        if (dead()) throw new Error('baresip exited');
        if (Date.now() >= deadline) throw new Error(`ctrl_tcp not reachable on ${port}: ${String(err)}`);
        await sleep(50);
      }
    }
    this.socket.on('data', (d: Buffer) => this.onData(d));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => (this.closed = true));
  }

  command(command: string, params: string | undefined, timeoutMs: number): Promise<BaresipResponse> {
    const run = async (): Promise<BaresipResponse> => {
      if (!this.socket || this.closed) throw new Error(`ctrl_tcp closed (command ${command})`);
      const token = String(++this.token);
      const body = Buffer.from(JSON.stringify({ command, params: params ?? '', token }));
      const response = new Promise<BaresipResponse>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.responders.delete(token);
          reject(new Error(`baresip: no response to '${command} ${params ?? ''}' within ${timeoutMs} ms`));
        }, timeoutMs);
        this.responders.set(token, (r) => {
          clearTimeout(timer);
          resolve(r);
        });
      });
      this.socket.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]));
      return response;
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  waitFor(type: string, timeoutMs: number, match?: (e: BaresipEvent) => boolean): Promise<BaresipEvent> {
    const i = this.pending.findIndex((e) => e.type === type && (!match || match(e)));
    if (i >= 0) return Promise.resolve(this.pending.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = {
        type,
        match,
        resolve: (e: BaresipEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const seen = this.seen.map((e) => e.type).join(', ');
        reject(new Error(`baresip: no ${type} within ${timeoutMs} ms (events seen: ${seen || 'none'})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    while (true) {
      const colon = this.buf.indexOf(0x3a);
      if (colon < 0) return;
      const len = Number(this.buf.toString('ascii', 0, colon));
      if (!Number.isInteger(len) || len < 0) {
        this.buf = Buffer.alloc(0); // desynchronised: drop what we have
        return;
      }
      if (this.buf.length < colon + 1 + len + 1) return;
      const body = this.buf.toString('utf8', colon + 1, colon + 1 + len);
      this.buf = this.buf.subarray(colon + 1 + len + 1);
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(body) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (msg.event === true) this.onEvent(msg);
      else if (msg.response === true) {
        const r = this.responders.get(String(msg.token ?? ''));
        if (r) {
          this.responders.delete(String(msg.token));
          r({ ok: msg.ok === true, data: typeof msg.data === 'string' ? msg.data : '' });
        }
      }
    }
  }

  private onEvent(msg: Record<string, unknown>): void {
    const str = (k: string) => (typeof msg[k] === 'string' ? (msg[k] as string) : undefined);
    const e: BaresipEvent = {
      type: str('type') ?? '',
      class: str('class'),
      accountaor: str('accountaor'),
      direction: str('direction'),
      peeruri: str('peeruri'),
      id: str('id'),
      param: str('param'),
      raw: msg,
    };
    this.seen.push(e);
    const w = this.waiters.find((x) => x.type === e.type && (!x.match || x.match(e)));
    if (w) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(e);
    } else {
      this.pending.push(e);
    }
  }
}
