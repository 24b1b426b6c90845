/**
 * The minimal UAS and UAC built on ringd's SIP core that the interop and conformance tests drive:
 * - UAS: OPTIONS → 200; INVITE → 100 (transaction layer) / 180 / 200 with SDP, ACK, BYE → 200;
 *   CANCEL → 200 + 487; REGISTER → a small open registrar that challenges (401, Digest) any request
 *   carrying credentials it cannot verify, and answers 400 when To is not a SIP/SIPS AOR.
 * - Fault injection on the real transport: drop the first N inbound or outbound messages matching a
 *   predicate, to prove retransmissions on both sides.
 */
import { DigestServer, computeHa1 } from '../../src/sip/auth/index.ts';
import { systemClock } from '../../src/sip/clock.ts';
import { randomIds } from '../../src/sip/ids.ts';
import { createResponse } from '../../src/sip/message/index.ts';
import type { Endpoint, SipRequest, SipResponse } from '../../src/sip/message/index.ts';
import { SipTransportLayer } from '../../src/sip/transport/index.ts';
import type {
  InboundMessage,
  SentMessage,
  TransportError,
  TransportLayer,
} from '../../src/sip/transport/index.ts';
import { UserAgent, type IncomingInvite, type Session } from '../../src/sip/ua/index.ts';

/** A message predicate for fault injection. */
export type MessageMatch = (m: SipRequest | SipResponse) => boolean;

/** Wraps a transport, dropping chosen messages (each rule fires `count` times). */
export class LossyTransport implements TransportLayer {
  onMessage: (m: InboundMessage) => void = () => {};
  onError: (err: TransportError) => void = () => {};
  private readonly inRules: Array<{ match: MessageMatch; left: number }> = [];
  private readonly outRules: Array<{ match: MessageMatch; left: number }> = [];
  /** Every message we sent, in order (for assertions). */
  readonly sent: Array<SipRequest | SipResponse> = [];
  /** Every message we received and passed up, in order. */
  readonly received: Array<SipRequest | SipResponse> = [];
  dropped = 0;

  constructor(readonly inner: SipTransportLayer) {
    inner.onMessage = (m) => {
      if (this.take(this.inRules, m.message)) return;
      this.received.push(m.message);
      this.onMessage(m);
    };
    inner.onError = (e) => this.onError(e);
  }

  dropInbound(match: MessageMatch, count = 1): void {
    this.inRules.push({ match, left: count });
  }
  dropOutbound(match: MessageMatch, count = 1): void {
    this.outRules.push({ match, left: count });
  }
  localEndpoint(transport: string): Endpoint {
    return this.inner.localEndpoint(transport);
  }
  isReliable(transport: string): boolean {
    return this.inner.isReliable(transport);
  }
  sendRequest(req: SipRequest, dest: Endpoint): Buffer | undefined {
    this.sent.push(req);
    return this.take(this.outRules, req) ? undefined : this.inner.sendRequest(req, dest);
  }
  sendResponse(res: SipResponse, connectionId?: number): Buffer | undefined {
    this.sent.push(res);
    return this.take(this.outRules, res) ? undefined : this.inner.sendResponse(res, connectionId);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  private take(rules: Array<{ match: MessageMatch; left: number }>, m: SipRequest | SipResponse): boolean {
    for (const r of rules) {
      if (r.left > 0 && r.match(m)) {
        r.left--;
        this.dropped++;
        return true;
      }
    }
    return false;
  }
}

const ANSWER_SDP = [
  'v=0',
  'o=ringd 1 1 IN IP4 127.0.0.1',
  's=ringd',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  '',
].join('\r\n');

export interface TestUaOptions {
  /** Delay before 180 Ringing, ms (default 0). */
  ringAfterMs?: number;
  /** Delay between 180 and 200, ms (default 20); `null`: never answer (ring until cancelled). */
  answerAfterMs?: number | null;
  /** Registrar users that must authenticate (username → password). */
  users?: Record<string, string>;
  realm?: string;
  /** Capture of every message the transport sends (see `SipTransportLayerOptions.observer`). */
  observer?: (sent: SentMessage) => void;
}

/** A running test UA on 127.0.0.1 (UDP and TCP on the same OS-chosen port when possible). */
export interface TestUa {
  ua: UserAgent;
  transport: LossyTransport;
  port: number;
  tcpPort: number;
  /** Sessions established as UAS, and those that ended. */
  sessions: Session[];
  ended: string[];
  /** Registered contacts by AOR. */
  bindings: Map<string, string[]>;
  close(): Promise<void>;
}

/** Starts the test UA (UAS behaviour described in the module comment; usable as a UAC through `ua`). */
export async function startTestUa(o: TestUaOptions = {}): Promise<TestUa> {
  const inner = new SipTransportLayer({ host: '127.0.0.1', udpPort: 0, tcpPort: 0, observer: o.observer });
  await inner.listen();
  const transport = new LossyTransport(inner);
  const clock = systemClock;
  const digest = new DigestServer({ realm: o.realm ?? 'ringd.test', clock, ids: randomIds });
  const users = o.users ?? {};
  const sessions: Session[] = [];
  const ended: string[] = [];
  const bindings = new Map<string, string[]>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const ua: UserAgent = new UserAgent({
    transport,
    clock,
    ids: randomIds,
    capabilities: {
      methods: new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'UPDATE', 'REGISTER']),
    },
    contactUser: 'test-uas',
    delegate: {
      onInvite(invite: IncomingInvite) {
        later(o.ringAfterMs ?? 0, () => {
          invite.progress(180);
          const answerAfter = o.answerAfterMs === undefined ? 20 : o.answerAfterMs;
          if (answerAfter === null) return;
          later(answerAfter, () => {
            const s = invite.accept({ body: ANSWER_SDP });
            if (s === undefined) return;
            sessions.push(s);
            s.onEnd = (cause) => ended.push(cause);
          });
        });
      },
      onRequest(req, txn) {
        if (req.method !== 'REGISTER') return false;
        txn.respond(register(req));
        return true;
      },
    },
  });

  function register(req: SipRequest): SipResponse {
    const to = req.to.uri;
    if (to.scheme !== 'sip' && to.scheme !== 'sips') return createResponse(req, 400, 'Invalid AOR');
    const user = to.user ?? '';
    const credentials = req.getAll('Authorization');
    if (credentials.length > 0 || users[user] !== undefined) {
      const result = digest.verify({
        method: req.method,
        uri: req.uriText,
        credentials,
        lookupHa1: (u, realm, alg) =>
          users[u] === undefined ? undefined : computeHa1(alg, u, realm, users[u]),
      });
      if (!result.ok) {
        const ch = digest.challenge({ stale: result.reason === 'stale' });
        return createResponse(req, 401, 'Unauthorized', {
          toTag: randomIds.tag(),
          headers: ch.values.map((v) => [ch.header, v] as [string, string]),
        });
      }
    }
    const aor = `${to.scheme}:${user}@${to.host.toLowerCase()}`;
    const contacts = req.getAll('Contact');
    if (contacts.some((c) => c.trim() === '*')) bindings.delete(aor);
    else if (contacts.length > 0)
      bindings.set(aor, [...new Set([...(bindings.get(aor) ?? []), ...contacts])]);
    const res = createResponse(req, 200, 'OK', { toTag: randomIds.tag() });
    for (const c of bindings.get(aor) ?? []) res.append('Contact', c);
    return res;
  }

  return {
    ua,
    transport,
    port: inner.udpPort,
    tcpPort: inner.tcpPort,
    sessions,
    ended,
    bindings,
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      ua.close();
      await transport.close();
    },
  };
}
