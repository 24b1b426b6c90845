/**
 * The background load of bench:pickup, run as its own process (so it does not share an event loop with
 * the measuring picker): `count` caller calls at `rate` calls/s from one device with digest, call k to
 * `numbers[k % numbers.length]`; each rings until it is picked up (200 → ACK; the server's BYE → 200) or
 * fails. A SIPp UAC cannot do this: its digest `uri` is one fixed `-auth_uri`, and ringd checks it against
 * the Request-URI (RFC 3261 §22.4), so one SIPp caller cannot dial 1 000 numbers.
 *
 * Input: a JSON argument `{ server, domain, user, password, numbers, count, rate }`. Output over the IPC
 * channel: `{ type: 'progress', sent, ringing, answered, byes, failed: { status: n } }` every 250 ms and
 * on `{ type: 'report' }`; it exits on `{ type: 'stop' }` (or when its parent goes).
 */
import { SipUa } from './sip-ua.ts';

interface Config {
  server: string;
  domain: string;
  user: string;
  password: string;
  numbers: string[];
  count: number;
  rate: number;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as Config;
const ua = await SipUa.open({
  server: cfg.server,
  domain: cfg.domain,
  user: cfg.user,
  password: cfg.password,
});
let sent = 0;
let ringing = 0;
let answered = 0;
let byes = 0;
const failed: Record<string, number> = {};

const report = () =>
  process.send?.({ type: 'progress', sent, ringing, answered, byes, failed, strays: ua.strays });

function one(k: number): void {
  sent++;
  let rang = false;
  ua.invite(cfg.numbers[k % cfg.numbers.length], {
    onProvisional: (m) => {
      if (m.status === 180 || m.status === 183) {
        if (!rang) ringing++;
        rang = true;
      }
    },
    onBye: () => byes++,
  }).then(
    (r) => {
      if (rang) ringing--;
      if (r.final.status < 300) answered++;
      else failed[r.final.status] = (failed[r.final.status] ?? 0) + 1;
    },
    () => {
      failed.error = (failed.error ?? 0) + 1;
    },
  );
}

// Paced in 10 ms ticks: rate/100 calls each tick (carrying the fraction), so the rate holds on average.
const start = Date.now();
const tick = setInterval(() => {
  const due = Math.min(cfg.count, Math.floor(((Date.now() - start) / 1000) * cfg.rate));
  while (sent < due) one(sent);
  if (sent >= cfg.count) clearInterval(tick);
}, 10);
const progress = setInterval(report, 250);

process.on('message', (m: { type: string }) => {
  if (m.type === 'report') report();
  if (m.type === 'stop') {
    clearInterval(tick);
    clearInterval(progress);
    report();
    ua.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
