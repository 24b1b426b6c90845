/**
 * RTP relay benchmark: the highest rate of 172-byte RTP packets (12-byte header + 160 bytes of G.711,
 * i.e. 20 ms streams at 50 packets/s each) that ringd's `RtpRelay` forwards with < 0.1 % loss, against a
 * bare Node.js `dgram` relay (one socket pair per stream, `on('message') → send`, no logic) measured in the
 * same run with the same generator. The generator runs in a forked process (its own core): it sends every
 * stream's packets round-robin, paced on a monotonic clock, and counts what comes back.
 *
 * For each relay: rates grow ×1.5 from START_PPS until a trial loses ≥ 0.1 % (or the generator cannot
 * keep the pace), then a bisection narrows the limit. Every trial uses rate/50 streams, i.e. rate/50 bridged
 * endpoint pairs (4 sockets per stream for RtpRelay, 2 for the bare relay).
 *
 *   npm run bench:rtp               full run (about 1–2 minutes)
 *   npm run bench:rtp -- --smoke    CI smoke run (a few seconds: two low rates, no search)
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Socket, SocketOptions } from 'node:dgram';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { RtpRelay } from '../src/media/rtp/index.ts';
import type { RelayEndpoint } from '../src/media/rtp/index.ts';

const HOST = '127.0.0.1';
const PACKET_BYTES = 172;
const STREAM_PPS = 50;
const LOSS_LIMIT = 0.001;
const GEN_SOCKETS = 4;

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');

/** Synchronous lookup of IP literals (the generator must not be the bottleneck). */
const ipLookup = ((host: string, opts: unknown, cb?: unknown) => {
  const callback = (typeof opts === 'function' ? opts : cb) as (
    e: Error | null,
    a: string,
    f: number,
  ) => void;
  callback(null, host, isIP(host) || 4);
}) as unknown as NonNullable<SocketOptions['lookup']>;

function bind(port = 0, lookup?: SocketOptions['lookup'], bufferBytes?: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket(lookup ? { type: 'udp4', lookup } : { type: 'udp4' });
    s.once('error', reject);
    s.bind(port, HOST, () => {
      s.off('error', reject);
      s.on('error', () => {});
      if (bufferBytes) {
        s.setRecvBufferSize(bufferBytes);
        s.setSendBufferSize(bufferBytes);
      }
      resolve(s);
    });
  });
}

// ---------------------------------------------------------------- generator (child process)

interface RunMsg {
  type: 'run';
  /** Relay input port of each stream; stream i is sent from send socket i % GEN_SOCKETS. */
  ports: number[];
  rate: number;
  ms: number;
}
interface ResultMsg {
  type: 'result';
  sent: number;
  received: number;
  sendMs: number;
}
interface HelloMsg {
  type: 'hello';
  sendPorts: number[];
  recvPorts: number[];
}

async function generator(): Promise<void> {
  const send: Socket[] = [];
  const recv: Socket[] = [];
  let received = 0;
  for (let i = 0; i < GEN_SOCKETS; i++) {
    send.push(await bind(0, ipLookup, 4 << 20));
    const r = await bind(0, ipLookup, 4 << 20);
    r.on('message', () => received++);
    recv.push(r);
  }
  const packet = Buffer.alloc(PACKET_BYTES, 0xd5);
  packet[0] = 0x80;
  packet[1] = 8;
  const hello: HelloMsg = {
    type: 'hello',
    sendPorts: send.map((s) => s.address().port),
    recvPorts: recv.map((s) => s.address().port),
  };
  process.send!(hello);
  process.on('message', (m: RunMsg | { type: 'exit' }) => {
    if (m.type === 'exit') {
      for (const s of [...send, ...recv]) s.close();
      process.disconnect();
      return;
    }
    received = 0;
    let sent = 0;
    const t0 = performance.now();
    const n = m.ports.length;
    const total = Math.round((m.rate * m.ms) / 1000);
    const pump = (): void => {
      const elapsed = performance.now() - t0;
      const due = Math.min(total, Math.floor((elapsed * m.rate) / 1000));
      // at most 64 packets per turn so that replies are read between bursts
      const until = Math.min(due, sent + 64);
      while (sent < until) {
        const i = sent % n;
        send[i % GEN_SOCKETS].send(packet, m.ports[i], HOST);
        sent++;
      }
      if (sent < total) {
        setImmediate(pump);
        return;
      }
      const sendMs = performance.now() - t0;
      setTimeout(() => process.send!({ type: 'result', sent, received, sendMs } satisfies ResultMsg), 300);
    };
    pump();
  });
}

