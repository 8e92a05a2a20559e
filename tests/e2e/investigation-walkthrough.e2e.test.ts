import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { runSupportExample } from '../helpers/support-example.js';

/**
 * The README's investigation (Query language, "An investigation, walked
 * through"), replayed: the support-agent example runs against the compiled
 * server, then every request of that section, read from README.md, is sent
 * and its answer compared with the one printed there, ids, times and
 * pseudonyms aside. A README edit or a server change that breaks the story
 * fails here.
 */
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const SETUP = 'H="Authorization: Bearer $LEDGER_KEY"; API=http://127.0.0.1:8080/api/v1';
const OUTSIDER = 'dump@outside.example';

interface Step {
  path: string;
  params: Array<[string, string]>;
  filter: string;
  printed: string[];
}

/** The section's shell blocks, each with the answer block that follows it. */
function walkthroughSteps(): Step[] {
  const start = README.indexOf('#### An investigation, walked through');
  expect(start, 'the README has the walkthrough').toBeGreaterThan(0);
  const end = README.indexOf('\n### ', start);
  const blocks = [...README.slice(start, end).matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], body: m[2] }));
  expect(blocks[0]).toEqual({ lang: 'sh', body: `${SETUP}\n` });
  const steps: Step[] = [];
  for (let i = 1; i < blocks.length; i += 2) {
    const command = blocks[i].body.replace(/\\\n\s*/g, '').trim();
    expect(blocks[i].lang, command).toBe('sh');
    const m = /^curl -sG -H "\$H" \$API(\S+)((?: --data-urlencode '[^']*')*) \| jq -c '([^']+)'$/.exec(command);
    expect(m, `a curl | jq line: ${command}`).not.toBeNull();
    const params = [...m![2].matchAll(/--data-urlencode '([^=']+)=([^']*)'/g)].map((p): [string, string] => [p[1], p[2]]);
    expect(blocks[i + 1]?.lang, `the answer of ${command}`).toBe('');
    steps.push({ path: m![1], params, filter: m![3], printed: blocks[i + 1].body.trimEnd().split('\n') });
  }
  return steps;
}

/** What each jq filter of the README prints (jq -c writes JSON as JSON.stringify does). */
const PROJECTIONS: Record<string, (body: any) => unknown[]> = {
  '.count, (.data[] | [.name, .outcome, .agent_id, .run_id, .inputs, .status_message])': (b) => [
    b.count,
    ...b.data.map((e: any) => [e.name, e.outcome, e.agent_id, e.run_id, e.inputs, e.status_message]),
  ],
  '.count, (.data[] | [.id, .name, .timestamp])': (b) => [b.count, ...b.data.map((e: any) => [e.id, e.name, e.timestamp])],
  '[.count, .by_agent, .by_day]': (b) => [[b.count, b.by_agent, b.by_day]],
  '.count, (.data[] | [.name, .outcome, .run_id, .status_message])': (b) => [b.count, ...b.data.map((e: any) => [e.name, e.outcome, e.run_id, e.status_message])],
  '[.value, .count, .by_agent], (.data[] | [.agent_id, .name, .outcome, .run_id, .timestamp])': (b) => [
    [b.value, b.count, b.by_agent],
    ...b.data.map((e: any) => [e.agent_id, e.name, e.outcome, e.run_id, e.timestamp]),
  ],
  '.data[] | [.id, .agent_id, .action_count, .status]': (b) => b.data.map((r: any) => [r.id, r.agent_id, r.action_count, r.status]),
  '.count, [.data[].name]': (b) => [b.count, b.data.map((e: any) => e.name)],
};

/**
 * Ids, pseudonyms, times and days differ from run to run: each becomes a
 * placeholder numbered in order of first appearance, so the same id must
 * stand where the README repeats it (the blocked export's run in steps 1 and 2).
 */
function masker(): (line: string) => string {
  const seen = new Map<string, string>();
  const name = (kind: string) => (v: string) => {
    if (!seen.has(v)) seen.set(v, `<${kind}${[...seen.keys()].filter((k) => seen.get(k)!.startsWith(`<${kind}`)).length + 1}>`);
    return seen.get(v)!;
  };
  return (line) =>
    line
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, name('id'))
      .replace(/\[EMAIL:[0-9a-f]{16}\]/g, name('email'))
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/g, '<time>')
      .replace(/"\d{4}-\d\d-\d\d"/g, '"<day>"');
}

