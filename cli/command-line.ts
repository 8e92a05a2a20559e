import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './commands.js';

/** Bad command-line input: one line on stderr, exit 2 (`command` names the help to see). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command: string | null = null,
  ) {
    super(message);
  }
}

export type Flags = Record<string, string | boolean | undefined>;

export type Invocation =
  | { kind: 'version' }
  | { kind: 'help'; text: string }
  | { kind: 'run'; spec: CommandSpec; flags: Flags; args: string[] };

const PROGRAM = 'agent-ledger';

/** The package's version, from the package.json above this file (dist/cli/ or cli/, also in the image). */
export function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === PROGRAM && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of ${PROGRAM} above ${fileURLToPath(import.meta.url)}`);
  }
}

const NOUNS = [...new Set(COMMANDS.map((c) => c.name.split(' ')[0]))];
const verbsOf = (noun: string) => COMMANDS.filter((c) => c.name.startsWith(`${noun} `));
const find = (name: string) => COMMANDS.find((c) => c.name === name);
const isFlag = (token: string | undefined) => token !== undefined && token.startsWith('-') && token !== '-';

/**
 * Finds the command (`keys create`, `export`, …) in argv and parses its
 * options strictly against that command's own declaration (commands.ts):
 * an unknown or repeated flag, a flag without its value, a missing or extra
 * argument is a UsageError, never a stack.
 */
export function parseCommandLine(argv: string[]): Invocation {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) return { kind: 'version' };
  // global options may come before the command too (`agent-ledger --config FILE all`)
  const leading: string[] = [];
  let at = 0;
  for (; isFlag(argv[at]); at++) {
    const token = argv[at];
    if (token === '--help' || token === '-h') return { kind: 'help', text: topHelp() };
    if (token === '--debug' || token.startsWith('--config=')) leading.push(token);
    else if (token === '--config') {
      if (argv[at + 1] === undefined || isFlag(argv[at + 1])) throw new UsageError('--config needs a value');
      leading.push(token, argv[++at]);
    } else throw new UsageError(`unknown option ${token} before the command`);
  }
  if (at === argv.length) return { kind: 'help', text: topHelp() };
  const [noun, ...rest] = argv.slice(at);
  if (noun === 'version') return rest.length ? invalid(`version takes no arguments`, null) : { kind: 'version' };
  if (noun === 'help') return { kind: 'help', text: helpFor(rest) };
  if (!NOUNS.includes(noun)) throw new UsageError(`unknown command ${quote(noun)}`);
  let spec = find(noun);
  let tail = rest;
  if (!spec) {
    const verbs = verbsOf(noun);
    const verb = rest[0];
    if (verb === undefined || verb === '--help' || verb === '-h') {
      if (verb === undefined) throw new UsageError(`${noun} needs a subcommand: ${verbs.map((c) => c.name.split(' ')[1]).join(', ')}`, noun);
      return { kind: 'help', text: nounHelp(noun) };
    }
    spec = find(`${noun} ${verb}`);
    if (!spec) throw new UsageError(`unknown subcommand ${quote(`${noun} ${verb}`)}; ${noun} has ${verbs.map((c) => c.name.split(' ')[1]).join(', ')}`, noun);
    tail = rest.slice(1);
  }
  const options = { ...GLOBAL_OPTIONS, ...spec.options };
  let parsed;
  try {
    parsed = parseArgs({ args: [...leading, ...tail], options: toParseArgs(options), allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    throw new UsageError(parseArgsMessage(err as Error & { code?: string }), spec.name);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} given more than once`, spec.name);
    seen.add(token.name);
    if (token.value === '') throw new UsageError(`--${token.name} must not be empty`, spec.name);
  }
  const flags = parsed.values as Flags;
  if (flags.help) return { kind: 'help', text: commandHelp(spec) };
  const args = parsed.positionals;
  const [min, max] = spec.positionals ?? [0, 0];
  if (args.length < min) throw new UsageError(`${spec.name} needs ${spec.args}`, spec.name);
  if (args.length > max) throw new UsageError(`unexpected argument ${quote(args[max])}`, spec.name);
  return { kind: 'run', spec, flags, args };
}

function invalid(message: string, command: string | null): never {
  throw new UsageError(message, command);
}

function toParseArgs(options: Record<string, OptionSpec>) {
  return Object.fromEntries(Object.entries(options).map(([name, o]) => [name, o.short ? { type: o.type, short: o.short } : { type: o.type }]));
}

/** node:util's messages are long and multi-line; one line that names the flag instead. */
function parseArgsMessage(err: Error & { code?: string }): string {
  const option = /'(-[^' ]+)/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option ?? ''}`.trim();
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return /does not take an argument/.test(err.message) ? `${option} takes no value` : `${option} needs a value`;
  }
  return err.message.split('\n')[0];
}

/** Shown as typed, but never a control character from the command line. */
const quote = (s: string) => JSON.stringify(s);

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, o]) => [`${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`, o.help]);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, help]) => `  ${left.padEnd(width)}${help}`);
}

export function commandHelp(spec: CommandSpec): string {
  const synopsis = [PROGRAM, spec.name, spec.args ?? '', Object.keys(spec.options).length ? '[options]' : ''].filter(Boolean).join(' ');
  return [
    `usage: ${synopsis}`,
    '',
    spec.summary,
    ...(spec.details ? ['', spec.details] : []),
    ...(Object.keys(spec.options).length ? ['', 'options:', ...optionLines(spec.options)] : []),
    '',
    'global options:',
    ...optionLines(GLOBAL_OPTIONS),
  ].join('\n');
}

function nounHelp(noun: string): string {
  const verbs = verbsOf(noun);
  const width = Math.max(...verbs.map((c) => c.name.length)) + 2;
  return [`usage: ${PROGRAM} ${noun} <subcommand> [options]`, '', ...verbs.map((c) => `  ${c.name.padEnd(width)}${c.summary}`), '', `${PROGRAM} ${noun} <subcommand> --help shows its options.`].join('\n');
}

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  const group = (g: CommandSpec['group']) => COMMANDS.filter((c) => c.group === g).map((c) => `  ${c.name.padEnd(width)}${c.summary}`);
  return [
    `usage: ${PROGRAM} <command> [options]`,
    '',
    'server roles:',
    ...group('role'),
    '',
    'administration (on the store of the configuration, also while the server runs):',
    ...group('admin'),
    '',
    'dead letters:',
    ...group('dlq'),
    '',
    `  ${'help <command>'.padEnd(width)}the options of a command (or: ${PROGRAM} <command> --help)`,
    `  ${'--version'.padEnd(width)}the version`,
    '',
    'global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Configuration: defaults < YAML file (--config or AGENT_LEDGER_CONFIG) < AGENT_LEDGER_* environment variables.',
  ].join('\n');
}

function helpFor(words: string[]): string {
  if (words.length === 0) return topHelp();
  const name = words.join(' ');
  const spec = find(name);
  if (spec) return commandHelp(spec);
  if (words.length === 1 && NOUNS.includes(name)) return nounHelp(name);
  throw new UsageError(`unknown command ${quote(name)}`);
}