// ---------------------------------------------------------------- relays under test (parent)

interface Contestant {
  name: string;
  /** Sets up `streams` one-way paths gen → relay → gen; returns the relay input port of each. */
  setup(streams: number, gen: HelloMsg): Promise<number[]>;
  teardown(): Promise<void>;
}

function bareRelay(): Contestant {
  let socks: Socket[] = [];
  return {
    name: 'bare dgram relay (reference)',
    async setup(streams, gen) {
      const ports: number[] = [];
      for (let i = 0; i < streams; i++) {
        const inp = await bind();
        const out = await bind();
        const port = gen.recvPorts[i % GEN_SOCKETS];
        inp.on('message', (msg) => out.send(msg, port, HOST));
        socks.push(inp, out);
        ports.push(inp.address().port);
      }
      return ports;
    },
    async teardown() {
      await Promise.all(socks.map((s) => new Promise<void>((r) => s.close(() => r()))));
      socks = [];
    },
  };
}

function ringdRelay(): Contestant {
  const relay = new RtpRelay({ host: HOST, portMin: 20000, portMax: 31999 });
  let eps: RelayEndpoint[] = [];
  return {
    name: 'ringd RtpRelay',
    async setup(streams, gen) {
      const ports: number[] = [];
      for (let i = 0; i < streams; i++) {
        const a = await relay.allocateEndpoint();
        const b = await relay.allocateEndpoint();
        a.setRemote(HOST, gen.sendPorts[i % GEN_SOCKETS]);
        b.setRemote(HOST, gen.recvPorts[i % GEN_SOCKETS]);
        relay.bridge(a, b);
        eps.push(a, b);
        ports.push(a.rtpPort);
      }
      return ports;
    },
    async teardown() {
      for (const e of eps) e.close();
      eps = [];
      await relay.close();
    },
  };
}

interface Trial {
  rate: number;
  streams: number;
  sentPps: number;
  loss: number;
  cpuUsPerPacket: number;
  ok: boolean;
  genLimited: boolean;
}

function runOnGen(gen: ChildProcess, msg: RunMsg): Promise<ResultMsg> {
  return new Promise((resolve) => {
    const on = (m: ResultMsg): void => {
      if (m.type !== 'result') return;
      gen.off('message', on);
      resolve(m);
    };
    gen.on('message', on);
    gen.send(msg);
  });
}

async function trial(gen: ChildProcess, ports: number[], rate: number, ms: number): Promise<Trial> {
  const streams = Math.ceil(rate / STREAM_PPS);
  const cpu0 = process.cpuUsage();
  const r = await runOnGen(gen, { type: 'run', ports: ports.slice(0, streams), rate, ms });
  const cpu = process.cpuUsage(cpu0);
  const loss = r.sent === 0 ? 1 : Math.max(0, (r.sent - r.received) / r.sent);
  const sentPps = (r.sent / r.sendMs) * 1000;
  const genLimited = sentPps < rate * 0.97;
  return {
    rate,
    streams,
    sentPps,
    loss,
    cpuUsPerPacket: r.received > 0 ? (cpu.user + cpu.system) / r.received : 0,
    ok: loss < LOSS_LIMIT && !genLimited,
    genLimited,
  };
}

const START = smoke ? 2_000 : 10_000;
/** Highest rate tried: 2 800 streams keep both relays' sockets (6 per stream) under a 20 000-fd limit. */
const MAX = smoke ? 5_000 : 140_000;
const TRIAL_MS = smoke ? 600 : 3_000;

interface Lane {
  key: string;
  c: Contestant;
  ports: number[];
  good?: Trial;
  bad?: Trial;
}

/** One trial, retried once on failure (other load on the machine can spoil a single trial). */
async function tryRate(gen: ChildProcess, lane: Lane, rate: number): Promise<Trial> {
  let t = await trial(gen, lane.ports, rate, TRIAL_MS);
  log(lane, t);
  if (!t.ok && !smoke) {
    t = await trial(gen, lane.ports, rate, TRIAL_MS);
    log(lane, t);
  }
  return t;
}

