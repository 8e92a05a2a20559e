import type { Config } from '../config/index.js';
import { agentsOf, MIN_RETENTION_DAYS, RetentionPolicyError, type AgentStore } from '../exporters/agent-store.js';
import { AGENT_STATUSES, type AgentStatus } from '../model/agent.js';
import { openStore } from './cli-store.js';
import { UsageError, type Flags } from './command-line.js';
import { table } from './credential-commands.js';
import { count, createProgress } from './progress.js';

/** The agents of the configured store (SQLite in data_dir, or Elasticsearch), as the server opens it; refused when it has none. */
async function withStore<T>(config: Config, work: (store: AgentStore) => Promise<T>): Promise<T> {
  const store = await openStore(config, 'inline');
  try {
    return await work(agentsOf(store));
  } finally {
    await store.close();
  }
}

const scopeOf = (flags: Flags) => ({ organization_id: typeof flags.org === 'string' ? flags.org : null });

/**
 * `agent-ledger agents list|show`, `verify --agent`, `orgs set` and
 * `retention sweep`, straight on the store in the data directory (also while
 * the server runs). Returns the exit code: `verify` exits 1 on a broken chain.
 */
export async function runAgentCommand(config: Config, noun: string, verb: string | undefined, args: string[], flags: Flags, out: (text: string) => void): Promise<number> {
  return withStore(config, async (store) => {
    if (noun === 'agents' && verb === 'list') {
      const status = typeof flags.status === 'string' ? flags.status : undefined;
      if (status !== undefined && !AGENT_STATUSES.includes(status as AgentStatus)) throw new UsageError(`--status must be one of ${AGENT_STATUSES.join(', ')}`, 'agents list');
      const rows: Array<Record<string, unknown>> = [];
      for (let page = 1; ; page++) {
        const { data, total } = await store.listAgents({
          scope: scopeOf(flags),
          status: status as AgentStatus | undefined,
          name: typeof flags.name === 'string' ? flags.name : undefined,
          page,
          per_page: 100,
        });
        rows.push(...(data as unknown as Array<Record<string, unknown>>));
        if (page * 100 >= total) break;
      }
      out(table(rows, ['id', 'asn', 'name', 'organization_id', 'status', 'external_ids', 'action_count', 'trust_score', 'last_seen_at']));
      return 0;
    }
    if (noun === 'agents' && verb === 'show') {
      const agent = await store.findAgent(scopeOf(flags), args[0]);
      if (!agent) throw new UsageError(`no agent ${args[0]}`);
      out(`${JSON.stringify(agent, null, 2)}\n`);
      return 0;
    }
    if (noun === 'verify') {
      const ref = flags.agent;
      if (typeof ref !== 'string') throw new UsageError('verify needs --agent <agent id | ASN | external id>', 'verify');
      const agent = await store.findAgent(scopeOf(flags), ref);
      if (!agent) throw new UsageError(`no agent ${ref}`);
      const result = await store.verifyActivityChain(agent.id);
      out(`${JSON.stringify(result, null, 2)}\n`);
      const b = result.first_broken;
      process.stderr.write(
        b === null
          ? `chain of ${agent.asn} verifies: ${result.events_checked} event(s) recomputed, ${result.tombstones} tombstone(s) linked\n`
          : `chain of ${agent.asn} is BROKEN at sequence ${b.sequence}${b.event_id ? ` (event ${b.event_id})` : ''}: ${b.reason}\n`,
      );
      return b === null ? 0 : 1;
    }
    if (noun === 'orgs' && verb === 'set') {
      const id = args[0];
      const changes: { retention_days?: number; public_activity?: boolean } = {};
      if (typeof flags['retention-days'] === 'string') {
        if (!/^\d+$/.test(flags['retention-days'])) throw new UsageError('--retention-days must be a whole number of days', 'orgs set');
        changes.retention_days = Number(flags['retention-days']);
      }
      const visibility = flags['public-activity'];
      if (typeof visibility === 'string') {
        if (!['on', 'off'].includes(visibility)) throw new UsageError('--public-activity must be on or off', 'orgs set');
        changes.public_activity = visibility === 'on';
      }
      try {
        out(`${JSON.stringify({ id, ...(await store.setOrganizationPolicy(id, changes, flags.force === true)) })}\n`);
      } catch (err) {
        if (err instanceof RetentionPolicyError) throw new UsageError(`${err.message}${changes.retention_days! < MIN_RETENTION_DAYS ? ' (add --force)' : ''}`, 'orgs set');
        throw err;
      }
      return 0;
    }
    if (noun === 'retention' && verb === 'sweep') {
      const progress = createProgress();
      const report = await store
        .sweepExpired({
          now_us: Date.now() * 1000,
          batch_size: config.retention.sweep_batch_size,
          progress: (r, step) => progress.update(`retention: ${step}; deleted ${count(r.entries)} entries, ${count(r.activity_events)} activity events, ${count(r.lifecycle_events)} lifecycle events so far`),
        })
        .finally(() => progress.done());
      out(`${JSON.stringify(report)}\n`);
      return 0;
    }
    throw new UsageError(`unknown command: ${noun} ${verb ?? ''}`);
  });
}
