/**
 * Composition root: builds and wires the layers from configuration — store → directory → REST API; the
 * SIP core (transport → transactions → UA); device auth, the registrar (REGISTER), the media relay and the
 * call engine (INVITE → B2BUA legs with anchored media); the event bus, fed by the call engine and served
 * over `GET /v1.0/events`.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApi } from './api/server.ts';
import { RingdMetrics } from './api/metrics.ts';
import { databaseUrl, type RingdConfig } from './config/index.ts';
import { createDirectory, type Directory } from './directory/index.ts';
import type { Trunk } from './directory/schemas/index.ts';
import { EventBus } from './events/index.ts';
import { systemClock } from './sip/clock.ts';
import { randomIds } from './sip/ids.ts';
import { SipTransportLayer } from './sip/transport/index.ts';
import { UserAgent } from './sip/ua/index.ts';
import { openStore, type Store } from './store/index.ts';
import { RtpRelay } from './media/index.ts';
import { DeviceAuth } from './pbx/auth/index.ts';
import { CallEngine, OverloadGuard, refuseOptionsWhileShedding } from './pbx/calls/index.ts';
import { Registrar } from './pbx/registrar/index.ts';

export interface RunningSip {
  /** The bound SIP port (UDP and TCP). */
  port: number;
  ua: UserAgent;
}

/** A port free for both UDP and TCP on `host` (SIP listens on one number for both; `port: 0` in config). */
export async function freeUdpTcpPort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, host, () => resolve(udp.address().port));
    });
    const tcp = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, host, () => resolve(true));
    });
    await new Promise<void>((r) => udp.close(() => r()));
    await new Promise<void>((r) => (ok ? tcp.close(() => r()) : r()));
    if (ok) return port;
  }
  throw new Error(`no port free for both UDP and TCP on ${host}`);
}

/** Every trunk of a tenant (for the call engine's `tel` destinations). */
async function allTrunks(directory: Directory, customerId: string): Promise<Trunk[]> {
  const out: Trunk[] = [];
  let page_token: string | undefined;
  do {
    const page = await directory.trunks.list(customerId, { page_size: 100, page_token });
    out.push(...page.result);
    page_token = page.next_page_token || undefined;
  } while (page_token !== undefined);
  return out;
}

/** Opens the configured database (running pending migrations unless told not to). */
export async function openConfiguredStore(config: RingdConfig, migrate = true): Promise<Store> {
  return openStore({
    url: databaseUrl(config),
    migrate,
    sqliteSynchronous: config.database.sqlite_synchronous,
  });
}

export interface RunningRingd {
  store: Store;
  directory: Directory;
  api: FastifyInstance;
  sip: RunningSip;
  registrar: Registrar;
  engine: CallEngine;
  media: RtpRelay;
  /** The event bus: every feature publishes its events here (served over `GET /v1.0/events`). */
  bus: EventBus;
  /** Where the REST API listens. */
  http: { host: string; port: number };
  /** Stops everything, in reverse order of start. Idempotent. */
  close(): Promise<void>;
}

