/**
 * The `ringd` command line: `start`, `init`, `migrate`, `version`, `help`.
 * Configuration comes from `--config <file>` (or `RINGD_CONFIG`, or `./ringd.yaml|yml|json`) and `RINGD_*`
 * environment variables; a bad key is reported by name and the command exits with status 2.
 */
import { readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { pino } from 'pino';
import { openConfiguredStore, startRingd } from '../app.ts';
import { ConfigError, databaseUrl, describeKeys, loadConfig, type RingdConfig } from '../config/index.ts';
import { createDirectory, DirectoryError } from '../directory/index.ts';
import { NIL_UUID } from '../store/index.ts';
import { createDemoTenant } from './demo.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** What this process runs: the compiled build in dist/ or the TypeScript sources through tsx (bin/entry.mjs). */
const BUILD = import.meta.url.endsWith('.js') ? 'compiled build' : 'TypeScript sources';

const HELP = `ringd ${pkg.version} — an API-first PBX core

usage: ringd <command> [--config <file>] [options]

commands:
  start                  run ringd: SIP on UDP+TCP (registrar, calls), the media relay, the REST API
  init [--demo] [--domain <d>] [--new-admin-key]
                         create the database and the platform admin key (printed once); with --demo also
                         a demo tenant (3 phones on 101-103, ring group 600, pickup codes), printing the
                         phones' SIP credentials and the tenant's API key
  migrate                apply pending database migrations and list them
  version                print the version
  help                   this text

configuration (file keys and environment variables; the environment wins):
${describeKeys()}
  RINGD_CONFIG               --config                     config file (YAML or JSON)
`;

interface Args {
  cmd: string;
  flags: Map<string, string | true>;
}

function parseArgs(argv: string[]): Args {
  const flags = new Map<string, string | true>();
  let cmd = 'help';
  let seenCmd = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2);
      if (v !== undefined) flags.set(k, v);
      else if (['config', 'domain'].includes(k) && i + 1 < argv.length) flags.set(k, argv[++i]);
      else flags.set(k, true);
    } else if (!seenCmd) {
      cmd = a;
      seenCmd = true;
    } else throw new ConfigError(a, `unexpected argument '${a}'`);
  }
  return { cmd, flags };
}

function load(args: Args): RingdConfig {
  const file = args.flags.get('config');
  return loadConfig({ file: typeof file === 'string' ? file : undefined }).config;
}

/** Shows where the database lives without leaking a PostgreSQL password. */
function describeDb(c: RingdConfig): string {
  const url = databaseUrl(c);
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/**
 * `nice`: the process's scheduling priority. On a machine ringd shares with other busy processes (its
 * database, rtpengine, a load generator), each datagram ringd sends wakes its receiver, which then often
 * preempts ringd's event loop; a higher priority lets the loop finish its work first (Asterisk's `-p` and
 * FreeSWITCH's `-hp` exist for the same reason). Not permitted → a warning, and ringd runs on as it is.
 */
function applyNice(nice: number, log: pino.Logger): void {
  if (nice === 0) return;
  try {
    setPriority(nice);
    log.info({ nice: getPriority() }, 'scheduling priority set');
  } catch (err) {
    log.warn(
      { nice, current: getPriority(), error: (err as Error).message },
      'could not set the scheduling priority (a negative nice value needs root or CAP_SYS_NICE); running on at the current one',
    );
  }
}

async function cmdStart(args: Args): Promise<number> {
  const config = load(args);
  const log = pino({ level: config.log.level, base: { service: 'ringd' } });
  applyNice(config.nice, log);
  const node = await startRingd(config, log, pkg.version);
  const admins = await node.directory.accessKeys.list(NIL_UUID, { page_size: 1 });
  if (admins.result.length === 0) {
    const key = await node.directory.accessKeys.create(NIL_UUID, 'admin', 'platform admin');
    console.log(
      `ringd: first start, created the platform admin key (shown once, store it safely):\n  ${key.key}`,
    );
  }
  log.info(
    {
      http: `http://${node.http.host}:${node.http.port}`,
      sip: `${config.sip.host}:${node.sip.port}`,
      database: describeDb(config),
      build: BUILD,
    },
    'ringd started',
  );
  console.log(
    `ringd ${pkg.version} (${BUILD}): REST API on http://${node.http.host}:${node.http.port}/v1.0 (docs: /docs), ` +
      `SIP on udp/tcp ${config.sip.host}:${node.sip.port} (registrar and calls), ` +
      `media ports ${config.rtp.port_min}-${config.rtp.port_max}, database ${describeDb(config)}. Ctrl-C stops.`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await node.close();
  console.log('ringd: stopped');
  return 0;
}

async function cmdMigrate(args: Args): Promise<number> {
  const config = load(args);
  const store = await openConfiguredStore(config, false);
  try {
    const pending = await store.pendingMigrations();
    if (pending.length === 0) {
      console.log(`ringd: database ${describeDb(config)} is up to date`);
      return 0;
    }
    console.log(
      `ringd: applying ${pending.length} migration(s) to ${describeDb(config)}: ${pending.join(', ')}`,
    );
    const applied = await store.migrate();
    console.log(`ringd: applied ${applied.join(', ') || 'nothing'}`);
    return 0;
  } finally {
    await store.close();
  }
}

async function cmdInit(args: Args): Promise<number> {
  const config = load(args);
  const store = await openConfiguredStore(config);
  try {
    const directory = await createDirectory({ store });
    console.log(`ringd: database ${describeDb(config)} ready`);
    const existing = await directory.accessKeys.list(NIL_UUID, { page_size: 1 });
    if (existing.result.length === 0 || args.flags.has('new-admin-key')) {
      const key = await directory.accessKeys.create(NIL_UUID, 'admin', 'platform admin');
      console.log(`\nplatform admin key (shown once, store it safely):\n  ${key.key}\n`);
    } else {
      console.log(
        `ringd: already initialized (admin key ${existing.result[0].key_prefix}…); ` +
          'use --new-admin-key to create another',
      );
    }
    if (args.flags.has('demo')) {
      const domainFlag = args.flags.get('domain');
      const domain =
        typeof domainFlag === 'string' ? domainFlag : config.sip.default_domain || config.sip.host;
      const demo = await createDemoTenant(directory, domain);
      console.log(`demo tenant: domain ${demo.domain}, customer ${demo.customerId}`);
      console.log(`  API key (shown once): ${demo.apiKey}`);
      console.log(
        `  phones (register to sip:${demo.domain}, SIP server ${config.sip.host}:${config.sip.port}):`,
      );
      console.log('    user    extension  SIP username  password');
      for (const p of demo.phones)
        console.log(
          `    ${p.user.padEnd(7)} ${p.extension.padEnd(10)} ${p.sipUsername.padEnd(13)} ${p.password}`,
        );
      console.log('  ring group: 600 (all three)   group pickup: 8000   pickup: *87, *87<ext>, 88sales');
    }
    return 0;
  } finally {
    await store.close();
  }
}

async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
    switch (args.cmd) {
      case 'version':
      case '--version':
        console.log(pkg.version);
        return 0;
      case 'help':
      case '--help':
      case '-h':
        console.log(HELP);
        return 0;
      case 'start':
        return await cmdStart(args);
      case 'init':
        return await cmdInit(args);
      case 'migrate':
        return await cmdMigrate(args);
      default:
        console.error(`ringd: unknown command '${args.cmd}'\n\n${HELP}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`ringd: ${e.message}`);
      return 2;
    }
    if (e instanceof DirectoryError) {
      console.error(`ringd: ${e.reason}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('ringd: fatal:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
