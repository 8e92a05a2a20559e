import { resolve, join } from 'node:path';
import { issueApiKey } from '../auth/api-keys.js';
import { loadPepper } from '../auth/pepper.js';
import { ROLES, SCOPES, type Role, type Scope } from '../auth/principal.js';
import type { Config } from '../config/index.js';
import { openStore } from './cli-store.js';
import { UsageError, type Flags } from './command-line.js';

export function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : Array.isArray(v) ? v.join(',') : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n') + '\n';
}

/** `30d`, `12h`, `90m` from now, or an ISO date. */
function expiry(flags: Flags): string | null {
  const at = flags['expires-at'];
  const within = flags['expires-in'];
  if (typeof at === 'string' && typeof within === 'string') throw new UsageError('give --expires-in or --expires-at, not both', 'keys create');
  if (typeof at === 'string') {
    const ms = Date.parse(at);
    if (Number.isNaN(ms)) throw new UsageError('--expires-at must be an ISO 8601 date', 'keys create');
    return new Date(ms).toISOString();
  }
  if (typeof within === 'string') {
    const m = /^(\d+)([dhm])$/.exec(within);
    if (!m) throw new UsageError('--expires-in must look like 30d, 12h or 90m', 'keys create');
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
    return new Date(Date.now() + Number(m[1]) * unit).toISOString();
  }
  return null;
}

/** `agent-ledger orgs …` and `agent-ledger keys …`, straight on the store in the data directory. */
export async function runCredentialCommand(config: Config, noun: string, verb: string | undefined, args: string[], flags: Flags, out: (text: string) => void): Promise<void> {
  const dataDir = resolve(config.data_dir);
  const opened = await openStore(config, 'inline');
  const store = opened.credentials;
  try {
    if (noun === 'orgs' && verb === 'create') {
      const id = args[0];
      if (await store.getOrganization(id)) throw new UsageError(`organization ${id} exists`);
      out(JSON.stringify(await store.createOrganization({ id, name: typeof flags.name === 'string' ? flags.name : id })) + '\n');
    } else if (noun === 'orgs' && verb === 'list') {
      out(table((await store.listOrganizations()) as unknown as Array<Record<string, unknown>>, ['id', 'name', 'created_at']));
    } else if (noun === 'keys' && verb === 'create') {
      const org = typeof flags.org === 'string' ? flags.org : config.organization_id;
      const role = (typeof flags.role === 'string' ? flags.role : 'admin') as Role;
      if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`, 'keys create');
      const scopes = (typeof flags.scopes === 'string' ? flags.scopes.split(',') : ['read']).map((s) => s.trim()) as Scope[];
      const unknown = scopes.filter((s) => !SCOPES.includes(s));
      if (unknown.length) throw new UsageError(`unknown scope(s) ${unknown.join(', ')}; scopes are ${SCOPES.join(', ')}`, 'keys create');
      const user = typeof flags.user === 'string' ? flags.user : null;
      if (role === 'user' && !user) throw new UsageError('a key with --role user needs --user <id>', 'keys create');
      const expires_at = expiry(flags);
      if (!(await store.getOrganization(org))) throw new UsageError(`no organization ${org}; create it with: agent-ledger orgs create ${org}`);
      const { key, record } = await issueApiKey(store, loadPepper(config.auth.key_pepper, dataDir), {
        organization_id: org,
        user_id: user,
        role,
        scopes,
        name: typeof flags.name === 'string' ? flags.name : null,
        expires_at,
      });
      out(`${key}\n`);
      process.stderr.write(`key ${record.id} (${record.prefix}…) for ${org}, role ${role}, scopes ${record.scopes.join(',')}; it is shown only this once\n`);
    } else if (noun === 'keys' && verb === 'list') {
      const rows = await store.listApiKeys(typeof flags.org === 'string' ? flags.org : null);
      out(table(rows as unknown as Array<Record<string, unknown>>, ['id', 'prefix', 'organization_id', 'user_id', 'role', 'scopes', 'name', 'expires_at', 'revoked_at']));
    } else if (noun === 'keys' && verb === 'revoke') {
      if (!(await store.revokeApiKey(args[0]))) throw new UsageError(`no active key ${args[0]}`);
      out(`revoked ${args[0]}; processes stop accepting it within ${config.auth.key_cache_seconds} s\n`);
    } else {
      throw new UsageError(`unknown command: ${noun} ${verb ?? ''}`);
    }
  } finally {
    await opened.close();
  }
}
