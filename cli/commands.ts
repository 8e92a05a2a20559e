import { SCOPES, ROLES } from '../auth/principal.js';
import { ROLES as SERVER_ROLES, type ServerRole } from './role-names.js';
import { AGENT_STATUSES } from '../model/agent.js';
import { OUTCOMES } from '../model/ledger-entry.js';
import { fieldDescription } from '../query-api/openapi/zod-openapi.js';
import { EXPORT_FORMATS } from '../query-api/export/export-formats.js';
import { exportShape } from '../query-api/export/ledger-export.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The value's name in help (`--org ID`). */
  value?: string;
  help: string;
}

/**
 * One command of `agent-ledger`: its options are declared here once, and
 * both the strict parse (command-line.ts) and its `--help` come from them.
 */
export interface CommandSpec {
  /** `export`, or noun and verb: `keys create`. */
  name: string;
  group: 'role' | 'admin' | 'dlq';
  /** Positional arguments as shown in usage. */
  args?: string;
  /** How many positional arguments, at least and at most. */
  positionals?: [number, number];
  summary: string;
  details?: string;
  options: Record<string, OptionSpec>;
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  config: { type: 'string', value: 'FILE', help: 'YAML configuration (else AGENT_LEDGER_CONFIG)' },
  debug: { type: 'boolean', help: 'a stack trace with an internal error (also AGENT_LEDGER_DEBUG=1)' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
};

const org = (help: string): OptionSpec => ({ type: 'string', value: 'ID', help });

const role = (name: string, summary: string): CommandSpec => ({ name, group: 'role', summary, options: {} });

/** The value name shown for each export flag; its description is the API parameter's own (a parameter added there fails to compile here until named). */
const EXPORT_VALUES: Record<keyof typeof exportShape, string> = {
  format: 'FORMAT',
  limit: 'N',
  cursor: 'CURSOR',
  outcome: 'OUTCOME',
  action_name: 'NAME',
  agent_id: 'ID',
  run_id: 'UUID',
  min_cost: 'USD',
  max_cost: 'USD',
  start_date: 'DATE',
  end_date: 'DATE',
  kind: 'KIND',
  model: 'MODEL',
  provider: 'PROVIDER',
  user_id: 'ID',
  service_name: 'NAME',
  tag: 'TAG',
  conversation_id: 'ID',
  search: 'TEXT',
  q: 'QUERY',
  query: 'EXPRESSION',
};

/** `action_name` is `--action-name` on the command line. */
export const flagOf = (param: string) => param.replaceAll('_', '-');

/** One line per server role: a role added to role-names.ts without one does not compile. */
const ROLE_HELP: Record<ServerRole, string> = {
  all: 'receiver + queue + worker + store + query API in one process (with REDIS_URL the queue is BullMQ)',
  receiver: 'OTLP receiver enqueueing to BullMQ (needs REDIS_URL)',
  worker: 'BullMQ worker writing to the store (needs REDIS_URL)',
  query: 'query API',
};

export const COMMANDS: CommandSpec[] = [
  ...SERVER_ROLES.map((name) => role(name, ROLE_HELP[name])),
  {
    name: 'orgs create',
    group: 'admin',
    args: '<id>',
    positionals: [1, 1],
    summary: 'creates an organization',
    options: { name: { type: 'string', value: 'NAME', help: 'display name (default: the id)' } },
  },
  { name: 'orgs list', group: 'admin', summary: 'lists organizations', options: {} },
  {
    name: 'orgs set',
    group: 'admin',
    args: '<id>',
    positionals: [1, 1],
    summary: "sets an organization's retention or the visibility of its agents' activity",
    details: 'Retention below 183 days (EU AI Act Art. 19) needs --force.',
    options: {
      'retention-days': { type: 'string', value: 'N', help: 'keep entries and activity N days' },
      force: { type: 'boolean', help: 'allow a retention below 183 days' },
      'public-activity': { type: 'string', value: 'on|off', help: "whether agents' activity is public" },
    },
  },
  {
    name: 'keys create',
    group: 'admin',
    summary: 'issues an API key and prints it once',
    options: {
      org: org('organization of the key (default: organization_id of the configuration)'),
      role: { type: 'string', value: ROLES.join('|'), help: 'default admin' },
      user: { type: 'string', value: 'ID', help: 'the user of a --role user key' },
      scopes: { type: 'string', value: 'LIST', help: `comma-separated, of ${SCOPES.join(', ')} (default read)` },
      name: { type: 'string', value: 'NAME', help: 'a label' },
      'expires-in': { type: 'string', value: 'DURATION', help: 'expires after 30d, 12h or 90m' },
      'expires-at': { type: 'string', value: 'DATE', help: 'expires at this ISO 8601 date' },
    },
  },
  { name: 'keys list', group: 'admin', summary: 'lists API keys (never the keys themselves)', options: { org: org('keys of this organization') } },
  { name: 'keys revoke', group: 'admin', args: '<key id or prefix>', positionals: [1, 1], summary: 'revokes an API key', options: {} },
  {
    name: 'agents list',
    group: 'admin',
    summary: 'lists registered agents',
    options: {
      org: org('agents of this organization'),
      status: { type: 'string', value: AGENT_STATUSES.join('|'), help: 'agents with this status' },
      name: { type: 'string', value: 'TEXT', help: 'agents whose name holds TEXT' },
    },
  },
  {
    name: 'agents show',
    group: 'admin',
    args: '<agent id | ASN | external id>',
    positionals: [1, 1],
    summary: 'shows one agent as JSON',
    options: { org: org('look up external ids in this organization') },
  },
  {
    name: 'verify',
    group: 'admin',
    summary: "recomputes an agent's activity hash chain; exits 1 if it is broken",
    options: { agent: { type: 'string', value: 'REF', help: 'agent id, ASN or external id (required)' }, org: org('look up external ids in this organization') },
  },
  { name: 'retention sweep', group: 'admin', summary: 'deletes what is past retention now (the server also does it periodically)', options: {} },
  {
    name: 'export',
    group: 'admin',
    summary: 'writes ledger entries as GET /api/v1/ledger/export does (same filters, same bytes), newest first',
    details: 'Progress on stderr when it is a terminal. With --output, the file appears complete or not at all.',
    options: {
      ...Object.fromEntries(
        Object.entries(EXPORT_VALUES).map(([param, value]) => {
          const help = fieldDescription(exportShape[param as keyof typeof exportShape]) ?? '';
          return [flagOf(param), { type: 'string', value, help } satisfies OptionSpec];
        }),
      ),
      org: org('entries of this organization (default: every organization)'),
      output: { type: 'string', short: 'o', value: 'FILE', help: 'write to FILE (mode 0600) instead of stdout' },
    },
  },
  { name: 'dlq list', group: 'dlq', summary: 'lists dead letters (BullMQ with REDIS_URL, else data_dir/dead-letters)', options: {} },
  {
    name: 'dlq replay',
    group: 'dlq',
    args: '<id…>',
    positionals: [0, Number.MAX_SAFE_INTEGER],
    summary: 'writes dead letters again',
    options: { all: { type: 'boolean', help: 'every dead letter' } },
  },
];
