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
    /** Digest algorithms offered to phones: `MD5` (default; what most phones take), `SHA-256,MD5`, `SHA-256`. */
    digest_algorithms: 'MD5' | 'SHA-256,MD5' | 'SHA-256';
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
  rtp: {
    /** Lowest UDP port of the media relay (even; RTCP uses port + 1). Default 20000. */
    port_min: number;
    /** Highest UDP port of the media relay. Default 29999. */
    port_max: number;
    /** RTP/RTCP socket pairs bound at start-up, ready for the first calls. Default 128. */
    prebind_pairs: number;
  };
  calls: {
    /** Seconds a callee rings before the call fails with 480 (callflow data may override). Default 20. */
    ring_timeout: number;
    /** Longest call in seconds; then ringd hangs up both sides. Default 14400 (4 h). */
    max_duration: number;
    /**
     * Overload control: new calls get 503 + Retry-After while inbound SIP messages have waited at least this
     * many ms in the receive queue (for 200 ms on end). 0 disables it. Default 100.
     */
    overload_queue_delay_ms: number;
    /**
     * Call and groupcall records are written behind, in batches: how long their changes gather first (ms).
     * Longer costs less CPU per call; a crash may lose that long of changes. Default 500.
     */
    record_write_ms: number;
  };
  /** Directory for the embedded database and other state. Default `./data`. */
  data_dir: string;
  /**
   * Scheduling priority (nice value, −20…19) `ringd start` gives its process. Default 0 (left as it is).
   * Below 0 needs root or CAP_SYS_NICE; without them ringd warns and runs on at its current priority.
   */
  nice: number;
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
    path: 'sip.digest_algorithms',
    env: 'RINGD_DIGEST_ALGORITHMS',
    kind: 'enum',
    values: ['MD5', 'SHA-256,MD5', 'SHA-256'],
    default: 'MD5',
    doc: 'digest algorithms offered (many phones take the first offered and know only MD5)',
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
  {
    path: 'rtp.port_min',
    env: 'RINGD_RTP_PORT_MIN',
    kind: 'int',
    min: 1024,
    max: 65534,
    default: 20000,
    doc: 'lowest media relay port (UDP; RTP even, RTCP +1)',
  },
  {
    path: 'rtp.port_max',
    env: 'RINGD_RTP_PORT_MAX',
    kind: 'int',
    min: 1025,
    max: 65535,
    default: 29999,
    doc: 'highest media relay port',
  },
  {
    path: 'rtp.prebind_pairs',
    env: 'RINGD_RTP_PREBIND_PAIRS',
    kind: 'int',
    min: 0,
    max: 8192,
    default: 128,
    doc: 'RTP/RTCP socket pairs bound at start-up, ready for the first calls (unused ones close after 30 s)',
  },
  {
    path: 'calls.ring_timeout',
    env: 'RINGD_RING_TIMEOUT',
    kind: 'int',
    min: 1,
    max: 600,
    default: 20,
    doc: 'seconds a callee rings before 480',
  },
  {
    path: 'calls.max_duration',
    env: 'RINGD_MAX_CALL_DURATION',
    kind: 'int',
    min: 10,
    max: 7 * 24 * 3600,
    default: 14400,
    doc: 'longest call in seconds',
  },
  {
    path: 'calls.overload_queue_delay_ms',
    env: 'RINGD_OVERLOAD_QUEUE_DELAY_MS',
    kind: 'int',
    min: 0,
    max: 10_000,
    default: 100,
    doc: 'new calls get 503 + Retry-After while SIP messages wait this many ms before ringd reads them (0: never)',
  },
  {
    path: 'calls.record_write_ms',
    env: 'RINGD_RECORD_WRITE_MS',
    kind: 'int',
    min: 10,
    max: 5_000,
    default: 500,
    doc: 'call and groupcall records are written in batches, this many ms after their first change (longer: less CPU per call, a longer window a crash loses)',
  },
  { path: 'data_dir', env: 'RINGD_DATA_DIR', kind: 'string', default: './data', doc: 'state directory' },
  {
    path: 'nice',
    env: 'RINGD_NICE',
    kind: 'int',
    min: -20,
    max: 19,
    default: 0,
    doc: 'scheduling priority of the process (below 0: busy neighbours preempt the SIP loop less; needs CAP_SYS_NICE)',
  },
  {
    path: 'log.level',
    env: 'RINGD_LOG_LEVEL',
    kind: 'enum',
    values: ['debug', 'info', 'warn', 'error'],
    default: 'info',
    doc: 'log level',
  },
];
