import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The secret that keys API-key hashes: from configuration, else a file in
 * the data directory created (mode 0600) on first use. Every process of one
 * deployment must use the same one.
 */
export function loadPepper(configured: string | null, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, 'auth-pepper');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const pepper = randomBytes(32).toString('hex');
  writeFileSync(file, `${pepper}\n`, { mode: 0o600, flag: 'wx' });
  return pepper;
}