function log(lane: Lane, t: Trial): void {
  console.error(
    `  ${lane.c.name}: ${t.rate} pps (${t.streams} streams) → loss ${(t.loss * 100).toFixed(3)} %` +
      `${t.genLimited ? `, generator reached only ${Math.round(t.sentPps)} pps` : ''}` +
      `, ${t.cpuUsPerPacket.toFixed(1)} µs CPU/packet`,
  );
}

/**
 * Both relays are set up side by side and tried in lockstep at the same rates (bare first, then ours, at
 * each rate), so that load from elsewhere on the machine hits both alike. Rates grow ×1.25 until a relay
 * fails twice at a rate; then a bisection narrows each relay's limit to 2 %.
 */
async function searchBoth(gen: ChildProcess, hello: HelloMsg, lanes: Lane[]): Promise<void> {
  for (const lane of lanes) lane.ports = await lane.c.setup(Math.ceil(MAX / STREAM_PPS), hello);
  for (const lane of lanes) await trial(gen, lane.ports, START / 2, smoke ? 200 : 1000); // warm-up
  for (let rate = START; ; rate = Math.min(MAX, Math.round((rate * (smoke ? 2.5 : 1.25)) / 100) * 100)) {
    for (const lane of lanes) {
      if (lane.bad) continue;
      const t = await tryRate(gen, lane, rate);
      if (t.ok) lane.good = t;
      else lane.bad = t;
    }
    if (rate >= MAX || lanes.every((l) => l.bad)) break;
  }
  if (!smoke) {
    for (let i = 0; i < 4; i++) {
      for (const lane of lanes) {
        const { good, bad } = lane;
        if (!good || !bad || bad.rate - good.rate <= good.rate * 0.02) continue;
        const t = await tryRate(gen, lane, Math.round((good.rate + bad.rate) / 2 / 100) * 100);
        if (t.ok) lane.good = t;
        else lane.bad = t;
      }
    }
  }
  for (const lane of lanes) await lane.c.teardown();
}

async function main(): Promise<void> {
  const gen = fork(fileURLToPath(import.meta.url), ['--generator'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const hello = await new Promise<HelloMsg>((resolve) => gen.once('message', (m: HelloMsg) => resolve(m)));
  const lanes: Lane[] = [
    { key: 'rtp_bare_pps', c: bareRelay(), ports: [] },
    { key: 'rtp_relay_pps', c: ringdRelay(), ports: [] },
  ];
  await searchBoth(gen, hello, lanes);
  const results = lanes.map((l) => ({ key: l.key, name: l.c.name, best: l.good, capped: !l.bad }));
  gen.send({ type: 'exit' });

  const w = Math.max(...results.map((r) => r.name.length));
  console.log(
    `${'relay'.padEnd(w)}  packets/s at <0.1% loss  streams  loss      CPU µs/packet  (172-byte packets, 50 pps streams)`,
  );
  for (const r of results) {
    const b = r.best;
    console.log(
      `${r.name.padEnd(w)}  ${String(b ? Math.round(b.rate).toLocaleString('en-US') : '-').padStart(22)}  ` +
        `${String(b?.streams ?? '-').padStart(7)}  ${b ? (b.loss * 100).toFixed(3).padStart(6) + ' %' : '-'}  ` +
        `${b ? b.cpuUsPerPacket.toFixed(1).padStart(13) : '-'}`,
    );
  }
  const bare = results[0].best?.rate ?? 0;
  const ours = results[1].best?.rate ?? 0;
  for (const r of results) {
    if (r.capped) console.log(`(${r.name} reached the highest rate tried, ${MAX} pps: a lower bound)`);
  }
  console.log('');
  console.log(`rtp_relay_pps=${ours}`);
  console.log(`rtp_bare_pps=${bare}`);
  console.log(`rtp_ratio=${bare > 0 ? (ours / bare).toFixed(2) : 0}`);
  console.log(`rtp_relay_cpu_us_per_packet=${results[1].best?.cpuUsPerPacket.toFixed(2) ?? 0}`);
}

if (argv.includes('--generator')) await generator();
else await main();
