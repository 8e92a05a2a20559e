import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configReference, loadConfig } from '../../config/index.js';
import { MAX_ATTRIBUTE_VALUE_BYTES_LIMIT } from '../../config/schema.js';

describe('loadConfig', () => {
  it('has working defaults with no file and no environment', () => {
    const config = loadConfig({ env: {} });
    expect(config).toMatchObject({ host: '127.0.0.1', http_port: 8080, otlp_port: 4318, data_dir: './data' });
    expect(config.otlp.max_body_bytes).toBe(20 * 1024 * 1024);
  });

  it('lets the environment win over the file and the file over defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'http_port: 9000\notlp_port: 9001\nqueue:\n  batch_max_rows: 77\n');
    const config = loadConfig({ file, env: { AGENT_LEDGER_HTTP_PORT: '9100' } });
    expect(config.http_port).toBe(9100);
    expect(config.otlp_port).toBe(9001);
    expect(config.queue.batch_max_rows).toBe(77);
  });

  it('reads the file named by AGENT_LEDGER_CONFIG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'data_dir: /var/lib/ledger\n');
    expect(loadConfig({ env: { AGENT_LEDGER_CONFIG: file } }).data_dir).toBe('/var/lib/ledger');
  });

  it('names the environment variable of an invalid value', () => {
    expect(() => loadConfig({ env: { AGENT_LEDGER_HTTP_PORT: 'eighty' } })).toThrow(/AGENT_LEDGER_HTTP_PORT.*number/);
    expect(() => loadConfig({ env: { AGENT_LEDGER_OTLP_PORT: '70000' } })).toThrow(ConfigError);
  });

  it('bounds otlp.max_attribute_value_bytes at 1 MiB, naming the key', () => {
    expect(loadConfig({ env: { AGENT_LEDGER_OTLP_MAX_ATTRIBUTE_VALUE_BYTES: String(MAX_ATTRIBUTE_VALUE_BYTES_LIMIT) } }).otlp.max_attribute_value_bytes).toBe(1024 * 1024);
    for (const v of [MAX_ATTRIBUTE_VALUE_BYTES_LIMIT + 1, 10 * 1024 * 1024]) {
      expect(() => loadConfig({ env: { AGENT_LEDGER_OTLP_MAX_ATTRIBUTE_VALUE_BYTES: String(v) } })).toThrow(/AGENT_LEDGER_OTLP_MAX_ATTRIBUTE_VALUE_BYTES.*at most 1048576/);
    }
    expect(() => loadConfig({ env: { AGENT_LEDGER_OTLP_MAX_ATTRIBUTE_VALUE_BYTES: '1e300' } })).toThrow(/AGENT_LEDGER_OTLP_MAX_ATTRIBUTE_VALUE_BYTES/);
    const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'c.yaml');
    writeFileSync(file, 'otlp:\n  max_attribute_value_bytes: 20000000\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(/otlp\.max_attribute_value_bytes in .*c\.yaml/);
  });

  it('names the file key of an invalid value and unknown keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'queue:\n  max_bytes: -1\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(/queue\.max_bytes in .*c\.yaml/);
    writeFileSync(file, 'htp_port: 1\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(/unknown key.*htp_port/);
  });

  it('lists every key with its environment variable', () => {
    const ref = configReference();
    expect(ref).toContainEqual({ key: 'otlp.max_body_bytes', env: 'AGENT_LEDGER_OTLP_MAX_BODY_BYTES', default: 20971520 });
    expect(ref.find((r) => r.key === 'http_port')?.env).toBe('AGENT_LEDGER_HTTP_PORT');
  });
});
