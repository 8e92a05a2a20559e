import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, createKey, ids, sendSpans, type TestSpan } from '../helpers/agents-api.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { expectedTrustScore, type Observed } from '../helpers/trust-formula.js';

/**
 * The trust score on the running server against the README's formula
 * computed here, independently, from what was sent: ledger outcomes of spans
 * (at their start times) and activity events (at the times the server gave
 * them), decayed to the `as_of` the answer states. It falls after an incident
 * and recovers with successes. Run `npm run build` first.
 */

const HALF_LIFE_DAYS = 7;
const DAY_MS = 86_400_000;
let server: ServerProcess;
let key: string;
const observed: Observed[] = [];
let firstSpans: TestSpan[] = [];

async function agentNow(): Promise<any> {
  return (await callApi(server, 'GET', '/api/v1/agents/trusty', { key })).body;
}

function expectFormula(agent: any): void {
  const asOfUs = Date.parse(agent.trust_breakdown.as_of) * 1000 + Number(agent.trust_breakdown.as_of.slice(23, 26));
  expect(agent.trust_score).toBeCloseTo(expectedTrustScore(observed, asOfUs, HALF_LIFE_DAYS), 1);
  expect(agent.trust_breakdown.score).toBe(agent.trust_score);
  expect(agent.trust_breakdown.half_life_days).toBe(HALF_LIFE_DAYS);
}

async function reportEvents(events: Array<{ event_type: string; severity?: string }>): Promise<void> {
  const res = await callApi(server, 'POST', '/api/v1/activity/report/batch', { key, body: { events: events.map((e) => ({ asn: 'trusty', ...e })) } });
  expect(res.status).toBe(201);
  res.body.data.forEach((created: any, i: number) => {
    const at_us = Date.parse(created.created_at) * 1000 + Number(created.created_at.slice(23, 26));
    const { event_type, severity = 'info' } = events[i];
    if (event_type === 'task_completed') observed.push({ kind: 'success', at_us });
    else if (event_type === 'incident') observed.push({ kind: 'incident', severity: severity as 'critical', at_us });
    else if (event_type === 'task_failed') observed.push({ kind: 'error', at_us });
  });
}

beforeAll(async () => {
  server = await startServerProcess({ env: { AGENT_LEDGER_AGENTS_TRUST_HALF_LIFE_DAYS: String(HALF_LIFE_DAYS) } });
  key = createKey(server, 'acme', 'admin,read,ingest');
  // 40 actions over the last 20 days: mostly successes, some errors and blocked attempts
  const now = Date.now();
  const spans: TestSpan[] = [];
  for (let i = 0; i < 40; i++) {
    const atMs = now - (i * 20 * DAY_MS) / 40 - 1000;
    const kind = i % 8 === 3 ? 'error' : i % 10 === 7 ? 'blocked' : 'success';
    spans.push({ agent: 'trusty', name: `step-${i}`, atMs, ...(kind === 'error' ? { error: 'failed' } : {}), ...(kind === 'blocked' ? { outcome: 'blocked' as const } : {}), ...ids() });
    observed.push({ kind, at_us: atMs * 1000 });
  }
  await sendSpans(server, key, spans);
  firstSpans = spans;
});

afterAll(async () => {
  await server?.stop();
});

describe('trust score', () => {
  it('starts from ledger outcomes, exactly as the formula computed here says', async () => {
    const agent = await agentNow();
    expect(agent.action_count).toBe(40);
    expectFormula(agent);
    const parts = Object.fromEntries(agent.trust_breakdown.components.map((c: any) => [c.name, c]));
    expect(parts.blocked.weight).toBe(2);
    expect(parts.errors.count).toBeGreaterThan(0);
    expect(parts.incidents_critical.count).toBe(0);
  });

  it('falls after incidents, more after a critical one', async () => {
    const before = (await agentNow()).trust_score;
    await reportEvents([{ event_type: 'incident', severity: 'warning' }]);
    const afterWarning = await agentNow();
    expectFormula(afterWarning);
    expect(afterWarning.trust_score).toBeLessThan(before);
    await reportEvents([{ event_type: 'incident', severity: 'critical' }, { event_type: 'task_failed' }]);
    const afterCritical = await agentNow();
    expectFormula(afterCritical);
    expect(before - afterCritical.trust_score).toBeGreaterThan(2 * (before - afterWarning.trust_score));
  });

  it('recovers with successes, from activity and from the ledger', async () => {
    const low = (await agentNow()).trust_score;
    await reportEvents(Array.from({ length: 60 }, () => ({ event_type: 'task_completed' })));
    const mid = await agentNow();
    expectFormula(mid);
    expect(mid.trust_score).toBeGreaterThan(low);
    const now = Date.now();
    const spans: TestSpan[] = Array.from({ length: 30 }, (_, i) => ({ agent: 'trusty', name: `ok-${i}`, atMs: now - i * 1000, ...ids() }));
    await sendSpans(server, key, spans);
    for (const s of spans) observed.push({ kind: 'success', at_us: s.atMs * 1000 });
    const high = await agentNow();
    expectFormula(high);
    expect(high.trust_score).toBeGreaterThan(mid.trust_score);
    // the list shows the same score
    const listed = (await callApi(server, 'GET', '/api/v1/agents', { key })).body.data.find((a: any) => a.name === 'trusty');
    expect(listed.trust_score).toBeCloseTo(high.trust_score, 1);
  });

  it('ignores re-delivered spans and events that say nothing about trust', async () => {
    const before = await agentNow();
    await reportEvents([{ event_type: 'startup' }, { event_type: 'shutdown', severity: 'warning' }]);
    await sendSpans(server, key, firstSpans);
    const after = await agentNow();
    expect(after.action_count).toBe(before.action_count);
    expectFormula(after);
    expect(after.trust_score).toBeCloseTo(before.trust_score, 1);
  });
});
