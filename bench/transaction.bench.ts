/**
 * Transaction-layer benchmark: complete non-INVITE transactions per second between two
 * `TransactionLayer`s (a UAC sending OPTIONS, a UAS answering 200) linked by a minimal in-memory
 * transport. Messages cross the "wire" as bytes (serialize + parseMessage), except in the `objects`
 * line, which hands the message objects over directly to show the cost of the layer alone.
 *
 *   npm run bench:txn              full run (warm-up, 7 rounds, median)
 *   npm run bench:txn -- --smoke   CI smoke run (about a second)
 *
 * Lines: `tcp` = reliable transport, real clock (`systemClock`: Timer F armed and cleared per
 * transaction, J/K = 0); `udp` = unreliable transport on a virtual clock (E, F, J, K armed; virtual time
 * advances 100 ms per batch so Timers J/K keep firing and the number of live transactions stays bounded).
 */
import { systemClock } from '../src/sip/clock.ts';
import type { Clock } from '../src/sip/clock.ts';
import { randomIds } from '../src/sip/ids.ts';
import { createResponse, parseMessage, SipRequest } from '../src/sip/message/index.ts';
import type { Endpoint, SipResponse } from '../src/sip/message/index.ts';
import { FakeClock } from '../src/sip/testing/index.ts';
import { TransactionLayer } from '../src/sip/transaction/index.ts';
import type { ClientTransactionListener, TransactionUser } from '../src/sip/transaction/index.ts';
import type { InboundMessage, TransportError, TransportLayer } from '../src/sip/transport/types.ts';

const smoke = process.argv.includes('--smoke');
const ROUNDS = smoke ? 3 : 7;
const ROUND_MS = smoke ? 50 : 300;
const WARMUP_MS = smoke ? 150 : 500;
const BATCH = 100;

/** A queued delivery between the two in-memory endpoints. */
interface Delivery {
  to: MemoryTransport;
  msg: SipRequest | SipResponse;
  source: Endpoint;
}

/** The "wire": a FIFO pumped until empty after each batch. */
class MemoryWire {
  readonly queue: Delivery[] = [];
  constructor(readonly bytes: boolean) {}
  pump(): void {
    // index-based FIFO: deliveries add to the queue while it is drained
    for (let i = 0; i < this.queue.length; i++) {
      const d = this.queue[i];
      d.to.onMessage({ message: d.msg, source: d.source, local: d.to.local });
    }
    this.queue.length = 0;
  }
}

