/**
 * SIP endpoints of the test process itself on one UDP socket each, for the pickup races that need the exact
 * tick a message leaves in (the test decides it, not a SIPp process): a ringing member ({@link WireMember})
 * and a caller ({@link WireCaller}), each keeping a trace of every message both ways.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { SDP, digestAnswer, header, parseSip, type SipMessage } from '../../../bench/support/sip-ua.ts';

/** One line of a {@link WireUa}'s trace: what went out (`>`) or came in (`<`), first line and Reason. */
export interface WireLine {
  dir: '>' | '<';
  msg: SipMessage;
}

const BOUND_MS = 8_000;
const tokenOf = (n = 6) => randomBytes(n).toString('hex');
const branchOf = (m: SipMessage) => /;\s*branch=([^;,\s]+)/i.exec(header(m, 'via'))?.[1] ?? '';
const cseqOf = (m: SipMessage) => header(m, 'cseq').split(/\s+/)[1] ?? '';

/**
 * A SIP endpoint of this process on one UDP socket, for the races that need the exact tick a message
 * leaves in (the test decides it, not a SIPp process): a trace of every message both ways, and waits on
 * it. Subclasses play a ringing member ({@link WireMember}) or a caller ({@link WireCaller}).
 */
abstract class WireUa {
  readonly trace: WireLine[] = [];
  port = 0;
  private readonly socket: Socket = createSocket('udp4');
  private waiters: Array<() => void> = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  protected constructor(protected readonly server: { host: string; port: number }) {
    this.socket.on('message', (buf, rinfo) => {
      const m = parseSip(buf);
      if (!m) return;
      this.trace.push({ dir: '<', msg: m });
      this.onMessage(m, { host: rinfo.address, port: rinfo.port });
      for (const w of this.waiters) w();
    });
  }

