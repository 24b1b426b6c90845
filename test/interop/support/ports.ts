import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * A port free for both UDP and TCP on 127.0.0.1, chosen by the OS (bind to 0, read it, release it).
 * Used for peers (SIPp) that need a port on their command line.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port on 127.0.0.1 after 20 attempts');
}
