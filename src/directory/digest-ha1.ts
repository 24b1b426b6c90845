/**
 * Device credentials as stored: digest HA1 = hash of `username:realm:password` (RFC 7616 §3.4.2), for
 * MD5 and SHA-256, lower-case hex. The realm is the tenant's domain, so a domain change would invalidate
 * every stored HA1 (the customers service refuses it while devices exist). The password itself is never
 * stored. (The same computation lives in `src/sip/auth/ha1.ts`; the layering rule keeps them apart.)
 */
import { createHash } from 'node:crypto';

export interface DeviceHa1 {
  ha1_md5: string;
  ha1_sha256: string;
}

/** HA1 of one credential for both stored algorithms. */
export function deviceHa1(username: string, realm: string, password: string): DeviceHa1 {
  const text = `${username}:${realm}:${password}`;
  return {
    ha1_md5: createHash('md5').update(text, 'utf8').digest('hex'),
    ha1_sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
  };
}
