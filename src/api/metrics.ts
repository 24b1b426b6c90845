/**
 * `GET /metrics` (api.md "Operations"): ringd's figures in the Prometheus text format, built on prom-client.
 * Every gauge and counter is read from the layers' own counters when scraped (`collect`), so nothing is
 * added to the SIP, call or RTP hot paths; only the pickup latency is observed as it happens.
 *
 * - calls by state (`ringd_call_legs{state}`: every leg's record status), call sessions, groupcalls;
 * - pickups by result (`ringd_pickups_total{result}`), lost claim races, and the pickup latency — the
 *   picker's INVITE received to its 200 OK sent — as the histogram `ringd_pickup_latency_seconds`;
 * - SIP messages by direction and method (`ringd_sip_requests_total`) or response class
 *   (`ringd_sip_responses_total`), inbound messages dropped or refused by the transport, transaction events
 *   (`ringd_sip_transaction_events_total{event="timeout"}` and retransmissions), live transactions;
 * - RTP packets relayed, live endpoints and bound sockets; registrations;
 * - Node's own process metrics, event loop lag included (`nodejs_eventloop_lag_seconds`).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PickupStats } from '../pbx/pickup/pickup-engine.ts';
import { COUNTED_METHODS, type SipMessageCounts } from '../sip/transport/index.ts';

/** Where the figures come from (each read at scrape time). */
export interface MetricSources {
  /** Legs by record status, and totals of the call engine. */
  calls(): { sessions: number; groupcalls: number; legsByState: Record<string, number> };
  pickups(): PickupStats;
  sip: SipMessageCounts;
  /** Transaction events so far, by event name. */
  transactionEvents: Readonly<Record<string, number>>;
  transactions(): number;
  rtp(): { endpoints: number; packetsRelayed: number; sockets?: number };
  registrations(): number;
  /** New calls refused by overload control so far. */
  overloadRefused?(): number;
}

/** Upper bounds of the pickup latency histogram, in seconds (fine below the 5 ms target). */
export const PICKUP_LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0015, 0.002, 0.0025, 0.003, 0.0035, 0.004, 0.0045, 0.005, 0.006, 0.008, 0.01, 0.015, 0.025,
  0.05, 0.1, 0.25, 0.5, 1,
];

/** ringd's metrics registry. */
export class RingdMetrics {
  readonly registry = new Registry();
  private readonly pickupLatency: Histogram;
  private sources: MetricSources | undefined;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.pickupLatency = new Histogram({
      name: 'ringd_pickup_latency_seconds',
      help: "Call pickup latency: the picker's INVITE received to its 200 OK sent",
      buckets: PICKUP_LATENCY_BUCKETS,
      registers,
    });
    const read = <T>(f: (s: MetricSources) => T): T | undefined =>
      this.sources === undefined ? undefined : f(this.sources);