/** Minimal TransportLayer: one peer, no Via stamping, responses go to the peer. */
class MemoryTransport implements TransportLayer {
  onMessage: (m: InboundMessage) => void = () => {};
  onError: (err: TransportError) => void = () => {};
  peer!: MemoryTransport;
  readonly local: Endpoint;
  constructor(
    private readonly wire: MemoryWire,
    address: string,
    private readonly transport: 'UDP' | 'TCP',
  ) {
    this.local = { transport, address, port: 5060 };
  }
  localEndpoint(): Endpoint {
    return this.local;
  }
  isReliable(transport: string): boolean {
    return transport !== 'UDP';
  }
  sendRequest(req: SipRequest): Buffer | undefined {
    return this.put(req);
  }
  sendResponse(res: SipResponse): Buffer | undefined {
    return this.put(res);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  /** Queues the message for the peer; the bytes when they were made (the "bytes" scenarios). */
  private put(msg: SipRequest | SipResponse): Buffer | undefined {
    const bytes = this.wire.bytes ? msg.toBuffer() : undefined;
    this.wire.queue.push({ to: this.peer, msg: bytes ? parseMessage(bytes) : msg, source: this.local });
    return bytes;
  }
}

interface Scenario {
  name: string;
  transport: 'UDP' | 'TCP';
  bytes: boolean;
}

/** Builds the two layers and returns a function running one batch of BATCH transactions. */
function build(s: Scenario): { batch: () => number; finish: () => void } {
  const wire = new MemoryWire(s.bytes);
  const uacT = new MemoryTransport(wire, '10.0.0.1', s.transport);
  const uasT = new MemoryTransport(wire, '10.0.0.2', s.transport);
  uacT.peer = uasT;
  uasT.peer = uacT;
  const fake = s.transport === 'UDP' ? new FakeClock() : undefined;
  const clock: Clock = fake ?? systemClock;
  const uas: TransactionUser = {
    onRequest(req, txn) {
      txn.respond(createResponse(req, 200, undefined, { toTag: 'uas1' }));
    },
    onCancel() {},
    onAck() {},
    onStrayResponse() {},
  };
  const uac: TransactionUser = { onRequest() {}, onCancel() {}, onAck() {}, onStrayResponse() {} };
  const a = new TransactionLayer({ transport: uacT, clock, ids: randomIds, user: uac });
  const b = new TransactionLayer({ transport: uasT, clock, ids: randomIds, user: uas });
  let finals = 0;
  const listener: ClientTransactionListener = {
    onFinal() {
      finals++;
    },
  };
  const dest: Endpoint = { transport: s.transport, address: '10.0.0.2', port: 5060 };
  let seq = 1;
  const callId = randomIds.callId();
  const batch = (): number => {
    const before = finals;
    for (let i = 0; i < BATCH; i++) {
      const req = new SipRequest('OPTIONS', 'sip:bob@10.0.0.2', [
        ['Max-Forwards', '70'],
        ['From', '<sip:alice@example.com>;tag=uac1'],
        ['To', '<sip:bob@example.com>'],
        ['Call-ID', callId],
        ['CSeq', `${seq++} OPTIONS`],
        ['Accept', 'application/sdp'],
        ['Content-Length', '0'],
      ]);
      a.sendRequest(req, dest, listener);
    }
    wire.pump();
    fake?.advance(100);
    return finals - before;
  };
  const finish = (): void => {
    fake?.runUntilIdle();
    const sa = a.stats();
    const sb = b.stats();
    a.close();
    b.close();
    if (!fake) return;
    if (sa.clientNonInvite + sb.serverNonInvite + sa.timers + sb.timers !== 0) {
      throw new Error(`transactions left behind: ${JSON.stringify({ sa, sb })}`);
    }
  };
  return { batch, finish };
}

function runFor(ms: number, batch: () => number): { n: number; elapsed: number } {
  const t0 = performance.now();
  let n = 0;
  let elapsed = 0;
  do {
    n += batch();
    elapsed = performance.now() - t0;
  } while (elapsed < ms);
  return { n, elapsed };
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

const scenarios: Array<Scenario & { key: string }> = [
  { key: 'txn_non_invite_per_s', name: 'OPTIONS/200, TCP, bytes on the wire', transport: 'TCP', bytes: true },
  {
    key: 'txn_non_invite_udp_per_s',
    name: 'OPTIONS/200, UDP (virtual clock), bytes',
    transport: 'UDP',
    bytes: true,
  },
  {
    key: 'txn_non_invite_objects_per_s',
    name: 'OPTIONS/200, TCP, objects (no parse)',
    transport: 'TCP',
    bytes: false,
  },
];

const results: Array<{ key: string; name: string; rate: number }> = [];
for (const s of scenarios) {
  const { batch, finish } = build(s);
  runFor(WARMUP_MS, batch);
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const { n, elapsed } = runFor(ROUND_MS, batch);
    rates.push((n / elapsed) * 1000);
  }
  finish();
  results.push({ key: s.key, name: s.name, rate: median(rates) });
}

const width = Math.max(...results.map((r) => r.name.length));
console.log(`${'scenario'.padEnd(width)}  transactions/s (median of ${ROUNDS})`);
for (const r of results)
  console.log(`${r.name.padEnd(width)}  ${Math.round(r.rate).toLocaleString('en-US')}`);
console.log('');
for (const r of results) console.log(`${r.key}=${Math.round(r.rate)}`);
