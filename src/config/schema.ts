/**
 * The configuration of one ringd process: its shape, defaults and where each key comes from. A file
 * (`ringd.yaml` / `ringd.json`) and `RINGD_*` environment variables fill it; the environment wins.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RingdConfig {
  sip: {
    /** IP address to listen on for SIP (UDP and TCP). Default 127.0.0.1. */
    host: string;
    /** SIP port, UDP and TCP. Default 5060; 0 = any free port. */
    port: number;
    /** Tenant domain for requests addressed to an IP literal ('' = none). */
    default_domain: string;
  };
  http: {
    /** IP address of the REST API. Default 127.0.0.1. */
    host: string;
    /** REST port. Default 8080; 0 = any free port. */
    port: number;
    /** Largest accepted request body, bytes. Default 1 MiB. */
    body_limit: number;
  };
  database: {
    /** `postgres://…`, `sqlite:<path>`; '' = SQLite file `<data_dir>/ringd.db`. */
    url: string;
    /** SQLite `synchronous` in WAL mode: NORMAL survives a process crash, FULL a power loss too. */
    sqlite_synchronous: 'NORMAL' | 'FULL';
  };
  /** Directory for the embedded database and other state. Default `./data`. */
  data_dir: string;
  log: { level: LogLevel };
}

/** One configuration key: its dotted path, environment variable, type and default. */
export interface KeySpec {
  path: string;
  env: string;
  kind: 'string' | 'port' | 'int' | 'ip' | 'enum';
  values?: readonly string[];
  min?: number;
  max?: number;
  default: string | number;
  doc: string;
}

export const KEYS: readonly KeySpec[] = [
  { path: 'sip.host', env: 'RINGD_SIP_HOST', kind: 'ip', default: '127.0.0.1', doc: 'SIP listen address' },
  { path: 'sip.port', env: 'RINGD_SIP_PORT', kind: 'port', default: 5060, doc: 'SIP port (UDP and TCP)' },
  {
    path: 'sip.default_domain',
    env: 'RINGD_DEFAULT_DOMAIN',
    kind: 'string',
    default: '',
    doc: 'tenant domain for requests sent to an IP address',
  },
  {
    path: 'http.host',
    env: 'RINGD_HTTP_HOST',
    kind: 'ip',
    default: '127.0.0.1',
    doc: 'REST API listen address',
  },
  { path: 'http.port', env: 'RINGD_HTTP_PORT', kind: 'port', default: 8080, doc: 'REST API port' },
  {
    path: 'http.body_limit',
    env: 'RINGD_HTTP_BODY_LIMIT',
    kind: 'int',
    min: 1024,
    max: 64 * 1024 * 1024,
    default: 1024 * 1024,
    doc: 'largest request body in bytes',
  },
  {
    path: 'database.url',
    env: 'RINGD_DATABASE_URL',
    kind: 'string',
    default: '',
    doc: "postgres://… or sqlite:<path>; '' = <data_dir>/ringd.db",
  },
  {
    path: 'database.sqlite_synchronous',
    env: 'RINGD_SQLITE_SYNCHRONOUS',
    kind: 'enum',
    values: ['NORMAL', 'FULL'],
    default: 'NORMAL',
    doc: 'SQLite durability: NORMAL (process crash) or FULL (power loss)',
  },
  { path: 'data_dir', env: 'RINGD_DATA_DIR', kind: 'string', default: './data', doc: 'state directory' },
  {
    path: 'log.level',
    env: 'RINGD_LOG_LEVEL',
    kind: 'enum',
    values: ['debug', 'info', 'warn', 'error'],
    default: 'info',
    doc: 'log level',
  },
];
