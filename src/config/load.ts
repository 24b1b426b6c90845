/**
 * Loads and validates the configuration: defaults ← file ← `RINGD_*` environment. Every problem is a
 * `ConfigError` naming the key (and where it came from), never a crash later on.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KEYS, type KeySpec, type RingdConfig } from './schema.ts';

export class ConfigError extends Error {
  constructor(
    /** The key as the user wrote it: `http.port` or `RINGD_HTTP_PORT`. */
    readonly key: string,
    message: string,
  ) {
    super(`invalid configuration ${key}: ${message}`);
  }
}

/** Files looked for in the working directory when no `--config`/`RINGD_CONFIG` is given. */
export const DEFAULT_CONFIG_FILES = ['ringd.yaml', 'ringd.yml', 'ringd.json'];

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Explicit config file (from `--config`); else `RINGD_CONFIG`; else the first default file that exists. */
  file?: string;
  cwd?: string;
}

export interface LoadedConfig {
  config: RingdConfig;
  /** The file that was read, if any. */
  file?: string;
}

function readFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, `cannot read the file (${(e as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(
      path,
      `not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
    );
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError(path, 'the file must hold a mapping');
  return doc as Record<string, unknown>;
}

/** Flattens `{ http: { port: 1 } }` to `{ 'http.port': 1 }`, refusing keys ringd does not know. */
function flatten(doc: Record<string, unknown>, file: string, prefix = '', out = new Map<string, unknown>()) {
  const known = new Set(KEYS.map((k) => k.path));
  for (const [k, v] of Object.entries(doc)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (known.has(path)) out.set(path, v);
    else if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      [...known].some((p) => p.startsWith(`${path}.`))
    )
      flatten(v as Record<string, unknown>, file, path, out);
    else throw new ConfigError(path, `unknown key in ${file} (known: ${[...known].join(', ')})`);
  }
  return out;
}

function coerce(spec: KeySpec, raw: unknown, where: string): string | number {
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text !== 'string')
    throw new ConfigError(
      where,
      `expected ${spec.kind === 'string' ? 'a string' : 'a value'}, got ${JSON.stringify(raw)}`,
    );
  switch (spec.kind) {
    case 'string':
      return text;
    case 'ip':
      if (isIP(text) === 0) throw new ConfigError(where, `'${text}' is not an IP address`);
      return text;
    case 'enum':
      if (!spec.values!.includes(text))
        throw new ConfigError(where, `'${text}' is not one of ${spec.values!.join(', ')}`);
      return text;
    case 'port':
    case 'int': {
      const n = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
      const min = spec.kind === 'port' ? 0 : (spec.min ?? -Infinity);
      const max = spec.kind === 'port' ? 65535 : (spec.max ?? Infinity);
      if (!Number.isInteger(n) || n < min || n > max)
        throw new ConfigError(
          where,
          `'${text}' is not ${spec.kind === 'port' ? 'a port number' : 'an integer'} (${min}–${max})`,
        );
      return n;
    }
  }
}

function set(target: Record<string, unknown>, path: string, value: unknown) {
  const parts = path.split('.');
  let o = target;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[parts[parts.length - 1]] = value;
}

/** Builds the configuration from defaults, the config file and the environment. */
export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  let file = opts.file ?? env.RINGD_CONFIG;
  if (file) {
    file = resolve(cwd, file);
    if (!existsSync(file))
      throw new ConfigError(opts.file ? '--config' : 'RINGD_CONFIG', `no such file: ${file}`);
  } else {
    file = DEFAULT_CONFIG_FILES.map((f) => resolve(cwd, f)).find((f) => existsSync(f));
  }
  const fromFile = file ? flatten(readFile(file), file) : new Map<string, unknown>();
  const config: Record<string, unknown> = {};
  for (const spec of KEYS) {
    let value: string | number = spec.default;
    if (fromFile.has(spec.path)) value = coerce(spec, fromFile.get(spec.path), spec.path);
    const e = env[spec.env];
    if (e !== undefined && e !== '') value = coerce(spec, e, spec.env);
    set(config, spec.path, value);
  }
  const c = config as unknown as RingdConfig;
  c.data_dir = resolve(cwd, c.data_dir);
  if (c.rtp.port_max - c.rtp.port_min < 3)
    throw new ConfigError(
      'rtp.port_max',
      `the media port range ${c.rtp.port_min}–${c.rtp.port_max} must hold at least two port pairs`,
    );
  return { config: c, file };
}

/** The database URL a configuration means (the SQLite file under `data_dir` by default). */
export function databaseUrl(c: RingdConfig): string {
  return c.database.url || `sqlite:${resolve(c.data_dir, 'ringd.db')}`;
}

/** A printable description of every key (for `ringd help`). */
export function describeKeys(): string {
  return KEYS.map(
    (k) => `  ${k.env.padEnd(26)} ${k.path.padEnd(28)} ${k.doc} (default ${JSON.stringify(k.default)})`,
  ).join('\n');
}