/** Starts a whole ringd node: database, directory cache, SIP (registrar, call engine, media), REST API. */
export async function startRingd(config: RingdConfig, log: Logger, version: string): Promise<RunningRingd> {
  const store = await openConfiguredStore(config);
  const closers: Array<() => Promise<void>> = [() => store.close()];
  const closeAll = async () => {
    while (closers.length)
      await closers.pop()!().catch((e: unknown) => log.error({ err: e }, 'close failed'));
  };
  try {
    const directory = await createDirectory({
      store,
      log: (msg, o) => log.info(o ?? {}, msg),
    });
    const sipLog = log.child({ layer: 'sip' });
    const bus = new EventBus({
      onListenerError: (err, event) => log.warn({ err, type: event.type }, 'event subscriber threw'),
    });
    const defaultDomain = config.sip.default_domain || undefined;

    // SIP: the transport first (the UA's delegate is filled once the registrar and engine exist).
    const sipPort = config.sip.port || (await freeUdpTcpPort(config.sip.host));
    const transport = new SipTransportLayer({
      host: config.sip.host,
      udpPort: sipPort,
      tcpPort: sipPort,
    });
    await transport.listen();
    closers.push(() => transport.close());
    const delegate: NonNullable<ConstructorParameters<typeof UserAgent>[0]['delegate']> = {};
    const metrics = new RingdMetrics();
    const transactionEvents: Record<string, number> = {};
    const ua = new UserAgent({
      transport,
      clock: systemClock,
      ids: randomIds,
      product: `ringd/${version}`,
      delegate,
      transactionMetrics: (m) => {
        transactionEvents[m] = (transactionEvents[m] ?? 0) + 1;
      },
      capabilities: {
        methods: new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'INFO', 'UPDATE']),
      },
    });
    closers.push(async () => ua.close());

    const auth = new DeviceAuth({
      cache: directory.cache,
      clock: systemClock,
      ids: randomIds,
      defaultDomain,
      algorithms: config.sip.digest_algorithms.split(',') as Array<'MD5' | 'SHA-256'>,
      log: (msg, o) => sipLog.warn(o ?? {}, msg),
    });
    const registrar = new Registrar({
      auth,
      store,
      clock: systemClock,
      ids: randomIds,
      directory,
      log: (msg, o) => sipLog.info(o ?? {}, msg),
    });
    const restored = await registrar.load();
    log.info(restored, 'registrations restored');
    closers.push(async () => registrar.close());

    const media = new RtpRelay({
      host: config.sip.host,
      portMin: config.rtp.port_min,
      portMax: config.rtp.port_max,
    });
    closers.push(() => media.close());
    await media.warm(config.rtp.prebind_pairs);
    const overload =
      config.calls.overload_queue_delay_ms > 0
        ? new OverloadGuard({
            clock: systemClock,
            probe: (arrived) => transport.probeQueue(arrived),
            thresholdMs: config.calls.overload_queue_delay_ms,
            onChange: (shedding, delayMs) =>
              shedding
                ? sipLog.warn(
                    { queueDelayMs: Math.round(delayMs) },
                    'overloaded: refusing new calls with 503 + Retry-After',
                  )
                : sipLog.info(
                    { queueDelayMs: Math.round(delayMs) },
                    'no longer overloaded: accepting new calls',
                  ),
          })
        : undefined;
    if (overload) closers.push(async () => overload.close());
    const engine = new CallEngine({
      ua,
      media,
      directory: directory.cache,
      registrar,
      auth,
      store,
      clock: systemClock,
      defaultDomain,
      maxCallDuration: config.calls.max_duration * 1000,
      ringTimeout: config.calls.ring_timeout,
      recordWriteMs: config.calls.record_write_ms,
      log: (level, msg, fields) => sipLog[level](fields ?? {}, msg),
      publish: (e) => bus.publish(e),
      wantsEvents: (customerId) => bus.hasSubscribers(customerId),
      trunks: (customerId) => allTrunks(directory, customerId),
      onPicked: (ms) => metrics.observePickup(ms),
      overload,
    });
    metrics.attach({
      calls: () => engine.callCounts(),
      pickups: () => engine.pickup.stats(),
      sip: transport.counts,
      transactionEvents,
      transactions: () => ua.stats().transactions,
      rtp: () => media.stats(),
      registrations: () => registrar.stats().bindings,
      overloadRefused: () => overload?.refused ?? 0,
      sipQueueDelayMs: () => overload?.delayMs ?? 0,
    });
    closers.push(() => engine.close());
    delegate.onInvite = (invite) => engine.onInvite(invite, invite.inbound);
    delegate.onRequest = (req, txn, inbound) =>
      refuseOptionsWhileShedding(req, txn, overload, randomIds.tag) || registrar.handle(req, txn, inbound);

    let sipReady = false;
    const api = await buildApi({
      directory,
      version,
      logger: log.child({ layer: 'api' }),
      bodyLimit: config.http.body_limit,
      ready: async () => ({ database: await store.ping(), sip: sipReady }),
      metrics,
      pbx: {
        registrations: { list: (customerId, page) => registrar.list(customerId, page) },
        calls: {
          latest: (customerId, id) => engine.latestCall(customerId, id),
          written: () => engine.callsWritten(),
          hangup: (customerId, id) => engine.hangup(customerId, id),
          create: (customerId, input) => engine.createCalls(customerId, input),
          pickup: (customerId, id, picker) => engine.pickupCall(customerId, id, picker),
        },
        groupcalls: {
          create: (customerId, input) => engine.createGroupcall(customerId, input),
          latest: (customerId, id) => engine.groupcall(customerId, id),
          written: () => engine.groupcallsWritten(),
          hangup: (customerId, id) => engine.hangupGroupcall(customerId, id),
          delete: (customerId, id) => engine.deleteGroupcall(customerId, id),
        },
      },
      events: { bus },
    });
    closers.push(() => api.close());
    await api.listen({ host: config.http.host, port: config.http.port });
    const address = api.server.address();
    const httpPort = typeof address === 'object' && address ? address.port : config.http.port;
    sipReady = true;
    overload?.start();
    const sip: RunningSip = { port: transport.udpPort, ua };
    let closed: Promise<void> | undefined;
    return {
      store,
      directory,
      api,
      sip,
      registrar,
      engine,
      media,
      bus,
      http: { host: config.http.host, port: httpPort },
      close: () => (closed ??= closeAll()),
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