  protected async bind(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(port, '127.0.0.1', () => {
        this.socket.off('error', reject);
        resolve();
      });
    });
    this.port = this.socket.address().port;
  }

  protected abstract onMessage(m: SipMessage, from: { host: string; port: number }): void;

  protected send(text: string, to = this.server): void {
    const m = parseSip(Buffer.from(text));
    if (m) this.trace.push({ dir: '>', msg: m });
    this.socket.send(text, to.port, to.host);
  }

  /** Sends `text` now and again (500 ms doubling) until `done()` says so, bounded. */
  protected retransmit(text: string, done: () => boolean, to = this.server): void {
    this.send(text, to);
    let interval = 500;
    let total = 0;
    const tick = () => {
      if (done() || total > BOUND_MS) return;
      this.send(text, to);
      total += interval;
      interval = Math.min(interval * 2, 4_000);
      this.later(tick, interval);
    };
    this.later(tick, interval);
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** The first received message matching `match` (already received or still to come), bounded. */
  waitFor(match: (m: SipMessage) => boolean, what: string, ms = BOUND_MS): Promise<SipMessage> {
    const found = () => this.trace.find((l) => l.dir === '<' && match(l.msg))?.msg;
    const now = found();
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = found();
        if (!m) return;
        done();
        resolve(m);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what}: nothing within ${ms} ms; wire: ${this.wire()}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      this.waiters.push(check);
    });
  }

  /** The requests received, in order, without retransmissions (e.g. `INVITE, CANCEL, ACK, BYE`). */
  requestsIn(): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const { dir, msg } of this.trace) {
      if (dir !== '<' || msg.status !== 0) continue;
      const key = `${msg.method} ${header(msg, 'cseq')} ${branchOf(msg)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(msg.method);
    }
    return out;
  }

  /** The trace as one line, for failure messages and reports. */
  wire(): string {
    return this.trace
      .map(({ dir, msg }) => {
        const what = msg.status ? `${msg.status} ${msg.reason} (${cseqOf(msg)})` : msg.method;
        const reason = header(msg, 'reason');
        return `${dir} ${what}${reason ? ` [Reason: ${reason}]` : ''}`;
      })
      .join(', ');
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    try {
      this.socket.close();
    } catch {
      /* closed */
    }
  }
}

function responseTo(
  req: SipMessage,
  status: number,
  reason: string,
  extra: string[] = [],
  body = '',
): string {
  return [
    `SIP/2.0 ${status} ${reason}`,
    ...(req.headers.get('via') ?? []).map((v) => `Via: ${v}`),
    ...extra,
    `Call-ID: ${header(req, 'call-id')}`,
    `CSeq: ${header(req, 'cseq')}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

/**
 * A ring-group member on the port its device registered from: INVITE → 180, then {@link answer} sends 200
 * (retransmitted until ACK) at the moment the test chooses; a CANCEL gets 200, and 487 if it came before
 * the answer; an in-dialog BYE gets 200; {@link bye} hangs up itself.
 */
export class WireMember extends WireUa {
  private invite?: SipMessage;
  private from?: { host: string; port: number };
  private readonly tag = tokenOf(4);
  private answered = false;
  private cancelled = false;
  private acked = false;

  static async open(server: string, port: number): Promise<WireMember> {
    const [host, p] = server.split(':');
    const ua = new WireMember({ host, port: Number(p) });
    await ua.bind(port);
    return ua;
  }

  private toWithTag(): string {
    return `${header(this.invite!, 'to')};tag=${this.tag}`;
  }

  protected onMessage(m: SipMessage, from: { host: string; port: number }): void {
    if (m.status !== 0) return; // only our BYE's 200: seen in the trace
    if (m.method === 'INVITE') {
      if (this.invite && header(this.invite, 'call-id') !== header(m, 'call-id')) return;
      const first = !this.invite;
      this.invite = m;
      this.from = from;
      if (first || !this.answered) this.send(responseTo(m, 180, 'Ringing', this.dialogHeaders(m)), from);
      return;
    }
    if (m.method === 'ACK') {
      this.acked = true;
      return;
    }
    if (m.method === 'CANCEL') {
      this.send(responseTo(m, 200, 'OK', [`From: ${header(m, 'from')}`, `To: ${header(m, 'to')}`]), from);
      if (!this.answered && !this.cancelled) {
        this.cancelled = true;
        this.send(
          responseTo(this.invite!, 487, 'Request Terminated', this.dialogHeaders(this.invite!)),
          from,
        );
      }
      return;
    }
    // BYE or anything else in the dialog
    this.send(responseTo(m, 200, 'OK', [`From: ${header(m, 'from')}`, `To: ${header(m, 'to')}`]), from);
  }

  private dialogHeaders(invite: SipMessage): string[] {
    return [
      `From: ${header(invite, 'from')}`,
      `To: ${header(invite, 'to')};tag=${this.tag}`,
      `Contact: <sip:member@127.0.0.1:${this.port}>`,
    ];
  }

  /** Waits for ringd's INVITE (bounded). */
  async invited(ms = BOUND_MS): Promise<void> {
    await this.waitFor((m) => m.method === 'INVITE', 'the member gets an INVITE', ms);
  }

  /** Sends the 200 now (unless a CANCEL came first: then false), retransmitted until ACK (or a BYE). */
  answer(): boolean {
    if (this.cancelled || !this.invite) return false;
    this.answered = true;
    const body = SDP(this.port + 2);
    const ok = responseTo(
      this.invite,
      200,
      'OK',
      [...this.dialogHeaders(this.invite), 'Content-Type: application/sdp'],
      body,
    );
    this.retransmit(ok, () => this.acked || this.requestsIn().includes('BYE'), this.from);
    return true;
  }

  /** BYE in the answered dialog; resolves with the final status (bounded). */
  async bye(): Promise<number> {
    const inv = this.invite!;
    const target = /<([^>]+)>/.exec(header(inv, 'contact'))?.[1] ?? inv.uri;
    const branch = `z9hG4bK${tokenOf()}`;
    const req = [
      `BYE ${target} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport`,
      `From: ${this.toWithTag()}`,
      `To: ${header(inv, 'from')}`,
      `Call-ID: ${header(inv, 'call-id')}`,
      'CSeq: 1 BYE',
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const matches = (m: SipMessage) => m.status >= 200 && branchOf(m) === branch;
    this.retransmit(req, () => this.trace.some((l) => l.dir === '<' && matches(l.msg)), this.from);
    return (await this.waitFor(matches, "the member's BYE is answered")).status;
  }
}

/**
 * The caller, dialing with digest from a port of its own: {@link call} resolves at its 180; {@link cancel}
 * sends CANCEL at the moment the test chooses. A 487 is ACKed; a 200 of the INVITE is ACKed and — when the
 * caller had cancelled — hung up at once with BYE (RFC 3261 §9.1); a BYE from ringd gets 200.
 */
export class WireCaller extends WireUa {
  private readonly callId = `${tokenOf()}@wire`;
  private readonly fromHeader: string;
  private readonly uri: string;
  private branch = '';
  private cseq = 1;
  private cancelledAt = false;
  private dialog?: { to: string; target: string };

  private constructor(
    server: { host: string; port: number },
    private readonly o: { domain: string; user: string; password: string; number: string },
  ) {
    super(server);
    this.fromHeader = `<sip:${o.user}@${o.domain}>;tag=${tokenOf(4)}`;
    this.uri = `sip:${o.number}@${o.domain}`;
  }

  static async open(
    server: string,
    o: { domain: string; user: string; password: string; number: string },
  ): Promise<WireCaller> {
    const [host, p] = server.split(':');
    const ua = new WireCaller({ host, port: Number(p) }, o);
    await ua.bind(0);
    return ua;
  }

  private inviteText(auth?: string): string {
    const body = SDP(this.port + 2);
    return [
      `INVITE ${this.uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${this.branch};rport`,
      `From: ${this.fromHeader}`,
      `To: <${this.uri}>`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${this.cseq} INVITE`,
      `Contact: <sip:${this.o.user}@127.0.0.1:${this.port}>`,
      'Max-Forwards: 70',
      ...(auth ? [`Proxy-Authorization: ${auth}`] : []),
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
  }

  private plain(method: string, cseq: number, to: string, branch = this.branch, uri = this.uri): string {
    return [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport`,
      `From: ${this.fromHeader}`,
      `To: ${to}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${cseq} ${method}`,
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  }

  private isInviteResponse(m: SipMessage, min = 100): boolean {
    return m.status >= min && cseqOf(m) === 'INVITE' && branchOf(m) === this.branch;
  }

  protected onMessage(m: SipMessage): void {
    if (m.status === 0) {
      if (m.method !== 'ACK')
        this.send(responseTo(m, 200, 'OK', [`From: ${header(m, 'from')}`, `To: ${header(m, 'to')}`]));
      return;
    }
    if (cseqOf(m) !== 'INVITE' || m.status < 200 || header(m, 'cseq').split(/\s+/)[0] !== String(this.cseq))
      return;
    if (m.status >= 300) {
      this.send(this.plain('ACK', this.cseq, header(m, 'to')));
      return;
    }
    const first = !this.dialog;
    const target = /<([^>]+)>/.exec(header(m, 'contact'))?.[1] ?? this.uri;
    this.dialog = { to: header(m, 'to'), target };
    this.send(this.plain('ACK', this.cseq, this.dialog.to, `z9hG4bK${tokenOf()}`, target));
    if (first && this.cancelledAt) void this.bye();
  }

  /** INVITE → 407 → ACK → INVITE with digest; resolves at the 180 (bounded). */
  async call(): Promise<void> {
    this.branch = `z9hG4bK${tokenOf()}`;
    this.retransmit(this.inviteText(), () =>
      this.trace.some((l) => l.dir === '<' && this.isInviteResponse(l.msg)),
    );
    const challenge = await this.waitFor((m) => this.isInviteResponse(m, 200), 'the caller is challenged');
    assert.equal(challenge.status, 407, `the caller is challenged: ${this.wire()}`);
    const auth = digestAnswer(header(challenge, 'proxy-authenticate'), {
      user: this.o.user,
      password: this.o.password,
      method: 'INVITE',
      uri: this.uri,
    });
    this.branch = `z9hG4bK${tokenOf()}`;
    this.cseq = 2;
    this.retransmit(this.inviteText(auth), () =>
      this.trace.some((l) => l.dir === '<' && this.isInviteResponse(l.msg)),
    );
    await this.waitFor((m) => this.isInviteResponse(m) && m.status === 180, 'the caller hears ringing');
  }

  /** CANCEL of the ringing INVITE, now; retransmitted until answered. */
  cancel(): void {
    this.cancelledAt = true;
    const text = this.plain('CANCEL', this.cseq, `<${this.uri}>`);
    this.retransmit(text, () =>
      this.trace.some((l) => l.dir === '<' && l.msg.status >= 200 && cseqOf(l.msg) === 'CANCEL'),
    );
  }

  /** The INVITE's final response (bounded). */
  final(ms = BOUND_MS): Promise<SipMessage> {
    return this.waitFor(
      (m) => this.isInviteResponse(m, 200),
      "the caller's INVITE gets a final response",
      ms,
    );
  }

  /** The CANCEL's response (bounded). */
  cancelAnswer(ms = BOUND_MS): Promise<SipMessage> {
    return this.waitFor(
      (m) => m.status >= 200 && cseqOf(m) === 'CANCEL',
      "the caller's CANCEL is answered",
      ms,
    );
  }

  /** BYE in the answered dialog; resolves with its final status (bounded). */
  async bye(): Promise<number> {
    const d = this.dialog!;
    const branch = `z9hG4bK${tokenOf()}`;
    const req = this.plain('BYE', this.cseq + 1, d.to, branch, d.target);
    const matches = (m: SipMessage) => m.status >= 200 && branchOf(m) === branch;
    this.retransmit(req, () => this.trace.some((l) => l.dir === '<' && matches(l.msg)));
    return (await this.waitFor(matches, "the caller's BYE is answered")).status;
  }
}
