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
import { COUNTED_METHODS, type DirectionCounts, type SipMessageCounts } from '../sip/transport/index.ts';

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
  /** How long inbound SIP datagrams wait before they are read (ms; overload control's probe). */
  sipQueueDelayMs?(): number;
}

/** Upper bounds of the pickup latency histogram, in seconds (fine below the 5 ms target). */
export const PICKUP_LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0015, 0.002, 0.0025, 0.003, 0.0035, 0.004, 0.0045, 0.005, 0.006, 0.008, 0.01, 0.015, 0.025,
  0.05, 0.1, 0.25, 0.5, 1,
];

/** Label values → value: the series of one metric at scrape time. */
type Series = Array<[Record<string, string>, number]>;

/** ringd's metrics registry. */
export class RingdMetrics {
  readonly registry = new Registry();
  private readonly pickupLatency: Histogram;
  private sources: MetricSources | undefined;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.pickupLatency = new Histogram({
      name: 'ringd_pickup_latency_seconds',
      help: "Call pickup latency: the picker's INVITE received to its 200 OK sent",
      buckets: PICKUP_LATENCY_BUCKETS,
      registers: [this.registry],
    });
    const sip = (f: (c: SipMessageCounts) => Series) => (s: MetricSources) => f(s.sip);
    const one = (f: (s: MetricSources) => number) => (s: MetricSources) => [[{}, f(s)]] as Series;

    this.gauge(
      'ringd_call_legs',
      'Call legs by record status (dialing, ringing, progressing, terminating, canceling)',
      ['state'],
      (s) => Object.entries(s.calls().legsByState).map(([state, n]) => [{ state }, n]),
    );
    this.gauge(
      'ringd_calls',
      'Calls in progress (a caller and everything its callflow rings)',
      [],
      one((s) => s.calls().sessions),
    );
    this.counter(
      'ringd_calls_refused_overload_total',
      'New calls refused with 503 + Retry-After by overload control (SIP receive queue delayed)',
      [],
      one((s) => s.overloadRefused?.() ?? 0),
    );
    this.gauge(
      'ringd_sip_queue_delay_seconds',
      "How long the last probe waited in the SIP socket's receive queue (overload control; 0 when off)",
      [],
      one((s) => (s.sipQueueDelayMs?.() ?? 0) / 1000),
    );
    this.gauge(
      'ringd_groupcalls',
      'Groupcalls not yet hung up',
      [],
      one((s) => s.calls().groupcalls),
    );
    this.counter(
      'ringd_pickups_total',
      'Pickup requests by result (picked, not_permitted, no_target, no_call)',
      ['result'],
      (s) => {
        const p = s.pickups();
        return [
          [{ result: 'picked' }, p.picked],
          ...Object.entries(p.failed).map(([result, n]): Series[number] => [{ result }, n]),
        ];
      },
    );
    this.counter(
      'ringd_pickup_lost_races_total',
      'Pickup claims lost to a concurrent answer or pickup',
      [],
      one((s) => s.pickups().lostRaces),
    );
    this.counter(
      'ringd_sip_requests_total',
      'SIP requests by direction (in, out) and method',
      ['direction', 'method'],
      sip((c) =>
        directions(c).flatMap(([direction, d]) =>
          COUNTED_METHODS.map((method, i): Series[number] => [{ direction, method }, d.requests[i]]),
        ),
      ),
    );
    this.counter(
      'ringd_sip_responses_total',
      'SIP responses by direction (in, out) and status class (1xx … 6xx)',
      ['direction', 'class'],
      sip((c) =>
        directions(c).flatMap(([direction, d]) =>
          [1, 2, 3, 4, 5, 6].map((k): Series[number] => [{ direction, class: `${k}xx` }, d.responses[k]]),
        ),
      ),
    );
    this.counter(
      'ringd_sip_inbound_discarded_total',
      'Inbound SIP messages the transport dropped (unparseable) or refused statelessly (400 and such)',
      ['outcome'],
      sip((c) => [
        [{ outcome: 'dropped' }, c.dropped],
        [{ outcome: 'refused' }, c.rejected],
      ]),
    );
    this.counter(
      'ringd_sip_transaction_events_total',
      'SIP transaction events: timeout, request-retransmitted, response-retransmitted, transport-error, …',
      ['event'],
      (s) => Object.entries(s.transactionEvents).map(([event, n]) => [{ event }, n]),
    );
    this.gauge(
      'ringd_sip_transactions',
      'SIP transactions alive',
      [],
      one((s) => s.transactions()),
    );
    this.counter(
      'ringd_rtp_packets_relayed_total',
      'RTP and RTCP packets the relay forwarded',
      [],
      one((s) => s.rtp().packetsRelayed),
    );
    this.gauge(
      'ringd_rtp_endpoints',
      'Media endpoints open',
      [],
      one((s) => s.rtp().endpoints),
    );
    this.gauge(
      'ringd_rtp_sockets',
      'UDP sockets the relay holds bound (open endpoints and its pool)',
      [],
      one((s) => s.rtp().sockets ?? 0),
    );
    this.gauge(
      'ringd_registrations',
      'Registered contact bindings',
      [],
      one((s) => s.registrations()),
    );
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

  /** A gauge whose series `read` gives at each scrape (none before `attach`). */
  private gauge(name: string, help: string, labelNames: string[], read: (s: MetricSources) => Series): void {
    const sources = () => this.sources;
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        const s = sources();
        if (s !== undefined) for (const [labels, n] of read(s)) this.set(labels, n);
      },
    });
  }

  /** A counter whose totals `read` gives at each scrape (the layers keep the counts). */
  private counter(
    name: string,
    help: string,
    labelNames: string[],
    read: (s: MetricSources) => Series,
  ): void {
    const sources = () => this.sources;
    new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        const s = sources();
        if (s === undefined) return;
        this.reset();
        for (const [labels, n] of read(s)) this.inc(labels, n);
      },
    });
  }
}

/** The two directions of SIP message counts. */
function directions(c: SipMessageCounts): Array<['in' | 'out', DirectionCounts]> {
  return [
    ['in', c.received],
    ['out', c.sent],
  ];
}
