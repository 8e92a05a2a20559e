import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const MAJOR = Number(process.versions.node.split('.')[0]);
// require(esm) is on by default from Node 22.12 / 20.19 behind a flag: switch it off where the flag
// exists, so a require() can only succeed through the CommonJS build. Node 20 has it off already.
const NO_REQUIRE_ESM = MAJOR >= 22 ? ['--no-experimental-require-module'] : [];

async function node(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, args, { cwd: PACKAGE });
  return stdout.trim();
}

const NAMES = "console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort()))";

describe('the built package’s entry points', () => {
  beforeAll(() => {
    if (!existsSync(`${PACKAGE}/dist/cjs/index.js`)) throw new Error('build the package first (npm run build --workspace instrumentation)');
  });

  it(`loads with require() where require(esm) is off (Node ${MAJOR}${NO_REQUIRE_ESM.length ? ', --no-experimental-require-module' : ''}) and with import, exporting the same names`, async () => {
    const required = JSON.parse(await node([...NO_REQUIRE_ESM, '-e', `const m = require('@agent-ledger/instrumentation'); ${NAMES}`]));
    const imported = JSON.parse(await node(['--input-type=module', '-e', `import * as m from '@agent-ledger/instrumentation'; ${NAMES}`]));
    expect(required).toEqual(imported);
    expect(required).toEqual(expect.arrayContaining(['init', 'runAgent', 'tool', 'instrumentOpenAI', 'instrumentAnthropic', 'flush', 'shutdown']));
  });

  it('resolves each condition to its own build, the CommonJS one marked as such', async () => {
    const resolved = await node([
      '--input-type=module',
      '-e',
      "import { createRequire } from 'node:module'; const r = createRequire(process.cwd() + '/'); console.log(JSON.stringify([import.meta.resolve('@agent-ledger/instrumentation'), r.resolve('@agent-ledger/instrumentation')]))",
    ]);
    const [esm, cjs] = JSON.parse(resolved) as [string, string];
    expect(esm).toMatch(/\/dist\/index\.js$/);
    expect(cjs).toMatch(/\/dist\/cjs\/index\.js$/);
    expect(JSON.parse(await node(['-p', "JSON.stringify(require('./dist/cjs/package.json'))"]))).toEqual({ type: 'commonjs' });
  });

  it('shares one setup between the two builds loaded side by side: handle, agent of the run, redaction', async () => {
    const out = JSON.parse(await node([fileURLToPath(new URL('./fixtures/dual-package.mjs', import.meta.url))]));
    expect(out.sameHandle).toBe(true);
    const tool = out.spans.find((s: { name: string }) => s.name === 'execute_tool lookup');
    expect(tool.agent).toBe('dual-agent');
    expect(tool.args).toBe('"[redacted by the ESM init]"');
  });
});
