/**
 * A small SIP user agent over UDP for benchmarks (not ringd's stack: an independent client, so what it
 * measures is what a phone sees on the wire): REGISTER and INVITE with digest (MD5, qop=auth, RFC 2617 /
 * RFC 3261 §22), ACK, BYE, answering the server's in-dialog BYE with 200, retransmissions of requests
 * (Timer A/E style, doubling from 500 ms) until a response comes. Messages are matched by the top Via
 * branch (responses) and by Call-ID (in-dialog requests). One socket per UA; many calls in parallel.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

/** A parsed SIP message (just what a UA needs). */
export interface SipMessage {
  /** Status code of a response, 0 for a request. */
  status: number;
  reason: string;
  method: string;
  uri: string;
  headers: Map<string, string[]>;
  body: string;
  raw: string;
}

const COMPACT: Record<string, string> = {
  i: 'call-id',
  v: 'via',
  f: 'from',
  t: 'to',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
};

/** Parses one SIP message (UDP datagram); undefined when it is not one. */
export function parseSip(buf: Buffer): SipMessage | undefined {
  const raw = buf.toString('utf8');
  const end = raw.indexOf('\r\n\r\n');
  const head = end >= 0 ? raw.slice(0, end) : raw;
  const body = end >= 0 ? raw.slice(end + 4) : '';
  const lines = head.split('\r\n');
  const first = lines[0] ?? '';
  const headers = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    let name = line.slice(0, colon).trim().toLowerCase();
    name = COMPACT[name] ?? name;
    const list = headers.get(name) ?? [];
    list.push(line.slice(colon + 1).trim());
    headers.set(name, list);
  }
  const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(first);
  if (m) return { status: Number(m[1]), reason: m[2], method: '', uri: '', headers, body, raw };
  const r = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(first);
  if (r) return { status: 0, reason: '', method: r[1], uri: r[2], headers, body, raw };
  return undefined;
}

export function header(m: SipMessage, name: string): string {
  return m.headers.get(name)?.[0] ?? '';
}

function branchOf(via: string): string {
  return /;\s*branch=([^;,\s]+)/i.exec(via)?.[1] ?? '';
}

function cseqMethod(m: SipMessage): string {
  return header(m, 'cseq').split(/\s+/)[1] ?? '';
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const token = (n = 8) => randomBytes(n).toString('hex');

/** The `Authorization`/`Proxy-Authorization` value answering a Digest challenge (MD5, qop=auth if offered). */
export function digestAnswer(
  challenge: string,
  o: { user: string; password: string; method: string; uri: string },
): string {
  const param = (k: string) =>
    new RegExp(`${k}="([^"]*)"`, 'i').exec(challenge)?.[1] ??
    new RegExp(`${k}=([^,\\s]+)`, 'i').exec(challenge)?.[1];
  const realm = param('realm') ?? '';
  const nonce = param('nonce') ?? '';
  const opaque = param('opaque');
  const qops = (param('qop') ?? '').split(',').map((q) => q.trim());
  const ha1 = md5(`${o.user}:${realm}:${o.password}`);
  const ha2 = md5(`${o.method}:${o.uri}`);
  const parts = [`username="${o.user}"`, `realm="${realm}"`, `nonce="${nonce}"`, `uri="${o.uri}"`];
  if (qops.includes('auth')) {
    const cnonce = token(4);
    const nc = '00000001';
    parts.push(
      `response="${md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`)}"`,
      'qop=auth',
      `nc=${nc}`,
      `cnonce="${cnonce}"`,
    );
  } else {
    parts.push(`response="${md5(`${ha1}:${nonce}:${ha2}`)}"`);
  }
  parts.push('algorithm=MD5');
  if (opaque !== undefined) parts.push(`opaque="${opaque}"`);
  return `Digest ${parts.join(',')}`;
}

/** The result of one client transaction: the final response. */
interface Pending {
  resolve: (m: SipMessage) => void;
  onProvisional?: (m: SipMessage) => void;
  data: Buffer;
  timer: NodeJS.Timeout | undefined;
  interval: number;
  gotResponse: boolean;
}

/** An established or early dialog of an INVITE this UA sent. */
export interface Dialog {
  callId: string;
  fromTag: string;
  toHeader: string;
  fromHeader: string;
  remoteTarget: string;
  cseq: number;
}

/** How an INVITE of {@link SipUa.invite} ended. */
export interface InviteResult {
  /** The final response to the (authenticated) INVITE. */
  final: SipMessage;
  /** `process.hrtime.bigint()` when the authenticated INVITE was first sent, and when its final came. */
  sentAt: bigint;
  finalAt: bigint;
  /** Set when the final was a 2xx (ACKed already). */
  dialog?: Dialog;
}

export interface UaOptions {
  /** `host:port` of the server (requests go there, responses come from there). */
  server: string;
  domain: string;
  user: string;
  password: string;
  /** Local port (0 = any). */
  port?: number;
}

/** An audio offer or answer (PCMU, PCMA, telephone-event) at 127.0.0.1:`port`. */
export const SDP = (port: number) =>
  [
    'v=0',
    `o=bench ${Date.now()} 1 IN IP4 127.0.0.1`,
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0 8 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=sendrecv',
    '',
  ].join('\r\n');

