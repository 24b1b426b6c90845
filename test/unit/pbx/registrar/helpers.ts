/** Shared set-up of the registrar suites: a real store and directory, a stub or real authenticator. */
import { createDirectory, type Directory } from '../../../../src/directory/index.ts';
import type { DeviceAuthenticator } from '../../../../src/pbx/auth/types.ts';
import {
  Registrar,
  type RegistrarOptions,
  type RegistrationChange,
} from '../../../../src/pbx/registrar/registrar.ts';
import { sequentialIds } from '../../../../src/sip/ids.ts';
import { SipRequest, type SipResponse } from '../../../../src/sip/message/index.ts';
import { FakeClock } from '../../../../src/sip/testing/index.ts';
import type { ServerTransaction } from '../../../../src/sip/transaction/index.ts';
import type { InboundMessage } from '../../../../src/sip/transport/types.ts';
import { openStore } from '../../../../src/store/index.ts';
import type { Store } from '../../../../src/store/index.ts';

export const T0 = Date.parse('2025-03-01T12:00:00Z');
export const DOMAIN = 'acme.example.com';

export interface RegisterOptions {
  contacts?: string[];
  expires?: number | string;
  callId?: string;
  cseq?: number;
  source?: { address: string; port: number; transport?: string };
  headers?: Array<[string, string]>;
  user?: string;
}

export interface Env {
  clock: FakeClock;
  store: Store;
  dir: Directory;
  customerId: string;
  deviceId: string;
  /** A second device of the same tenant. */
  otherDeviceId: string;
  reg: Registrar;
  changes: RegistrationChange[];
  /** Sends a REGISTER (as `user`, default alice) and resolves with the answer once the registrar is idle. */
  register(o?: RegisterOptions): Promise<SipResponse>;
  /** A new registrar over the same store (as after a restart), loaded. */
  restart(opts?: Partial<RegistrarOptions>): Promise<Registrar>;
  close(): Promise<void>;
}

/** Stub authenticator: accepts whoever the From user names (tests of the registrar rules, not of digest). */
function stubAuth(dir: Directory, customerId: string): DeviceAuthenticator {
  return {
    check(req) {
      const tenant = dir.cache.tenant(customerId)!;
      const device = dir.cache.deviceBySipUsername(customerId, req.from.uri.user ?? '');
      if (device === undefined)
        return { ok: false, status: 403, reason: 'Forbidden', headers: [], cause: 'unknown-user' };
      return { ok: true, tenant, device };
    },
  };
}

export async function openEnv(opts: Partial<RegistrarOptions> = {}): Promise<Env> {
  const clock = new FakeClock(T0);
  const store = await openStore({ url: 'sqlite::memory:' });
  const dir = await createDirectory({ store, now: () => clock.now() });
  const t = await dir.customers.create({ name: 'Acme', domain: DOMAIN });
  const d = await dir.devices.create(t.id, {
    name: 'Alice',
    sip_username: 'alice',
    sip_password: 'alice-secret-1',
  });
  const d2 = await dir.devices.create(t.id, {
    name: 'Bob',
    sip_username: 'bob',
    sip_password: 'bob-secret-12',
  });
  let n = 0;
  const make = (o: Partial<RegistrarOptions>) =>
    new Registrar({
      auth: stubAuth(dir, t.id),
      store,
      clock,
      ids: sequentialIds('r'),
      now: () => clock.now(),
      newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
      directory: dir,
      ...o,
    });
  const registrars: Registrar[] = [];
  const reg = make(opts);
  registrars.push(reg);
  await reg.load();
  const changes: RegistrationChange[] = [];
  reg.onChange((c) => changes.push(c));
  let seq = 0;
  const env: Env = {
    clock,
    store,
    dir,
    customerId: t.id,
    deviceId: d.id,
    otherDeviceId: d2.id,
    reg,
    changes,
    async register(o = {}) {
      const user = o.user ?? 'alice';
      const cseq = o.cseq ?? ++seq;
      const headers: Array<[string, string]> = [
        ['Via', `SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-${++seq};rport`],
        ['From', `<sip:${user}@${DOMAIN}>;tag=ft${seq}`],
        ['To', `<sip:${user}@${DOMAIN}>`],
        ['Call-ID', o.callId ?? 'call-A'],
        ['CSeq', `${cseq} REGISTER`],
        ['User-Agent', 'TestPhone/1.0'],
      ];
      for (const c of o.contacts ?? []) headers.push(['Contact', c]);
      if (o.expires !== undefined) headers.push(['Expires', String(o.expires)]);
      headers.push(...(o.headers ?? []));
      const req = new SipRequest('REGISTER', `sip:${DOMAIN}`, headers);
      const responses: SipResponse[] = [];
      const txn = { respond: (r: SipResponse) => (responses.push(r), true) } as unknown as ServerTransaction;
      const src = o.source ?? { address: '203.0.113.7', port: 40001 };
      const inbound = {
        message: req,
        source: { transport: src.transport ?? 'UDP', address: src.address, port: src.port },
        local: { transport: 'UDP', address: '198.51.100.1', port: 5060 },
      } as InboundMessage;
      const handled = env.reg.handle(req, txn, inbound);
      if (!handled) throw new Error('REGISTER not handled');
      await env.reg.idle();
      if (responses.length !== 1) throw new Error(`expected one response, got ${responses.length}`);
      return responses[0];
    },
    async restart(o = {}) {
      const r = make(o);
      registrars.push(r);
      await r.load();
      return r;
    },
    async close() {
      for (const r of registrars) {
        await r.idle();
        r.close();
      }
      await store.close();
    },
  };
  return env;
}

/** The Contact values of a response. */
export const contactsOf = (res: SipResponse): string[] => res.getAll('contact');