let server: ServerProcess;
const get = async (path: string) => {
  const res = await fetch(server.apiUrl + path, { headers: server.auth });
  return { status: res.status, text: await res.text() };
};

beforeAll(async () => {
  server = await startServerProcess();
  const example = await runSupportExample(server.otlpUrl);
  expect(example.code, example.output).toBe(0);
  // the example's 57 actions (its README) are stored once its spans are acknowledged
  expect(JSON.parse((await get('/api/v1/ledger/stats')).text).total_actions).toBe(57);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('the README investigation on the example agent data', () => {
  it('prints the answers the server gives, request by request', async () => {
    const steps = walkthroughSteps();
    expect(steps).toHaveLength(7);
    const maskPrinted = masker();
    const maskActual = masker();
    for (const step of steps) {
      const project = PROJECTIONS[step.filter];
      expect(project, `a projection for the README's jq filter ${step.filter}`).toBeDefined();
      const res = await get(`/api/v1${step.path}${step.params.length ? `?${new URLSearchParams(step.params)}` : ''}`);
      expect(res.status, `${step.path} ${res.text}`).toBe(200);
      expect(res.text, 'the clear address stays out of every answer').not.toContain(OUTSIDER);
      const actual = project(JSON.parse(res.text)).map((v) => maskActual(JSON.stringify(v)));
      expect(actual, `${step.path} ${JSON.stringify(step.params)}`).toEqual(step.printed.map(maskPrinted));
    }
  });

  it('finds the blocked export to the outsider, and the invoice another agent mailed there', async () => {
    const blocked = JSON.parse((await get(`/api/v1/ledger?${new URLSearchParams({ query: 'outcome:blocked AND inputs.fields:email AND inputs.to:*' })}`)).text);
    expect(blocked.count).toBe(1);
    const [exported] = blocked.data;
    expect(exported).toMatchObject({ name: 'export_customer_data', agent_id: 'support-agent', outcome: 'blocked' });
    // an investigator pastes the address as it was written: any case, percent-encoded or not
    for (const spelling of [OUTSIDER, 'DUMP@Outside.Example', encodeURIComponent(OUTSIDER)]) {
      const timeline = JSON.parse((await get(`/api/v1/entities/email/${spelling}/timeline`)).text);
      expect(timeline.value, spelling).toBe(exported.inputs.to);
      expect(timeline.count, spelling).toBe(5);
      expect(new Set(timeline.data.map((e: any) => e.run_id)).size).toBe(2);
      expect(timeline.by_agent.map((a: any) => a.agent_id).sort()).toEqual(['billing-agent', 'support-agent']);
      expect(timeline.data.map((e: any) => e.id)).toContain(exported.id);
      const invoice = timeline.data.find((e: any) => e.name === 'send_invoice');
      expect(invoice).toMatchObject({ agent_id: 'billing-agent', outcome: 'success', inputs: { order_id: 'A1001', to: exported.inputs.to } });
      expect(Date.parse(invoice.timestamp)).toBeLessThan(Date.parse(exported.timestamp));
    }
    // the query language's spelling of the same pivot finds the same entries
    const byQuery = JSON.parse((await get(`/api/v1/ledger?${new URLSearchParams({ query: `inputs.to:${OUTSIDER} OR inputs.email:${OUTSIDER}` })}`)).text);
    const timeline = JSON.parse((await get(`/api/v1/entities/email/${OUTSIDER}/timeline`)).text);
    expect(byQuery.data.map((e: any) => e.id)).toEqual(timeline.data.map((e: any) => e.id));
  });
});
