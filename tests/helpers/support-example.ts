import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_ADMIN_KEY } from './server-process.js';

/** The compiled support-agent example, as `npm run example` runs it. */
export const SUPPORT_EXAMPLE = fileURLToPath(new URL('../../instrumentation/examples/dist/support-agent/main.js', import.meta.url));

/**
 * Runs the example against `otlpUrl` with the key and endpoint a user would
 * give it, and none of this shell's OTel settings; resolves with its exit
 * code and what it printed.
 */
export function runSupportExample(otlpUrl: string): Promise<{ code: number | null; output: string }> {
  if (!existsSync(SUPPORT_EXAMPLE)) throw new Error(`${SUPPORT_EXAMPLE} is missing: run npm run build first`);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_') && k !== 'AGENT_LEDGER_API_KEY' && k !== 'LEDGER_OTLP_ENDPOINT'));
  const child = spawn(process.execPath, [SUPPORT_EXAMPLE], {
    env: { ...env, LEDGER_KEY: TEST_ADMIN_KEY, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}
