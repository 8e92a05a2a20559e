import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/index.js';

describe('retention and agents configuration', () => {
  it('defaults to 400 days, an hourly sweep and a 30-day trust half-life', () => {
    const config = loadConfig({ env: {} });
    expect(config.retention).toEqual({ days: 400, force_below_minimum: false, sweep_interval_seconds: 3600, sweep_batch_size: 1000 });
    expect(config.agents.trust_half_life_days).toBe(30);
  });

  it('refuses less than 183 days (EU AI Act Article 19) unless forced, naming the key', () => {
    expect(() => loadConfig({ env: { AGENT_LEDGER_RETENTION_DAYS: '90' } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { AGENT_LEDGER_RETENTION_DAYS: '90' } })).toThrow(/AGENT_LEDGER_RETENTION_DAYS.*183/);
    expect(loadConfig({ env: { AGENT_LEDGER_RETENTION_DAYS: '90', AGENT_LEDGER_RETENTION_FORCE_BELOW_MINIMUM: 'true' } }).retention.days).toBe(90);
    expect(loadConfig({ env: { AGENT_LEDGER_RETENTION_DAYS: '183' } }).retention.days).toBe(183);
  });
});
