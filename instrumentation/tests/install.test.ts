import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function registryReachable(): Promise<boolean> {
  try {
    await run(NPM, ['ping'], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

describe('installing the packed package from the npm registry', () => {
  it('resolves next to openai 7, @anthropic-ai/sdk 1 and @opentelemetry/api 1.9 without ERESOLVE', async (ctx) => {
    if (!(await registryReachable())) return ctx.skip('the npm registry is unreachable (offline): nothing to resolve against');
    const out = mkdtempSync(join(tmpdir(), 'al-pack-'));
    const app = mkdtempSync(join(tmpdir(), 'al-app-'));
    dirs.push(out, app);
    await run(NPM, ['pack', '--pack-destination', out], { cwd: PACKAGE });
    const tarball = join(out, readdirSync(out).find((f) => f.endsWith('.tgz'))!);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    // --dry-run builds the whole dependency tree (where a peer conflict is an ERESOLVE) without writing it.
    const result = await run(
      NPM,
      ['install', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund', tarball, 'openai@7', '@anthropic-ai/sdk@1', '@opentelemetry/api@~1.9.0'],
      { cwd: app, timeout: 240_000 },
    ).catch((err: { stdout?: string; stderr?: string; message: string }) => ({ stdout: err.stdout ?? '', stderr: `${err.stderr ?? ''}\n${err.message}`, failed: true }));
    expect(`${result.stderr}`).not.toMatch(/ERESOLVE/);
    expect('failed' in result, result.stderr).toBe(false);
    expect(result.stdout).toMatch(/add @agent-ledger\/instrumentation 0\.1\.0/);
    expect(result.stdout).toMatch(/add openai 7\./);
  }, 300_000);
});
