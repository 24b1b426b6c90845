/**
 * Where the RFC 4475 torture messages live: `RINGD_RFC4475_DIR`, else `../shared/rfc4475` beside the
 * checkout (the workplace layout), else `/work/shared/rfc4475` (the same files, for a clone made elsewhere,
 * e.g. in /tmp). The corpus tests fail loudly when none exists.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const candidates = [
  process.env.RINGD_RFC4475_DIR,
  resolve(import.meta.dirname, '../../../shared/rfc4475'),
  '/work/shared/rfc4475',
].filter((d): d is string => Boolean(d));

export const RFC4475_DIR = candidates.find((d) => existsSync(d)) ?? candidates[0];
