/**
 * Access keys in memory (api.md "Auth"): key text `rk_<prefix>_<secret>`, where the prefix is 10 hex
 * characters (public, shown in lists) and the secret 32 random bytes in base64url. Only the SHA-256 of
 * the whole key is kept; `authenticate` hashes the presented key and compares in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AccessKeyRow } from '../../store/rows.ts';
import type { Principal } from '../contract.ts';

const KEY_PATTERN = /^rk_([0-9a-f]{10})_([A-Za-z0-9_-]{43})$/;

/** SHA-256 hex of a key text (what is stored). */
export function hashAccessKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A fresh key: its text, public prefix and stored hash. */
export function newAccessKey(random: (bytes: number) => Buffer = randomBytes): {
  key: string;
  prefix: string;
  hash: string;
} {
  const prefix = random(5).toString('hex');
  const key = `rk_${prefix}_${random(32).toString('base64url')}`;
  return { key, prefix, hash: hashAccessKey(key) };
}

interface KeyEntry {
  id: string;
  role: 'admin' | 'customer';
  customerId: string;
  hash: Buffer;
}

export class AccessKeyIndex {
  private readonly byPrefix = new Map<string, KeyEntry>();
  private readonly prefixOf = new Map<string, string>();

  set(row: AccessKeyRow): void {
    this.remove(row.id);
    this.byPrefix.set(row.key_prefix, {
      id: row.id,
      role: row.role,
      customerId: row.customer_id,
      hash: Buffer.from(row.key_hash, 'hex'),
    });
    this.prefixOf.set(row.id, row.key_prefix);
  }

  remove(id: string): void {
    const prefix = this.prefixOf.get(id);
    if (prefix === undefined) return;
    this.byPrefix.delete(prefix);
    this.prefixOf.delete(id);
  }

  /** Drops every key of a tenant (the tenant was deleted). */
  removeCustomer(customerId: string): void {
    for (const [prefix, e] of this.byPrefix) {
      if (e.customerId === customerId) {
        this.byPrefix.delete(prefix);
        this.prefixOf.delete(e.id);
      }
    }
  }

  /** The principal of a key text; undefined when malformed, unknown or revoked. */
  authenticate(key: string): Principal | undefined {
    const m = KEY_PATTERN.exec(key);
    if (!m) return undefined;
    const entry = this.byPrefix.get(m[1]);
    if (!entry) return undefined;
    const presented = Buffer.from(hashAccessKey(key), 'hex');
    if (presented.length !== entry.hash.length || !timingSafeEqual(presented, entry.hash)) return undefined;
    return { keyId: entry.id, role: entry.role, customerId: entry.customerId };
  }
}
