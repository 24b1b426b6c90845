import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, databaseUrl, loadConfig } from '../../../src/config/index.ts';

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'ringd-config-'));
}

function refused(fn: () => unknown, key: string, text: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.key, key);
    assert.match(e.message, text);
    return true;
  });
}

describe('configuration', () => {
  it('defaults: SQLite under ./data, SIP 5060 and HTTP 8080 on 127.0.0.1', () => {
    const cwd = dir();
    const { config, file } = loadConfig({ env: {}, cwd });
    assert.equal(file, undefined);
    assert.equal(config.sip.host, '127.0.0.1');
    assert.equal(config.sip.port, 5060);
    assert.equal(config.http.port, 8080);
    assert.equal(config.data_dir, join(cwd, 'data'));
    assert.equal(databaseUrl(config), `sqlite:${join(cwd, 'data', 'ringd.db')}`);
    assert.equal(config.database.sqlite_synchronous, 'NORMAL');
  });

  it('reads ringd.yaml from the working directory; the environment wins over it', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'ringd.yaml'), 'http:\n  port: 9000\nsip:\n  port: 5070\nlog:\n  level: debug\n');
    const { config, file } = loadConfig({ env: { RINGD_SIP_PORT: '5080' }, cwd });
    assert.equal(file, join(cwd, 'ringd.yaml'));
    assert.equal(config.http.port, 9000);
    assert.equal(config.sip.port, 5080);
    assert.equal(config.log.level, 'debug');
  });

  it('reads a JSON file named by --config or RINGD_CONFIG', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'x.json'), JSON.stringify({ database: { url: 'postgres://db/ringd' } }));
    assert.equal(loadConfig({ env: {}, cwd, file: 'x.json' }).config.database.url, 'postgres://db/ringd');
    assert.equal(
      loadConfig({ env: { RINGD_CONFIG: 'x.json' }, cwd }).config.database.url,
      'postgres://db/ringd',
    );
  });

  it('names the bad key: environment variables', () => {
    const cwd = dir();
    refused(() => loadConfig({ env: { RINGD_HTTP_PORT: '80000' }, cwd }), 'RINGD_HTTP_PORT', /port number/);
    refused(() => loadConfig({ env: { RINGD_SIP_PORT: 'abc' }, cwd }), 'RINGD_SIP_PORT', /'abc'/);
    refused(
      () => loadConfig({ env: { RINGD_SIP_HOST: 'example.com' }, cwd }),
      'RINGD_SIP_HOST',
      /IP address/,
    );
    refused(() => loadConfig({ env: { RINGD_LOG_LEVEL: 'loud' }, cwd }), 'RINGD_LOG_LEVEL', /one of debug/);
    refused(
      () => loadConfig({ env: { RINGD_SQLITE_SYNCHRONOUS: 'OFF' }, cwd }),
      'RINGD_SQLITE_SYNCHRONOUS',
      /NORMAL, FULL/,
    );
    refused(() => loadConfig({ env: { RINGD_HTTP_BODY_LIMIT: '10' }, cwd }), 'RINGD_HTTP_BODY_LIMIT', /1024/);
  });

  it('names the bad key: file values, unknown keys, unreadable files', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'ringd.yaml'), 'http:\n  port: "eighty"\n');
    refused(() => loadConfig({ env: {}, cwd }), 'http.port', /eighty/);
    writeFileSync(join(cwd, 'ringd.yaml'), 'http:\n  prot: 80\n');
    refused(() => loadConfig({ env: {}, cwd }), 'http.prot', /unknown key/);
    writeFileSync(join(cwd, 'ringd.yaml'), 'http: [1, 2\n');
    refused(() => loadConfig({ env: {}, cwd }), join(cwd, 'ringd.yaml'), /not valid YAML/);
    writeFileSync(join(cwd, 'ringd.yaml'), '- a list\n');
    refused(() => loadConfig({ env: {}, cwd }), join(cwd, 'ringd.yaml'), /mapping/);
    refused(() => loadConfig({ env: {}, cwd, file: 'missing.yaml' }), '--config', /no such file/);
    refused(() => loadConfig({ env: { RINGD_CONFIG: 'missing.yaml' }, cwd }), 'RINGD_CONFIG', /no such file/);
  });
});

describe('configuration: media and calls', () => {
  it('defaults and range checks', () => {
    const cwd = dir();
    const { config } = loadConfig({ env: {}, cwd });
    assert.deepEqual(config.rtp, { port_min: 20000, port_max: 29999, prebind_pairs: 128 });
    assert.deepEqual(config.calls, {
      ring_timeout: 20,
      max_duration: 14400,
      overload_queue_delay_ms: 100,
      record_write_ms: 500,
    });
    refused(
      () => loadConfig({ env: { RINGD_RTP_PORT_MIN: '30000', RINGD_RTP_PORT_MAX: '30001' }, cwd }),
      'rtp.port_max',
      /at least two port pairs/,
    );
    refused(() => loadConfig({ env: { RINGD_RING_TIMEOUT: '0' }, cwd }), 'RINGD_RING_TIMEOUT', /1–600/);
    refused(
      () => loadConfig({ env: { RINGD_OVERLOAD_QUEUE_DELAY_MS: '-5' }, cwd }),
      'RINGD_OVERLOAD_QUEUE_DELAY_MS',
      /0–10000/,
    );
    assert.equal(
      loadConfig({ env: { RINGD_OVERLOAD_QUEUE_DELAY_MS: '0' }, cwd }).config.calls.overload_queue_delay_ms,
      0,
    );
    refused(
      () => loadConfig({ env: { RINGD_RECORD_WRITE_MS: '0' }, cwd }),
      'RINGD_RECORD_WRITE_MS',
      /10–5000/,
    );
    assert.equal(loadConfig({ env: { RINGD_RECORD_WRITE_MS: '50' }, cwd }).config.calls.record_write_ms, 50);
  });
});
