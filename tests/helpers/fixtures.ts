import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The shared real-instrumentation exports; AGENT_LEDGER_FIXTURES overrides where they live. */
export const FIXTURES_DIR =
  process.env.AGENT_LEDGER_FIXTURES ??
  [join(here, '../../../shared/fixtures/otlp'), join(here, '../fixtures/otlp')].find((p) => existsSync(p)) ??
  join(here, '../../../shared/fixtures/otlp');
