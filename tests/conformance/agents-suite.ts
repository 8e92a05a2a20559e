import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentStore } from '../../exporters/agent-store.js';
import type { Agent } from '../../model/agent.js';
import { parseAsn } from '../../model/asn.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { normalizeOne } from '../helpers/normalize-spans.js';
import type { StoreHandle, StoreTarget } from './stores.js';

/**
 * The AgentStore contract (exporters/agent-store.ts), the same cases on every
 * store that implements it: registration by writes (inserted entries only),
 * lookup by UUID / ASN / external id within a tenant, reports and their hash
 * chain, the actions feed, status changes and the retention sweep. A store
 * that declares no agents (`Store.agents` null) has its cases skipped, as it
 * says, not by a list kept here. Run by agents-conformance.test.ts on every
 * store target, and on the Elasticsearch emulator by
 * tests/unit/elasticsearch-emulated-agents.test.ts.
 */

const SYSTEM = { actor_type: 'system' as const, actor_id: null };
const BASE_US = (Date.now() - 3_600_000) * 1000;
let n = 0;

function entry(org: string, agent: string, offsetUs: number, outcome: 'ok' | 'error' = 'ok'): EntryRecord {
  n++;
  return normalizeOne(
    { 'gen_ai.agent.id': agent, 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': `tool_${n}` },
    {
      traceId: n.toString(16).padStart(32, 'e'),
      spanId: n.toString(16).padStart(16, 'f'),
      startTimeUnixNano: BigInt(BASE_US + offsetUs) * 1000n,
      endTimeUnixNano: BigInt(BASE_US + offsetUs + 500) * 1000n,
      status: outcome === 'error' ? { code: 2, message: 'Connection timeout' } : { code: 0, message: '' },
    },
    { organizationId: org },
  );
}

export function agentsConformanceSuite(target: StoreTarget): void {
  const skip = target.skip;
  describe.skipIf(skip !== null)(`agents conformance: ${target.name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let handle: StoreHandle;
    let agents: AgentStore | null = null;
    const store = () => agents!;
    const a = { organization_id: 'conf_a' };
    let bot: Agent;

    beforeAll(async () => {
      handle = await target.create();
      agents = handle.store.agents;
      if (!agents) return;
      for (const id of ['conf_a', 'conf_b']) await handle.store.credentials.createOrganization({ id, name: id });
      n = 0; // each store gets the same entries (tool_1 …), whichever runs first in this file
      const batch = [entry('conf_a', 'bot', 0), entry('conf_a', 'bot', 1000, 'error'), entry('conf_a', 'helper', 2000), entry('conf_b', 'bot', 3000)];
      await handle.store.ledger.write(batch);
      await handle.store.ledger.write(batch); // re-delivered: moves nothing
      await handle.refresh();
      bot = (await store().findAgent(a, 'bot'))!;
    });
    afterAll(async () => handle?.dispose());
    // the store's own declaration decides: no agents, nothing to check (reported as skipped)
    beforeEach((ctx) => {
      if (!agents) ctx.skip(`${target.name} declares no agents (Store.agents is null)`);
    });

    it('registers each (organization, agent id) once, from inserted entries, with its counters', async () => {
      expect(bot).toMatchObject({ name: 'bot', organization_id: 'conf_a', status: 'active', external_ids: ['bot'], action_count: 2, error_rate: 0.5 });
      expect(parseAsn(bot.asn)).toBe(bot.asn);
      const page = await store().listAgents({ scope: a, page: 1, per_page: 10 });
      expect(page.total).toBe(2);
      expect(page.data.map((x) => x.name).sort()).toEqual(['bot', 'helper']);
      expect((await store().listAgents({ scope: a, name: 'HEL', page: 1, per_page: 10 })).data.map((x) => x.name)).toEqual(['helper']);
    });

    it('finds an agent by UUID, ASN or external id within its organization only', async () => {
      for (const ref of [bot.id, bot.asn, bot.asn.toLowerCase(), 'bot']) expect((await store().findAgent(a, ref))?.id, ref).toBe(bot.id);
      expect(await store().findAgent({ organization_id: 'conf_b' }, bot.id)).toBeNull();
      expect(await store().findAgent({ organization_id: 'conf_b' }, bot.asn)).toBeNull();
      expect((await store().findAgent({ organization_id: 'conf_b' }, 'bot'))?.id).not.toBe(bot.id);
      expect((await store().findAgent('public', bot.asn))?.id).toBe(bot.id);
      expect(await store().findAgent('public', 'bot')).toBeNull();
      expect(await store().findAgent(a, `${bot.asn.slice(0, -1)}${bot.asn.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    });

    it('appends reports to a verifiable hash chain, newest first when listed', async () => {
      const created = await store().reportActivity(
        [
          { agent_id: bot.id, event_type: 'startup', severity: 'info', metadata: { b: 2, a: 1 } },
          { agent_id: bot.id, event_type: 'incident', severity: 'critical', metadata: {} },
        ],
        'key:conformance',
      );
      expect(created.map((e) => e.sequence)).toEqual([1, 2]);
      expect(created[1].prev_hash).toBe(created[0].hash);
      await handle.refresh();
      const listed = await store().listActivity({ agent_id: bot.id, page: 1, per_page: 10 });
      expect(listed).toEqual({ data: [...created].reverse(), total: 2 });
      expect((await store().listActivity({ agent_id: bot.id, type: 'incident', page: 1, per_page: 10 })).total).toBe(1);
      expect((await store().verifyActivityChain(bot.id))).toMatchObject({ valid: true, events_checked: 2, tombstones: 0, head: { sequence: 2, hash: created[1].hash } });
      expect((await store().findAgent(a, bot.id))!.trust_score).toBeLessThan(bot.trust_score);
    });

    it('records status changes as lifecycle events, and refuses reports for a deactivated agent', async () => {
      expect((await store().setAgentStatus(bot.id, 'deactivated', SYSTEM)).changed).toBe(true);
      expect((await store().setAgentStatus(bot.id, 'deactivated', SYSTEM)).changed).toBe(false);
      await expect(store().reportActivity([{ agent_id: bot.id, event_type: 'x', severity: 'info', metadata: {} }], 'k')).rejects.toMatchObject({ reason: 'deactivated', index: 0 });
      await store().setAgentStatus(bot.id, 'active', SYSTEM);
      await handle.refresh();
    });

    it('merges the feed newest first within the window, cut at the limit', async () => {
      const feed = await store().listAgentActions({ agent_id: bot.id, scope: a, since_us: 0, until_us: Date.now() * 1000 + 1e6, limit: 50 });
      const kinds = feed.map((i) => (i.source === 'event' ? `event:${i.event.event_type}` : `log:${i.log.log_type}`));
      expect(kinds).toEqual(['event:activate', 'event:deactivate', 'log:incident', 'log:startup', 'event:register', 'log:error', 'log:tool_call']);
      expect(feed.find((i) => i.source === 'log' && i.log.log_type === 'error')).toMatchObject({ log: { message: 'tool_2 failed: Connection timeout' } });
      expect(await store().listAgentActions({ agent_id: bot.id, scope: a, since_us: BASE_US, until_us: BASE_US + 500, limit: 50 })).toHaveLength(1);
      expect(await store().listAgentActions({ agent_id: bot.id, scope: a, since_us: 0, until_us: Date.now() * 1000 + 1e6, limit: 3 })).toEqual(feed.slice(0, 3));
    });

    it('sweeps what is past retention, keeping the chain verifiable from tombstones', async () => {
      const later = Date.now() * 1000 + 401 * 86_400_000_000;
      const report = await store().sweepExpired({ now_us: later, batch_size: 2 });
      expect(report).toMatchObject({ entries: 4, activity_events: 2 });
      await handle.refresh();
      expect(await store().verifyActivityChain(bot.id)).toMatchObject({ valid: true, events_checked: 0, tombstones: 2, verified_from: null });
      expect((await store().listActivity({ agent_id: bot.id, page: 1, per_page: 10 })).total).toBe(0);
      expect((await store().findAgent(a, 'bot'))!.action_count).toBe(2);
    });
  });
}
