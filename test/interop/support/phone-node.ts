/**
 * A ringd process provisioned for real-phone tests: one tenant (`phones.ringd.test`), one user + device per
 * phone with a `user` callflow on its extension, and a customer API key. ringd's media ports are kept apart
 * from the phones' RTP ranges (20000–29999, see baresip.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDirectory } from '../../../src/directory/index.ts';
import { openStore } from '../../../src/store/index.ts';
import { startRingdProcess, type RingdProcess } from '../../support/ringd-process.ts';

export const PHONE_DOMAIN = 'phones.ringd.test';

export interface PhoneAccount {
  user: string;
  extension: string;
  password: string;
}

export interface PhoneNode {
  ringd: RingdProcess;
  /** `127.0.0.1:<sip port>`, the phones' outbound proxy / registrar. */
  sipAddress: string;
  domain: string;
  apiKey: string;
  accounts: Map<string, PhoneAccount>;
  /** GET a REST path with the tenant's key. */
  get<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

export async function startPhoneNode(phones: Array<{ user: string; extension: string }>): Promise<PhoneNode> {
  const dir = mkdtempSync(join(tmpdir(), 'ringd-phones-'));
  const store = await openStore({ url: `sqlite:${join(dir, 'ringd.db')}` });
  const accounts = new Map<string, PhoneAccount>();
  let apiKey = '';
  try {
    const directory = await createDirectory({ store });
    const c = await directory.customers.create({ name: 'Phones', domain: PHONE_DOMAIN });
    for (const p of phones) {
      const password = `pw-${p.user}-1234`;
      const user = await directory.users.create(c.id, { name: p.user });
      await directory.devices.create(c.id, {
        name: `${p.user}'s phone`,
        owner_id: user.id,
        sip_username: p.user,
        sip_password: password,
      });
      await directory.callflows.create(c.id, {
        numbers: [p.extension],
        flow: { module: 'user', data: { id: user.id } },
      });
      accounts.set(p.user, { user: p.user, extension: p.extension, password });
    }
    apiKey = (await directory.accessKeys.create(c.id, 'customer', 'interop')).key;
  } finally {
    await store.close();
  }
  const ringd = await startRingdProcess({
    RINGD_DATA_DIR: dir,
    RINGD_RTP_PORT_MIN: '40000',
    RINGD_RTP_PORT_MAX: '44999',
    RINGD_LOG_LEVEL: 'warn',
  });
  return {
    ringd,
    sipAddress: `127.0.0.1:${ringd.sipPort}`,
    domain: PHONE_DOMAIN,
    apiKey,
    accounts,
    async get<T>(path: string): Promise<T> {
      const res = await fetch(`${ringd.http}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
      return (await res.json()) as T;
    },
    async stop() {
      await ringd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
