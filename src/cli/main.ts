/**
 * The `ringd` command line: `start`, `version`, `help`. Database, tenants and the call engine arrive
 * with later issues (`init`, `migrate`); until then `start` runs the SIP core alone: it listens on
 * UDP and TCP, answers OPTIONS (phones' keep-alive pings) and refuses calls with 480, and stops
 * cleanly on SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { startSipNode } from '../app.ts';
import { configFromEnv, ConfigError } from './config.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const HELP = `ringd ${pkg.version} — an API-first PBX core

usage: ringd <command>

commands:
  start     run ringd (today: the SIP core on UDP+TCP; nothing to serve yet beyond OPTIONS)
  version   print the version
  help      this text

environment:
  RINGD_SIP_HOST   address to listen on (default 127.0.0.1)
  RINGD_SIP_PORT   UDP and TCP port (default 5060)
  RINGD_LOG_LEVEL  debug | info | warn | error (default info)
`;

async function main(argv: string[]): Promise<number> {
  const cmd = argv[0] ?? 'help';
  switch (cmd) {
    case 'version':
    case '--version':
      console.log(pkg.version);
      return 0;
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return 0;
    case 'start': {
      let config;
      try {
        config = configFromEnv(process.env);
      } catch (e) {
        if (e instanceof ConfigError) {
          console.error(`ringd: ${e.message}`);
          return 2;
        }
        throw e;
      }
      const node = await startSipNode(config);
      console.log(
        `ringd ${pkg.version}: SIP core listening on udp/tcp ${config.sipHost}:${node.port}; ` +
          'the call engine is not built yet (nothing to serve yet beyond OPTIONS). Ctrl-C stops.',
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          console.log(`ringd: ${signal}, stopping`);
          resolve();
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
      await node.close();
      console.log('ringd: stopped');
      return 0;
    }
    default:
      console.error(`ringd: unknown command '${cmd}'\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('ringd: fatal:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
