import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The real-instrumentation exports the tests decode (copied from the shared
 * captures so a clone tests alone; see tests/fixtures/otlp/README.md).
 * Only the repository's own copy is read: never a path beside the clone.
 */
export const FIXTURES_DIR = join(here, '../fixtures/otlp');
