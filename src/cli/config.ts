/** Start-up configuration from `RINGD_*` environment variables, validated with a message naming the bad key. */

export interface RingdConfig {
  sipHost: string;
  sipPort: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`invalid configuration ${key}: ${message}`);
  }
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export function configFromEnv(env: NodeJS.ProcessEnv): RingdConfig {
  const sipHost = env.RINGD_SIP_HOST ?? '127.0.0.1';
  if (!/^[0-9a-fA-F:.]+$/.test(sipHost))
    throw new ConfigError('RINGD_SIP_HOST', `'${sipHost}' is not an IP address`);
  const portText = env.RINGD_SIP_PORT ?? '5060';
  const sipPort = Number(portText);
  if (!Number.isInteger(sipPort) || sipPort < 0 || sipPort > 65535)
    throw new ConfigError('RINGD_SIP_PORT', `'${portText}' is not a port number (0–65535)`);
  const logLevel = (env.RINGD_LOG_LEVEL ?? 'info') as RingdConfig['logLevel'];
  if (!LEVELS.includes(logLevel))
    throw new ConfigError('RINGD_LOG_LEVEL', `'${env.RINGD_LOG_LEVEL}' is not one of ${LEVELS.join(', ')}`);
  return { sipHost, sipPort, logLevel };
}
