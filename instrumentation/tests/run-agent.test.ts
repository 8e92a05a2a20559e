import { trace } from '@opentelemetry/api';
import { beforeEach, describe, expect, it } from 'vitest';
import { blocked, runAgent, tool } from '../src/index.js';
import { memorySdk } from './helpers/memory-sdk.js';

const sdk = memorySdk({ agentId: 'default-agent', agentVersion: '2.4.0' });
beforeEach(() => sdk.reset());

describe('runAgent()', () => {
  it('names the agent version: init()\'s for init()\'s agent, the option\'s, none for another agent', async () => {
    await runAgent('default', async () => undefined);
    await runAgent('pinned', async () => undefined, { agentVersion: '3.0.0-rc.1' });
    await runAgent('other', async () => undefined, { agentId: 'other-agent' });
    const version = async (name: string) => (await sdk.byName(`invoke_agent ${name}`)).attributes['gen_ai.agent.version'];
    expect(await version('default')).toBe('2.4.0');
    expect(await version('pinned')).toBe('3.0.0-rc.1');
    expect(await version('other')).toBeUndefined();
  });

  it('is the root invoke_agent span of a run, with input, output and the run id the ledger uses', async () => {
    const step = tool('step', async () => 'ok');
    const result = await runAgent(
      'support-agent',
      async (run) => {
        expect(trace.getActiveSpan()).toBe(run.span);
        await step();
        return { runId: run.runId, traceId: run.traceId };
      },
      { input: { ticket: 'T-1' }, conversationId: 'conv-9', tags: ['eu'], costUsd: 0.01 },
    );
    expect(result.runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(result.runId.replaceAll('-', '')).toBe(result.traceId);
    const root = await sdk.byName('invoke_agent support-agent');
    const child = await sdk.byName('execute_tool step');
    expect(root.parentSpanContext).toBeUndefined();
    expect(child.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(root.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'support-agent',
      'gen_ai.agent.id': 'default-agent',
      'gen_ai.conversation.id': 'conv-9',
      'ledger.outcome': 'success',
      'ledger.tags': ['eu'],
      'ledger.cost_usd': 0.01,
      'ledger.inputs': '{"ticket":"T-1"}',
    });
    expect(JSON.parse(root.attributes['ledger.outputs'] as string)).toEqual(result);
  });

  it('marks a failed run and rethrows; a blocked run is blocked', async () => {
    await expect(runAgent('crashy', async () => Promise.reject(new Error('LLM unavailable')))).rejects.toThrow('LLM unavailable');
    await expect(runAgent('guarded', () => blocked('kill switch on'))).rejects.toThrow('kill switch on');
    const [crashy, guarded] = await sdk.spans();
    expect(crashy.attributes['ledger.outcome']).toBe('error');
    expect(crashy.status).toEqual({ code: 2, message: 'LLM unavailable' });
    expect(guarded.attributes['ledger.outcome']).toBe('blocked');
  });

  it('nests a sub-agent in the same run with its own agent id, unless it starts a new run', async () => {
    await runAgent('planner', async () => {
      await runAgent('researcher', async () => tool('search', async () => 1)(), { agentId: 'researcher-1' });
      await runAgent('mailer', async () => 1, { newRun: true });
    });
    const spans = await sdk.spans();
    const get = (name: string) => spans.find((s) => s.name === name)!;
    const planner = get('invoke_agent planner');
    expect(get('invoke_agent researcher').spanContext().traceId).toBe(planner.spanContext().traceId);
    expect(get('execute_tool search').attributes['gen_ai.agent.id']).toBe('researcher-1');
    expect(get('invoke_agent mailer').spanContext().traceId).not.toBe(planner.spanContext().traceId);
    expect(get('invoke_agent mailer').parentSpanContext).toBeUndefined();
  });

  it('stamps the agent id on spans of other instrumentations too', async () => {
    await runAgent('stamper', async () => trace.getTracer('some-http-lib').startSpan('GET /orders').end(), { agentId: 'stamped-agent' });
    expect((await sdk.byName('GET /orders')).attributes['gen_ai.agent.id']).toBe('stamped-agent');
  });
});
