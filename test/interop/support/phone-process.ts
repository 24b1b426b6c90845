/**
 * What a phone process in an interop test needs besides its own driver (baresip.ts, linphone.ts): a bounded
 * stop by process id, a SIP port pair free on UDP and TCP, and a slot of RTP ports no other phone — in this
 * process or another test process — is using (lock files under the temp directory).
 */
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

/** Sends SIGTERM, then SIGKILL when the process has not exited after `graceMs`; waits for exit (bounded). */
export async function killBounded(
  child: ChildProcess,
  exited: Promise<void>,
  graceMs = 2_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  if (await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)])) return;
  signal('SIGKILL');
  await Promise.race([exited, sleep(2_000)]);
}

/** A port free on UDP+TCP whose successor is free on TCP too (baresip listens TLS on port+1). */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const p = await freePort();
    if (p < 65535 && (await tcpFree(p + 1))) return p;
  }
  throw new Error('no free SIP port pair on 127.0.0.1');
}

/** Phones take RTP ports from 20000–29999 (below Linux's ephemeral range), in slots of 10. */
const RTP_FIRST = 20_000;
const RTP_SLOT = 10;
const RTP_SLOTS = 1_000;
const RTP_LOCKS = join(tmpdir(), 'ringd-rtp-slots');

/** A reserved RTP port range; `release()` frees it for other phones. */
export interface RtpReservation {
  range: [number, number];
  release(): void;
}

/**
 * Reserves 10 consecutive UDP ports in 20000–29999 for one phone, across processes: phones bind RTP only
 * when a call starts (and linphone may share a port with SO_REUSEADDR), so probing is not enough and
 * parallel test files would hand two phones the same range. A slot is a lock file `<tmp>/ringd-rtp-slots/
 * <n>` created exclusively, holding the owner's pid; a slot whose owner is dead is taken over. The ports are
 * also probed free (something else may use them).
 */
export async function reserveRtpPorts(): Promise<RtpReservation> {
  mkdirSync(RTP_LOCKS, { recursive: true });
  const start = Math.floor(Math.random() * RTP_SLOTS);
  for (let i = 0; i < RTP_SLOTS; i++) {
    const slot = (start + i) % RTP_SLOTS;
    const lock = join(RTP_LOCKS, String(slot));
    if (!tryLock(lock)) continue;
    const lo = RTP_FIRST + slot * RTP_SLOT;
    let free = true;
    for (let p = lo; p < lo + RTP_SLOT && free; p++) free = await udpFree(p);
    if (!free) {
      rmSync(lock, { force: true });
      continue;
    }
    let released = false;
    return {
      range: [lo, lo + RTP_SLOT - 1],
      release: () => {
        if (!released) rmSync(lock, { force: true });
        released = true;
      },
    };
  }
  throw new Error('no free RTP port slot in 20000-29999');
}

function tryLock(lock: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return true;
    } catch {
      let owner = NaN;
      try {
        owner = Number(readFileSync(lock, 'utf8'));
      } catch {
        continue; // released meanwhile: try again
      }
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) return false;
      rmSync(lock, { force: true }); // stale: its owner died without releasing
    }
  }
  return false;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const u = createSocket('udp4');
    u.once('error', () => resolve(false));
    u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
  });
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** Resolves after `ms` (test-side helper; never used in state machines). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