    new Gauge({
      name: 'ringd_call_legs',
      help: 'Call legs by record status (dialing, ringing, progressing, terminating, canceling)',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        const c = read((s) => s.calls());
        for (const [state, n] of Object.entries(c?.legsByState ?? {})) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'ringd_calls',
      help: 'Calls in progress (a caller and everything its callflow rings)',
      registers,
      collect() {
        this.set(read((s) => s.calls().sessions) ?? 0);
      },
    });
    new Counter({
      name: 'ringd_calls_refused_overload_total',
      help: 'New calls refused with 503 + Retry-After by overload control (event loop saturated)',
      registers,
      collect() {
        setCounter(
          this,
          read((s) => s.overloadRefused?.() ?? 0),
        );
      },
    });
    new Gauge({
      name: 'ringd_groupcalls',
      help: 'Groupcalls not yet hung up',
      registers,
      collect() {
        this.set(read((s) => s.calls().groupcalls) ?? 0);
      },
    });
    new Counter({
      name: 'ringd_pickups_total',
      help: 'Pickup requests by result (picked, not_permitted, no_target, no_call)',
      labelNames: ['result'],
      registers,
      collect() {
        const p = read((s) => s.pickups());
        if (p === undefined) return;
        this.reset();
        this.inc({ result: 'picked' }, p.picked);
        for (const [result, n] of Object.entries(p.failed)) this.inc({ result }, n);
      },
    });
    new Counter({
      name: 'ringd_pickup_lost_races_total',
      help: 'Pickup claims lost to a concurrent answer or pickup',
      registers,
      collect() {
        setCounter(
          this,
          read((s) => s.pickups().lostRaces),
        );
      },
    });
    new Counter({
      name: 'ringd_sip_requests_total',
      help: 'SIP requests by direction (in, out) and method',
      labelNames: ['direction', 'method'],
      registers,
      collect() {
        const c = read((s) => s.sip);
        if (c === undefined) return;
        this.reset();
        for (const [direction, d] of [
          ['in', c.received],
          ['out', c.sent],
        ] as const)
          COUNTED_METHODS.forEach((method, i) => {
            if (d.requests[i] > 0) this.inc({ direction, method }, d.requests[i]);
          });
      },
    });
    new Counter({
      name: 'ringd_sip_responses_total',
      help: 'SIP responses by direction (in, out) and status class (1xx … 6xx)',
      labelNames: ['direction', 'class'],
      registers,
      collect() {
        const c = read((s) => s.sip);
        if (c === undefined) return;
        this.reset();
        for (const [direction, d] of [
          ['in', c.received],
          ['out', c.sent],
        ] as const)
          for (let k = 1; k <= 6; k++)
            if (d.responses[k] > 0) this.inc({ direction, class: `${k}xx` }, d.responses[k]);
      },
    });
    new Counter({
      name: 'ringd_sip_inbound_discarded_total',
      help: 'Inbound SIP messages the transport dropped (unparseable) or refused statelessly (400 and such)',
      labelNames: ['outcome'],
      registers,
      collect() {
        const c = read((s) => s.sip);
        if (c === undefined) return;
        this.reset();
        this.inc({ outcome: 'dropped' }, c.dropped);
        this.inc({ outcome: 'refused' }, c.rejected);
      },
    });
    new Counter({
      name: 'ringd_sip_transaction_events_total',
      help: 'SIP transaction events: timeout, request-retransmitted, response-retransmitted, transport-error, …',
      labelNames: ['event'],
      registers,
      collect() {
        const e = read((s) => s.transactionEvents);
        if (e === undefined) return;
        this.reset();
        for (const [event, n] of Object.entries(e)) this.inc({ event }, n);
      },
    });
    new Gauge({
      name: 'ringd_sip_transactions',
      help: 'SIP transactions alive',
      registers,
      collect() {
        this.set(read((s) => s.transactions()) ?? 0);
      },
    });
    new Counter({
      name: 'ringd_rtp_packets_relayed_total',
      help: 'RTP and RTCP packets the relay forwarded',
      registers,
      collect() {
        setCounter(
          this,
          read((s) => s.rtp().packetsRelayed),
        );
      },
    });
    new Gauge({
      name: 'ringd_rtp_endpoints',
      help: 'Media endpoints open',
      registers,
      collect() {
        this.set(read((s) => s.rtp().endpoints) ?? 0);
      },
    });
    new Gauge({
      name: 'ringd_rtp_sockets',
      help: 'UDP sockets the relay holds bound (open endpoints and its pool)',
      registers,
      collect() {
        this.set(read((s) => s.rtp().sockets) ?? 0);
      },
    });
    new Gauge({
      name: 'ringd_registrations',
      help: 'Registered contact bindings',
      registers,
      collect() {
        this.set(read((s) => s.registrations()) ?? 0);
      },
    });
  }

  /** Connects the figures' sources (once the layers exist). */
  attach(sources: MetricSources): void {
    this.sources = sources;
  }

  /** One pickup of a picker that dialed in, `ms` from its INVITE to its 200 OK. */
  observePickup(ms: number): void {
    this.pickupLatency.observe(ms / 1000);
  }

  /** The text exposition and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function setCounter(c: Counter, v: number | undefined): void {
  if (v === undefined) return;
  c.reset();
  c.inc(v);
}
