import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isLoopbackOrUnspecified, reachesOwnReceiver, tracesUrl } from '../../cli/self-tracing.js';

const noDns = async (host: string): Promise<string[]> => {
  throw new Error(`no DNS in this test (${host})`);
};

describe('the self-tracing endpoint', () => {
  it('gets /v1/traces appended unless its path ends with it', () => {
    expect(tracesUrl('http://collector:4318').href).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/').href).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('https://otel.example/otlp/').href).toBe('https://otel.example/otlp/v1/traces');
    expect(tracesUrl('http://collector:4318/v1/traces').href).toBe('http://collector:4318/v1/traces');
  });

  it('is this host however a loopback or unspecified address is spelled', async () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '0.0.0.0', '[::1]', '[::]', '[0:0:0:0:0:0:0:1]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '2130706433', '0x7f.1', '0177.0.0.1']) {
      expect(await reachesOwnReceiver(tracesUrl(`http://${host}:4318`), 4318, noDns), host).toBe(true);
    }
  });

  it('resolves names: localhost, its upper-case and trailing-dot spellings, and a name of one of this host’s interfaces', async () => {
    const resolved: string[] = [];
    const resolve = async (host: string) => {
      resolved.push(host);
      return host === 'localhost' ? ['::1', '127.0.0.1'] : host === 'me.internal' ? [Object.values(networkInterfaces()).flat()[0]!.address] : ['203.0.113.7'];
    };
    expect(await reachesOwnReceiver(tracesUrl('http://LOCALHOST.:4318/v1/traces'), 4318, resolve)).toBe(true);
    expect(await reachesOwnReceiver(tracesUrl('http://me.internal:4318'), 4318, resolve)).toBe(true);
    expect(await reachesOwnReceiver(tracesUrl('http://collector:4318'), 4318, resolve)).toBe(false);
    expect(resolved).toEqual(['localhost', 'me.internal', 'collector']);
  });

  it('is not this process on another port, nor when the name does not resolve yet', async () => {
    expect(await reachesOwnReceiver(tracesUrl('http://127.0.0.1:4317'), 4318, noDns)).toBe(false);
    expect(await reachesOwnReceiver(tracesUrl('http://localhost'), 4318, noDns)).toBe(false);
    expect(await reachesOwnReceiver(tracesUrl('https://localhost'), 443, async () => ['127.0.0.1'])).toBe(true);
    expect(await reachesOwnReceiver(tracesUrl('http://collector:4318'), 4318, noDns)).toBe(false);
  });

  it('knows loopback and unspecified addresses from others', () => {
    for (const a of ['127.0.0.1', '127.255.0.1', '0.0.0.0', '::1', '::', '::ffff:127.0.0.1']) expect(isLoopbackOrUnspecified(a), a).toBe(true);
    for (const a of ['10.0.0.1', '128.0.0.1', '::2', 'fe80::1', 'localhost', '']) expect(isLoopbackOrUnspecified(a), a).toBe(false);
  });
});
