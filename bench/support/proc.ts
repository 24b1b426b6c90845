/** CPU time of processes from /proc (Linux): what a server spent, next to what it achieved. */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function stat(pid: number, tid?: number): { ppid: number; cpuTicks: number } | undefined {
  try {
    const text = readFileSync(
      tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`,
      'utf8',
    );
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // after "pid (comm) ": state(0) ppid(1) … utime(11) stime(12)
    return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** utime+stime of one process, in ms. */
export function cpuMsOf(pid: number): number {
  const s = stat(pid);
  return s ? (s.cpuTicks * 1000) / TICKS_PER_SECOND : 0;
}

/** utime+stime of a process's main thread only (for Node.js: the event loop, without GC/compiler helpers), in ms. */
export function mainThreadCpuMsOf(pid: number): number {
  const s = stat(pid, pid);
  return s ? (s.cpuTicks * 1000) / TICKS_PER_SECOND : 0;
}

/** utime+stime of a process and its direct children (e.g. Kamailio's workers), in ms. */
export function cpuMsOfTree(pid: number): number {
  let ticks = stat(pid)?.cpuTicks ?? 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s && s.ppid === pid) ticks += s.cpuTicks;
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** Resident set size of a process in bytes. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
