/**
 * A SIP phone on 127.0.0.1 built on ringd's own SIP core, for end-to-end tests against a real ringd: it
 * registers with digest (401 → REGISTER with Authorization), calls an extension with digest (407 → INVITE
 * with Proxy-Authorization), and answers incoming calls (180, then 200 with an SDP answer).
 */
import { DigestClient } from '../../src/sip/auth/index.ts';
import { systemClock } from '../../src/sip/clock.ts';
import { randomIds } from '../../src/sip/ids.ts';
import type { Endpoint, SipResponse } from '../../src/sip/message/index.ts';
import { SipTransportLayer } from '../../src/sip/transport/index.ts';
import { UserAgent, type Session } from '../../src/sip/ua/index.ts';

export interface SipPhoneOptions {
  user: string;
  password: string;
  domain: string;
  /** ringd's SIP address (registrar and outbound proxy). */
  proxy: Endpoint;
  /** Port of the (fake) RTP stream this phone announces in its SDP. */
  rtpPort: number;
}

export interface SipPhone {
  ua: UserAgent;
  /** Sessions this phone answered. */
  answered: Session[];
  /** REGISTER with digest; resolves with the final status. */
  register(expires?: number): Promise<number>;
  /** Calls `extension` with digest; resolves with the session once answered (rejects on a failure). */
  call(extension: string): Promise<Session>;
  close(): Promise<void>;
}

function sdp(port: number): string {
  return (
    [
      'v=0',
      `o=phone 1000 1 IN IP4 127.0.0.1`,
      's=call',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${port} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=sendrecv',
    ].join('\r\n') + '\r\n'
  );
}

export async function startSipPhone(o: SipPhoneOptions): Promise<SipPhone> {
  const transport = new SipTransportLayer({ host: '127.0.0.1', udpPort: 0, tcpPort: 0 });
  await transport.listen();
  const answered: Session[] = [];
  const digest = new DigestClient({ ids: randomIds });
  const aor = `sip:${o.user}@${o.domain}`;
  const ua = new UserAgent({
    transport,
    clock: systemClock,
    ids: randomIds,
    contactUser: o.user,
    delegate: {
      onInvite(invite) {
        invite.progress(180);
        setTimeout(() => {
          const s = invite.accept({ body: sdp(o.rtpPort) });
          if (s) answered.push(s);
        }, 20);
      },
    },
  });

  const authorization = (res: SipResponse, method: string, uri: string): [string, string] | undefined => {
    const www = res.getAll('WWW-Authenticate');
    const proxy = res.getAll('Proxy-Authenticate');
    const challenge = www.length > 0 ? www : proxy;
    if (challenge.length === 0) return undefined;
    const value = digest.authorize({ challenge, method, uri, username: o.user, password: o.password });
    return [www.length > 0 ? 'Authorization' : 'Proxy-Authorization', value];
  };

  return {
    ua,
    answered,
    async register(expires = 300) {
      const uri = `sip:${o.domain}`;
      const opts = {
        uri,
        destination: o.proxy,
        from: `<${aor}>`,
        to: `<${aor}>`,
        headers: [['Expires', String(expires)]] as Array<[string, string]>,
      };
      let res = await ua.request('REGISTER', opts);
      const auth = res.status === 401 ? authorization(res, 'REGISTER', uri) : undefined;
      if (auth) res = await ua.request('REGISTER', { ...opts, headers: [...opts.headers, auth] });
      return res.status;
    },
    call(extension) {
      const uri = `sip:${extension}@${o.domain}`;
      const attempt = (headers: Array<[string, string]>, retry: boolean) =>
        new Promise<Session>((resolve, reject) => {
          const out = ua.invite({
            uri,
            destination: o.proxy,
            from: `<${aor}>`,
            body: sdp(o.rtpPort),
            headers,
          });
          out.onAnswer = (session) => resolve(session);
          out.onFailure = (f) => {
            const auth =
              retry && f.response && f.status === 407 ? authorization(f.response, 'INVITE', uri) : undefined;
            if (auth) attempt([auth], false).then(resolve, reject);
            else reject(new Error(`call to ${extension} failed: ${f.status} (${f.cause})`));
          };
        });
      return attempt([], true);
    },
    async close() {
      ua.close();
      await transport.close();
    },
  };
}
