/**
 * Composition root: builds and wires the layers from configuration. Today it wires the SIP core
 * (transport → transactions → UA); the directory, store, call engine and API join it in later issues.
 */
import type { RingdConfig } from './cli/config.ts';
import { systemClock } from './sip/clock.ts';
import { randomIds } from './sip/ids.ts';
import { SipTransportLayer } from './sip/transport/index.ts';
import { UserAgent } from './sip/ua/index.ts';

export interface RunningNode {
  /** The bound SIP port (UDP and TCP). */
  port: number;
  ua: UserAgent;
  close(): Promise<void>;
}

/** Starts the SIP core on the configured address: OPTIONS → 200, INVITE → 480 until the call engine exists. */
export async function startSipNode(config: RingdConfig): Promise<RunningNode> {
  const transport = new SipTransportLayer({
    host: config.sipHost,
    udpPort: config.sipPort,
    tcpPort: config.sipPort,
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
