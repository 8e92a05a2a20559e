import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FULLTEXT_DOCUMENTS } from '../conformance/fulltext-cases.js';
import { fullTextRequest } from '../helpers/fulltext-spans.js';
import { CLI, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * The compiled `agent-ledger` as an operator meets it: --version, --help of
 * every command, one-line errors with exit 2 for every kind of bad input
 * (never a stack), and `export` giving the API export's bytes for the same
 * filter. Run `npm run build` first.
 */

const ROOT = join(CLI, '../../..');

function cli(args: string[], env: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), 'cli-e2e-'))) {
  const { REDIS_URL: _sharedRedis, AGENT_LEDGER_DEBUG: _debug, ...inherited } = process.env;
  const result = spawnSync(process.execPath, [CLI, ...args], { env: { ...inherited, AGENT_LEDGER_DATA_DIR: dataDir, ...env }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Exactly one line on stderr, naming the program, with no stack frame. */
function expectOneLine(stderr: string) {
  expect(stderr.endsWith('\n'), stderr).toBe(true);
  expect(stderr.trimEnd().split('\n'), stderr).toHaveLength(1);
  expect(stderr).toMatch(/^agent-ledger: /);
  expect(stderr).not.toMatch(/\n\s+at |TypeError|Error:/);
}

describe('agent-ledger --version', () => {
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  it.each([['--version'], ['-v'], ['version']])('%s prints the version of package.json', (flag) => {
    const { status, stdout, stderr } = cli([flag]);
    expect(status).toBe(0);
    expect(stdout).toBe(`agent-ledger ${version}\n`);
    expect(stderr).toBe('');
  });
});

/** Every command, with flags its help must name. */
const HELP: Array<[string, string[]]> = [
  ['all', ['--config']],
  ['receiver', ['--config']],
  ['worker', ['--config']],
  ['query', ['--config']],
  ['orgs create', ['--name']],
  ['orgs list', ['--config']],
  ['orgs set', ['--retention-days', '--force', '--public-activity']],
  ['keys create', ['--org', '--role', '--user', '--scopes', '--name', '--expires-in', '--expires-at']],
  ['keys list', ['--org']],
  ['keys revoke', ['--config']],
  ['agents list', ['--org', '--status', '--name']],
  ['agents show', ['--org']],
  ['verify', ['--agent', '--org']],
  ['retention sweep', ['--config']],
  ['export', ['--format', '--limit', '--cursor', '--outcome', '--action-name', '--agent-id', '--run-id', '--min-cost', '--max-cost', '--start-date', '--end-date', '--search', '--q', '--org', '--output']],
  ['dlq list', ['--config']],
  ['dlq replay', ['--all']],
];

describe('--help of every command', () => {
  it.each(HELP)('%s --help, -h and help %s name its own usage and flags', (command, flags) => {
    const words = command.split(' ');
    // every spelling for a few commands; --help for each (each run is a process start)
    const spellings = ['export', 'keys create', 'all'].includes(command) ? [[...words, '--help'], [...words, '-h'], ['help', ...words]] : [[...words, '--help']];
    for (const args of spellings) {
      const { status, stdout, stderr } = cli(args);
      expect(status, args.join(' ')).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toMatch(new RegExp(`^usage: agent-ledger ${command}\\b`));
      for (const flag of [...flags, '--help']) expect(stdout, `${args.join(' ')} names ${flag}`).toContain(flag);
    }
  });

  it.each(['orgs', 'keys', 'agents', 'retention', 'dlq'])('%s --help lists its subcommands', (noun) => {
    const { status, stdout } = cli([noun, '--help']);
    expect(status).toBe(0);
    for (const [command] of HELP.filter(([c]) => c.startsWith(`${noun} `))) expect(stdout).toContain(command);
  });

  it('with no command, prints the overview and every command', () => {
    const { status, stdout } = cli([]);
    expect(status).toBe(0);
    for (const [command] of HELP) expect(stdout).toContain(command);
  });
});

/** Bad input, each answered with one line, exit 2, and the help to see. */
const BAD: Array<[string, string[], RegExp]> = [
  ['unknown command', ['frobnicate'], /unknown command "frobnicate" \(see agent-ledger --help\)/],
  ['a flag before any command', ['--frob'], /see agent-ledger --help/],
  ['unknown subcommand', ['keys', 'frob'], /unknown subcommand "keys frob".*see agent-ledger keys --help/],
  ['a noun without a subcommand', ['dlq'], /dlq needs a subcommand: list, replay/],
  ['unknown flag of a role', ['all', '--frob'], /unknown option --frob \(see agent-ledger all --help\)/],
  ['unknown short flag', ['query', '-x'], /unknown option -x/],
  ['a flag of another command', ['retention', 'sweep', '--force'], /unknown option --force \(see agent-ledger retention sweep --help\)/],
  ['unknown flag of orgs create', ['orgs', 'create', 'acme', '--nmae', 'Acme'], /unknown option --nmae/],
  ['a value for a boolean flag', ['dlq', 'replay', '--all=yes'], /--all takes no value/],
  ['missing value at the end', ['keys', 'create', '--org'], /--org needs a value \(see agent-ledger keys create --help\)/],
  ['missing value before another flag', ['keys', 'create', '--org', '--name', 'x'], /--org needs a value/],
  ['an empty value', ['keys', 'list', '--org='], /--org must not be empty/],
  ['a repeated flag', ['export', '--org', 'a', '--org', 'b'], /--org given more than once/],
  ['a missing argument', ['orgs', 'create'], /orgs create needs <id>/],
  ['an extra argument', ['keys', 'revoke', 'a', 'b'], /unexpected argument "b"/],
  ['an extra argument to a role', ['all', 'now'], /unexpected argument "now" \(see agent-ledger all --help\)/],
  ['a control character in a command', ['x\u001b[2J'], /unknown command "x\\u001b\[2J"/],
  ['bad --retention-days', ['orgs', 'set', 'acme', '--retention-days', 'abc'], /--retention-days must be a whole number of days \(see agent-ledger orgs set --help\)/],
  ['bad --public-activity', ['orgs', 'set', 'acme', '--public-activity', 'maybe'], /--public-activity must be on or off/],
  ['bad --status', ['agents', 'list', '--status', 'gone'], /--status must be one of active, deactivated/],
  ['bad --role', ['keys', 'create', '--role', 'root'], /--role must be one of/],
  ['bad --expires-in', ['keys', 'create', '--expires-in', 'soon'], /--expires-in must look like 30d/],
  ['verify without --agent', ['verify'], /verify needs --agent/],
  ['dlq replay with neither ids nor --all', ['dlq', 'replay'], /dlq replay needs ids or --all/],
  ['dlq replay with both', ['dlq', 'replay', 'x', '--all'], /not both/],
  ['bad --format', ['export', '--format', 'xml'], /--format must be one of jsonl, json, csv \(see agent-ledger export --help\)/],
  ['bad --limit', ['export', '--limit', 'abc'], /--limit must be an integer from 1 to 100000/],
  ['too large --limit', ['export', '--limit', '100001'], /--limit must be an integer/],
  ['a date that does not exist', ['export', '--start-date', '2025-02-30'], /--start-date is not a valid date/],
  ['a malformed date', ['export', '--end-date', 'yesterday'], /--end-date must be an RFC 3339 date-time/],
  ['reversed dates', ['export', '--start-date', '2025-02-02', '--end-date', '2025-02-01'], /--start-date must not be after --end-date/],
  ['bad --outcome', ['export', '--outcome', 'fine'], /--outcome must be one of/],
  ['bad --run-id', ['export', '--run-id', 'nope'], /--run-id must be a UUID/],
  ['bad --min-cost', ['export', '--min-cost', '-1'], /--min-cost needs a value|--min-cost must be a non-negative/],
  ['bad --q', ['export', '--q', '-'], /--q /],
  ['a bad cursor', ['export', '--cursor', 'AAAA'], /--cursor/],
  ['the API spelling of a flag', ['export', '--start_date', '2025-01-01'], /unknown option --start_date/],
  ['an email searched across organizations', ['export', '--q', 'jane.doe@example.com'], /--q holds .*pseudonym.*give --org/],
];

describe('bad input: one line on stderr, exit 2, no stack', () => {
  it.each(BAD)('%s', (_name, args, message) => {
    const { status, stdout, stderr } = cli(args);
    expect(status, stderr).toBe(2);
    expect(stdout).toBe('');
    expectOneLine(stderr);
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/\(see agent-ledger [a-z ]*--help\)\n$/);
  });

  it('a configuration error is one line and exit 78', () => {
    for (const args of [['orgs', 'list', '--config', '/nonexistent/agent-ledger.yaml'], ['--config', '/nonexistent/agent-ledger.yaml', 'orgs', 'list']]) {
      const { status, stderr } = cli(args);
      expect(status, args.join(' ')).toBe(78);
      expectOneLine(stderr);
    }
  });

  it('an internal error is one line and exit 1, with the stack only under --debug or AGENT_LEDGER_DEBUG=1', () => {
    // the data directory is a file: the store cannot open
    const file = join(mkdtempSync(join(tmpdir(), 'cli-e2e-')), 'not-a-dir');
    writeFileSync(file, 'x');
    const plain = cli(['orgs', 'list'], {}, file);
    expect(plain.status).toBe(1);
    expectOneLine(plain.stderr);
    expect(plain.stderr).toContain('AGENT_LEDGER_DEBUG=1');
    for (const debug of [cli(['orgs', 'list', '--debug'], {}, file), cli(['orgs', 'list'], { AGENT_LEDGER_DEBUG: '1' }, file)]) {
      expect(debug.status).toBe(1);
      expect(debug.stderr).toMatch(/\n\s+at /);
    }
  });
});

describe('agent-ledger export', () => {
  let server: ServerProcess;
  const BASE_MS = Date.parse('2025-06-01T00:00:00Z');

  beforeAll(async () => {
    server = await startServerProcess();
    const res = await fetch(server.otlpUrl, {
      method: 'POST',
      body: JSON.stringify(fullTextRequest(FULLTEXT_DOCUMENTS, BASE_MS)),
      headers: { 'Content-Type': 'application/json', ...server.auth },
    });
    expect(res.status).toBe(200);
    // the receiver answers once queued; wait until the entries are readable
    for (let i = 0; i < 100; i++) {
      const { body } = await server.get('/api/v1/ledger?page_size=1');
      if (body.total >= FULLTEXT_DOCUMENTS.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** A connection of its own each time: the CLI runs take longer than the API's keep-alive, so a pooled socket may be closing. */
  function apiExport(params: Record<string, string>): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = httpGet(`${server.apiUrl}/api/v1/ledger/export?${new URLSearchParams(params)}`, { headers: server.auth, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200) resolve(text);
          else reject(new Error(`export ${res.statusCode}: ${text}`));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  }

  const flagsOf = (params: Record<string, string>) => Object.entries(params).flatMap(([k, v]) => [`--${k.replaceAll('_', '-')}`, v]);

  const FILTERS: Array<Record<string, string>> = [
    {},
    { format: 'json' },
    { format: 'csv' },
    { format: 'jsonl', limit: '3' },
    { format: 'json', outcome: 'error' },
    { format: 'csv', start_date: '2025-06-01T00:02:00Z', end_date: '2025-06-01T00:09:00Z' },
    { format: 'jsonl', q: 'refund' },
    { format: 'json', q: '"parcel arrived damaged"' },
    { format: 'csv', q: 'refund' },
    { format: 'jsonl', search: 'refund', max_cost: '0' },
    { format: 'json', q: 'nothing-matches-this' },
  ];

  it.each(FILTERS.map((f) => [new URLSearchParams(f).toString() || '(no filter)', f] as const))('%s: the same bytes as the API, nothing on stderr when piped', async (_name, params) => {
    const api = await apiExport(params);
    expect(api.length).toBeGreaterThan(0);
    // the bootstrap admin key is of organization `default`; without --org, every organization (all of it is `default` here)
    for (const scope of [[], ['--org', 'default']]) {
      const { status, stdout, stderr } = cli(['export', ...flagsOf(params), ...scope], {}, server.dataDir);
      expect(status, stderr).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toBe(api);
    }
  });

  it('an email in --q meets its pseudonym in the organization, as the API does', async () => {
    const api = await apiExport({ q: 'ops@example.com' });
    const { status, stdout, stderr } = cli(['export', '--q', 'ops@example.com', '--org', 'default'], {}, server.dataDir);
    expect(status, stderr).toBe(0);
    expect(stdout).toBe(api);
    expect(stdout.trim().split('\n')).toHaveLength(1);
  });

  it('--output writes the file whole (mode 0600), leaves no temporary file, and nothing on failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-export-'));
    const file = join(dir, 'ledger.csv');
    const { status, stdout, stderr } = cli(['export', '--format', 'csv', '--output', file], {}, server.dataDir);
    expect(status, stderr).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(await apiExport({ format: 'csv' }));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['ledger.csv']);
    // refused before writing: the earlier file stays as it was, nothing else appears
    const refused = cli(['export', '--format', 'xml', '-o', file], {}, server.dataDir);
    expect(refused.status).toBe(2);
    expect(readdirSync(dir)).toEqual(['ledger.csv']);
    const missing = cli(['export', '-o', join(dir, 'no/such/dir.jsonl')], {}, server.dataDir);
    expect(missing.status).toBe(2);
    expectOneLine(missing.stderr);
    expect(readdirSync(dir)).toEqual(['ledger.csv']);
  });

  it('on a terminal, reports progress on stderr (rows and rate)', () => {
    const probe = spawnSync('script', ['--version'], { encoding: 'utf8' });
    if (probe.status !== 0) return; // no util-linux `script` to give the command a terminal
    const file = join(mkdtempSync(join(tmpdir(), 'cli-export-')), 'out.jsonl');
    const command = [process.execPath, CLI, 'export', '--output', file].map((a) => `'${a}'`).join(' ');
    const { REDIS_URL: _sharedRedis, ...inherited } = process.env;
    const tty = spawnSync('script', ['-qec', command, '/dev/null'], { env: { ...inherited, AGENT_LEDGER_DATA_DIR: server.dataDir }, encoding: 'utf8' });
    expect(tty.status, tty.stdout).toBe(0);
    expect(tty.stdout).toMatch(new RegExp(`exported ${FULLTEXT_DOCUMENTS.length} entries \\([\\d,]+/s\\)`));
  });

  // last: it deletes the entries the exports above read (2025-06 is past the default 400 days)
  it('retention sweep reports its progress on stderr as plain lines when piped, its result alone on stdout', () => {
    const { status, stdout, stderr } = cli(['retention', 'sweep'], {}, server.dataDir);
    expect(status, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ entries: FULLTEXT_DOCUMENTS.length });
    const lines = stderr.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(3); // occasional, not one per batch
    for (const line of lines) expect(line).toMatch(/^retention: .*; deleted [\d,]+ entries/);
    expect(stderr).not.toContain('\r');
    expect(lines.at(-1)).toContain(`deleted ${FULLTEXT_DOCUMENTS.length} entries`);
  });
});
