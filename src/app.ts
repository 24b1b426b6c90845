/**
 * Composition root: builds and wires the layers from configuration — store → directory → REST API, and
 * the SIP core (transport → transactions → UA). The call engine joins in a later issue; until then the SIP
 * side answers OPTIONS and refuses INVITEs with 480.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApi } from './api/server.ts';
import { databaseUrl, type RingdConfig } from './config/index.ts';
import { createDirectory, type Directory } from './directory/index.ts';
import { systemClock } from './sip/clock.ts';
import { randomIds } from './sip/ids.ts';
import { SipTransportLayer } from './sip/transport/index.ts';
import { UserAgent } from './sip/ua/index.ts';
import { openStore, type Store } from './store/index.ts';

export interface RunningNode {
  /** The bound SIP port (UDP and TCP). */
  port: number;
  ua: UserAgent;
  close(): Promise<void>;
}

/** Starts the SIP core on the configured address: OPTIONS → 200, INVITE → 480 until the call engine exists. */
export async function startSipNode(config: Pick<RingdConfig, 'sip'>): Promise<RunningNode> {
  const transport = new SipTransportLayer({
    host: config.sip.host,
    udpPort: config.sip.port,
    tcpPort: config.sip.port,
  });
  await transport.listen();
  const ua = new UserAgent({ transport, clock: systemClock, ids: randomIds, product: 'ringd' });
  return {
    port: transport.udpPort,
    ua,
    async close() {
      ua.close();
      await transport.close();
    },
  };
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
  sip: RunningNode;
  /** Where the REST API listens. */
  http: { host: string; port: number };
  /** Stops everything, in reverse order of start. Idempotent. */
  close(): Promise<void>;
}

/** Starts a whole ringd node: database, directory cache, REST API and SIP. */
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
    let sipReady = false;
    const api = await buildApi({
      directory,
      version,
      logger: log.child({ layer: 'api' }),
      bodyLimit: config.http.body_limit,
      ready: async () => ({ database: await store.ping(), sip: sipReady }),
    });
    closers.push(() => api.close());
    await api.listen({ host: config.http.host, port: config.http.port });
    const address = api.server.address();
    const httpPort = typeof address === 'object' && address ? address.port : config.http.port;
    const sip = await startSipNode(config);
    closers.push(() => sip.close());
    sipReady = true;
    let closed: Promise<void> | undefined;
    return {
      store,
      directory,
      api,
      sip,
      http: { host: config.http.host, port: httpPort },
      close: () => (closed ??= closeAll()),
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