/** A UA on one UDP socket. */
export class SipUa {
  readonly socket: Socket;
  private readonly pending = new Map<string, Pending>();
  /** Dialogs by Call-ID, to answer the server's BYE (and re-send ACK for a retransmitted 2xx). */
  private readonly dialogs = new Map<string, { dialog: Dialog; ack?: Buffer; onBye?: () => void }>();
  private readonly host: string;
  private readonly remotePort: number;
  port = 0;
  /** In-dialog requests the UA did not expect (answered 481). */
  strays = 0;

  private constructor(readonly o: UaOptions) {
    const [host, port] = o.server.split(':');
    this.host = host;
    this.remotePort = Number(port);
    this.socket = createSocket({ type: 'udp4', recvBufferSize: 8 << 20, sendBufferSize: 8 << 20 });
    this.socket.on('message', (buf) => this.onMessage(buf));
  }

  static async open(o: UaOptions): Promise<SipUa> {
    const ua = new SipUa(o);
    await new Promise<void>((resolve, reject) => {
      ua.socket.once('error', reject);
      ua.socket.bind(o.port ?? 0, '127.0.0.1', () => {
        ua.socket.off('error', reject);
        resolve();
      });
    });
    ua.port = ua.socket.address().port;
    return ua;
  }

  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    try {
      this.socket.close();
    } catch {
      /* closed */
    }
  }

  private send(data: Buffer): void {
    this.socket.send(data, this.remotePort, this.host);
  }

  /** Sends a request and resolves with its final response; retransmits until a response arrives. */
  private request(
    data: Buffer,
    branch: string,
    onProvisional?: (m: SipMessage) => void,
  ): Promise<SipMessage> {
    return new Promise((resolve) => {
      const p: Pending = {
        resolve,
        onProvisional,
        data,
        timer: undefined,
        interval: 500,
        gotResponse: false,
      };
      const retransmit = () => {
        if (p.gotResponse) return;
        this.send(p.data);
        p.interval = Math.min(p.interval * 2, 4000);
        p.timer = setTimeout(retransmit, p.interval);
      };
      this.pending.set(branch, p);
      this.send(data);
      p.timer = setTimeout(retransmit, p.interval);
    });
  }

  private onMessage(buf: Buffer): void {
    const m = parseSip(buf);
    if (!m) return;
    if (m.status > 0) {
      const branch = branchOf(header(m, 'via'));
      const p = this.pending.get(branch);
      if (!p) {
        // A retransmitted 2xx of an INVITE already answered: ACK it again (RFC 3261 §13.2.2.4).
        if (m.status >= 200 && m.status < 300 && cseqMethod(m) === 'INVITE') {
          const d = this.dialogs.get(header(m, 'call-id'));
          if (d?.ack) this.send(d.ack);
        }
        return;
      }
      p.gotResponse = true;
      clearTimeout(p.timer);
      if (m.status < 200) {
        p.onProvisional?.(m);
        return;
      }
      this.pending.delete(branch);
      p.resolve(m);
      return;
    }
    // A request from the server: BYE of one of our dialogs (200), anything else in a dialog 200, else 481.
    const callId = header(m, 'call-id');
    const d = this.dialogs.get(callId);
    const status = d ? 200 : m.method === 'ACK' ? 0 : 481;
    if (m.method === 'ACK' || status === 0) return;
    if (!d) this.strays++;
    const resp = [
      `SIP/2.0 ${status} ${status === 200 ? 'OK' : 'Call/Transaction Does Not Exist'}`,
      ...(m.headers.get('via') ?? []).map((v) => `Via: ${v}`),
      `From: ${header(m, 'from')}`,
      `To: ${header(m, 'to')}`,
      `Call-ID: ${callId}`,
      `CSeq: ${header(m, 'cseq')}`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    this.send(Buffer.from(resp));
    if (m.method === 'BYE' && d) {
      this.dialogs.delete(callId);
      d.onBye?.();
    }
  }

  /** REGISTER `contact` (default this UA's address) with digest; resolves with the final status. */
  async register(contact?: string, user = this.o.user, password = this.o.password): Promise<number> {
    const callId = `${token()}@bench`;
    const fromTag = token(4);
    const uri = `sip:${this.o.domain}`;
    const build = (cseq: number, branch: string, auth?: string) =>
      Buffer.from(
        [
          `REGISTER ${uri} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport`,
          `From: <sip:${user}@${this.o.domain}>;tag=${fromTag}`,
          `To: <sip:${user}@${this.o.domain}>`,
          `Call-ID: ${callId}`,
          `CSeq: ${cseq} REGISTER`,
          `Contact: <${contact ?? `sip:${user}@127.0.0.1:${this.port}`}>`,
          'Expires: 3600',
          'Max-Forwards: 70',
          ...(auth ? [`Authorization: ${auth}`] : []),
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      );
    const b1 = `z9hG4bK${token()}`;
    const r1 = await this.request(build(1, b1), b1);
    if (r1.status !== 401 && r1.status !== 407) return r1.status;
    const challenge = header(r1, r1.status === 401 ? 'www-authenticate' : 'proxy-authenticate');
    const auth = digestAnswer(challenge, { user, password, method: 'REGISTER', uri });
    const b2 = `z9hG4bK${token()}`;
    return (await this.request(build(2, b2, auth), b2)).status;
  }

  /**
   * INVITE `number` with digest: INVITE → 407 → ACK → INVITE with Proxy-Authorization → final. A 2xx is
   * ACKed at once and its dialog kept (the server's BYE is answered; `onBye` is called then); a non-2xx
   * final is ACKed as well. `onProvisional` sees the authenticated INVITE's 1xx.
   */
  async invite(
    number: string,
    o: {
      onProvisional?: (m: SipMessage) => void;
      onBye?: () => void;
      mediaPort?: number;
      /** Awaited between the 407 and the authenticated INVITE (e.g. to send two pickers' at once). */
      beforeAuth?: () => Promise<void>;
    } = {},
  ): Promise<InviteResult> {
    const callId = `${token()}@bench`;
    const fromTag = token(4);
    const uri = `sip:${number}@${this.o.domain}`;
    const from = `<sip:${this.o.user}@${this.o.domain}>;tag=${fromTag}`;
    const sdp = SDP(o.mediaPort ?? 9);
    const build = (cseq: number, branch: string, auth?: string) =>
      Buffer.from(
        [
          `INVITE ${uri} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport`,
          `From: ${from}`,
          `To: <${uri}>`,
          `Call-ID: ${callId}`,
          `CSeq: ${cseq} INVITE`,
          `Contact: <sip:${this.o.user}@127.0.0.1:${this.port}>`,
          'Max-Forwards: 70',
          ...(auth ? [`Proxy-Authorization: ${auth}`] : []),
          'Content-Type: application/sdp',
          `Content-Length: ${Buffer.byteLength(sdp)}`,
          '',
          sdp,
        ].join('\r\n'),
      );
    const nonDialogAck = (cseq: number, branch: string, to: string) =>
      Buffer.from(
        [
          `ACK ${uri} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport`,
          `From: ${from}`,
          `To: ${to}`,
          `Call-ID: ${callId}`,
          `CSeq: ${cseq} ACK`,
          'Max-Forwards: 70',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      );
    const b1 = `z9hG4bK${token()}`;
    let sentAt = process.hrtime.bigint();
    let final = await this.request(build(1, b1), b1);
    let cseq = 1;
    let branch = b1;
    if (final.status === 407 || final.status === 401) {
      this.send(nonDialogAck(1, b1, header(final, 'to')));
      const challenge = header(final, final.status === 407 ? 'proxy-authenticate' : 'www-authenticate');
      const auth = digestAnswer(challenge, {
        user: this.o.user,
        password: this.o.password,
        method: 'INVITE',
        uri,
      });
      cseq = 2;
      branch = `z9hG4bK${token()}`;
      // Register the dialog before sending: the 200 may beat the promise's continuation.
      const entry: { dialog: Dialog; ack?: Buffer; onBye?: () => void } = {
        dialog: { callId, fromTag, toHeader: '', fromHeader: from, remoteTarget: '', cseq: 2 },
        onBye: o.onBye,
      };
      this.dialogs.set(callId, entry);
      await o.beforeAuth?.();
      sentAt = process.hrtime.bigint();
      final = await this.request(build(2, branch, auth), branch, o.onProvisional);
    }
    const finalAt = process.hrtime.bigint();
    if (final.status >= 300) {
      this.dialogs.delete(callId);
      this.send(nonDialogAck(cseq, branch, header(final, 'to')));
      return { final, sentAt, finalAt };
    }
    const contact = /<([^>]+)>/.exec(header(final, 'contact'))?.[1] ?? header(final, 'contact');
    const dialog: Dialog = {
      callId,
      fromTag,
      toHeader: header(final, 'to'),
      fromHeader: from,
      remoteTarget: contact || uri,
      cseq,
    };
    const ack = Buffer.from(
      [
        `ACK ${dialog.remoteTarget} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK${token()};rport`,
        `From: ${from}`,
        `To: ${dialog.toHeader}`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} ACK`,
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    this.dialogs.set(callId, { dialog, ack, onBye: o.onBye });
    this.send(ack);
    return { final, sentAt, finalAt, dialog };
  }

  /** BYE in `dialog`; resolves with the final status. */
  async bye(dialog: Dialog): Promise<number> {
    this.dialogs.delete(dialog.callId);
    const branch = `z9hG4bK${token()}`;
    const req = Buffer.from(
      [
        `BYE ${dialog.remoteTarget} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport`,
        `From: ${dialog.fromHeader}`,
        `To: ${dialog.toHeader}`,
        `Call-ID: ${dialog.callId}`,
        `CSeq: ${dialog.cseq + 1} BYE`,
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    return (await this.request(req, branch)).status;
  }

  /** Dialogs still open (answered calls not yet hung up). */
  get openDialogs(): number {
    return this.dialogs.size;
  }
}
