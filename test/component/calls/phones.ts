/**
 * The phones and stand-ins of the call-engine harness (`harness.ts`): SIP phones as UAs on the fake network,
 * their SDP, a device authenticator that can challenge, and registrar bindings set by the test.
 */
import type { DeviceEntry } from '../../../src/directory/contract.ts';
import type { Directory } from '../../../src/directory/index.ts';
import type { AuthOutcome, DeviceAuthenticator } from '../../../src/pbx/auth/types.ts';
import type { Binding, RegistrarLookup, SourceAddress } from '../../../src/pbx/registrar/types.ts';
import { sequentialIds } from '../../../src/sip/ids.ts';
import type { SipRequest } from '../../../src/sip/message/index.ts';
import type { FakeTransportLayer } from '../../../src/sip/testing/index.ts';
import {
  UserAgent,
  type IncomingInvite,
  type OutgoingInvite,
  type Session,
} from '../../../src/sip/ua/index.ts';
import type { Harness } from './harness.ts';

export const DOMAIN = 'acme.example';
export const RINGD = '10.0.0.10';

/** An SDP offer as a phone sends it. */
export function phoneSdp(
  addr: string,
  port: number,
  opts: { codecs?: string; direction?: string; version?: number } = {},
): string {
  const codecs = opts.codecs ?? '0 8 101';
  const maps: Record<string, string> = {
    '0': 'a=rtpmap:0 PCMU/8000',
    '8': 'a=rtpmap:8 PCMA/8000',
    '18': 'a=rtpmap:18 G729/8000',
    '101': 'a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16',
  };
  return (
    [
      'v=0',
      `o=phone 1000 ${opts.version ?? 1} IN IP4 ${addr}`,
      's=call',
      `c=IN IP4 ${addr}`,
      't=0 0',
      `m=audio ${port} RTP/AVP ${codecs}`,
      ...codecs.split(' ').map((c) => maps[c] ?? `a=rtpmap:${c} X/8000`),
      `a=${opts.direction ?? 'sendrecv'}`,
    ].join('\r\n') + '\r\n'
  );
}

/** How a phone answers INVITEs. */
export type Behaviour = 'answer' | 'ring' | 'busy' | 'decline' | 'silent' | ((inv: IncomingInvite) => void);

/** A SIP phone on the fake network. */
export class Phone {
  readonly ua: UserAgent;
  readonly transport: FakeTransportLayer;
  readonly invites: IncomingInvite[] = [];
  /** Sessions established as callee. */
  readonly sessions: Session[] = [];
  behaviour: Behaviour = 'answer';
  /** Ports of the SDP this phone sends. */
  readonly rtpPort: number;

  constructor(
    readonly h: Harness,
    readonly name: string,
    readonly address: string,
    /** The tenant domain it calls from (its From host) and dials at. */
    readonly domain = DOMAIN,
  ) {
    this.transport = h.net.attach({ address });
    this.rtpPort = 40000 + Number(address.split('.')[3]) * 10;
    this.ua = new UserAgent({
      transport: this.transport,
      clock: h.clock,
      ids: sequentialIds(`${name}-`),
      contactUser: name,
      delegate: { onInvite: (inv) => this.onInvite(inv) },
    });
  }

  get sdp(): string {
    return phoneSdp(this.address, this.rtpPort);
  }

  private onInvite(inv: IncomingInvite): void {
    this.invites.push(inv);
    const b = this.behaviour;
    if (typeof b === 'function') return b(inv);
    if (b === 'silent') return;
    if (b === 'busy') return inv.reject(486, 'Busy Here');
    if (b === 'decline') return inv.reject(603, 'Decline');
    inv.progress(180);
    if (b === 'answer') this.answer(inv);
  }

  /** Answers an INVITE with this phone's SDP. */
  answer(inv: IncomingInvite, sdp = this.sdp): Session | undefined {
    const s = inv.accept({ body: sdp });
    if (s) this.sessions.push(s);
    return s;
  }

  /** Calls `dialed` at the tenant through ringd. */
  call(
    dialed: string,
    opts: { body?: string; headers?: Array<[string, string]>; host?: string } = {},
  ): OutgoingInvite {
    return this.ua.invite({
      uri: `sip:${dialed}@${opts.host ?? this.domain}`,
      destination: { transport: 'UDP', address: RINGD, port: 5060 },
      from: `"${this.name}" <sip:${this.name}@${this.domain}>`,
      body: opts.body ?? this.sdp,
      headers: opts.headers,
    });
  }
}

/** Outcome of a call as the calling phone sees it. */
export interface CallerView {
  out: OutgoingInvite;
  progress: number[];
  session?: Session;
  answerBody?: string;
  failure?: number;
  ended: string[];
}

/** Devices that challenge their first INVITE when `challenge` is set (a stand-in for DeviceAuth). */
export class FakeAuth implements DeviceAuthenticator {
  challenge = false;
  readonly seen: SourceAddress[] = [];
  constructor(private readonly dir: () => Directory) {}
  check(req: SipRequest, source: SourceAddress, proxy: boolean): AuthOutcome {
    this.seen.push(source);
    const cache = this.dir().cache;
    const tenant = cache.tenantByDomain(req.from.uri.host);
    if (!tenant) return { ok: false, status: 404, reason: 'Not Found', headers: [], cause: 'unknown-domain' };
    const device = cache.deviceBySipUsername(tenant.id, req.from.uri.user ?? '');
    if (!device) return { ok: false, status: 403, reason: 'Forbidden', headers: [], cause: 'unknown-user' };
    if (this.challenge && !req.has('Proxy-Authorization')) {
      return {
        ok: false,
        status: proxy ? 407 : 401,
        reason: 'Proxy Authentication Required',
        headers: [['Proxy-Authenticate', `Digest realm="${tenant.domain}", nonce="abc", qop="auth"`]],
        cause: 'challenge',
      };
    }
    return { ok: true, tenant, device };
  }
}

/** Bindings set by the test. */
export class FakeRegistrar implements RegistrarLookup {
  readonly bindings = new Map<string, Binding[]>();
  register(customerId: string, device: DeviceEntry, phone: Phone): void {
    const list = this.bindings.get(device.id) ?? [];
    list.push({
      customerId,
      deviceId: device.id,
      contact: `sip:${phone.name}@${phone.address}:5060`,
      source: { address: phone.address, port: 5060, transport: 'UDP' },
      expiresAt: Number.MAX_SAFE_INTEGER,
      userAgent: 'test-phone',
      callId: `reg-${phone.name}`,
      cseq: 1,
      q: 1,
    });
    this.bindings.set(device.id, list);
  }
  contactsOf(_customerId: string, deviceId: string): readonly Binding[] {
    return this.bindings.get(deviceId) ?? [];
  }
}
