import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import { useParams } from 'wouter-preact';
import { getJson } from '../api.js';
import type { LedgerEntry } from '../types.js';
import { useLoad, useUrlState } from '../ui/hooks.js';
import { ErrorNote, ms, OutcomeBadge, Text, Tree, usd, when } from '../ui/value.js';

interface Run {
  id: string;
  status: string;
  agent_id: string | null;
  user_id: string | null;
  started_at: string;
  ended_at: string | null;
  duration_ms: number | null;
  total_cost_usd: number | string;
  action_count: number;
  actions: LedgerEntry[];
}

interface Node {
  entry: LedgerEntry;
  depth: number;
}

/** Depth-first order of the run's spans from parent_span_id; a span whose parent is not in the run is a root. */
export function spanTree(actions: LedgerEntry[]): Node[] {
  const ids = new Set(actions.map((a) => a.span_id));
  const children = new Map<string | null, LedgerEntry[]>();
  for (const a of actions) {
    const parent = a.parent_span_id && ids.has(a.parent_span_id) ? a.parent_span_id : null;
    children.set(parent, [...(children.get(parent) ?? []), a]);
  }
  const out: Node[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | null, depth: number) => {
    for (const a of (children.get(parent) ?? []).sort((x, y) => x.timestamp.localeCompare(y.timestamp))) {
      if (seen.has(a.id)) continue;
      seen.add(a.id);
      out.push({ entry: a, depth });
      if (a.span_id) walk(a.span_id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

const COLORS: Record<string, string> = { success: '#2e7d32', error: '#c62828', blocked: '#ef6c00' };
const micros = (t: string) => Date.parse(t) * 1000 + Number((/\.\d{3}(\d{0,3})/.exec(t)?.[1] ?? '').padEnd(3, '0'));

/** The waterfall: one uPlot series per span, a thick line from its start to its end on its own row. */
function Waterfall({ nodes }: { nodes: Node[] }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (nodes.length === 0) return;
    const t0 = Math.min(...nodes.map((n) => micros(n.entry.timestamp)));
    const spans = nodes.map((n, i) => {
      const start = (micros(n.entry.timestamp) - t0) / 1000;
      return { row: i, start, end: start + Math.max(n.entry.duration_ms ?? 0, 0.001), outcome: n.entry.outcome };
    });
    const xs = [...new Set(spans.flatMap((s) => [s.start, s.end]))].sort((a, b) => a - b);
    const data = [xs, ...spans.map((s) => xs.map((x) => (x >= s.start && x <= s.end ? nodes.length - s.row : null)))];
    const plot = new uPlot(
      {
        width: Math.max(320, host.current!.clientWidth || 700),
        height: Math.min(600, 40 + nodes.length * 22),
        scales: { x: { time: false }, y: { range: [0.5, nodes.length + 0.5] } },
        axes: [{ label: 'ms since run start' }, { show: false }],
        legend: { show: false },
        cursor: { show: false },
        series: [{}, ...spans.map((s) => ({ stroke: COLORS[s.outcome] ?? '#555', width: 10, spanGaps: false, points: { show: false } }))],
      },
      data as uPlot.AlignedData,
      host.current!,
    );
    return () => plot.destroy();
  }, [nodes]);
  return <div ref={host} class="chart waterfall" role="img" aria-label="Waterfall timeline of the run's actions, one row per action in tree order" />;
}

export function RunView() {
  const { id } = useParams<{ id: string }>();
  const [params, setParams] = useUrlState();
  const userId = params.get('user_id');
  const run = useLoad((signal) => getJson<Run>(`/api/v1/runs/${encodeURIComponent(id)}`, { user_id: userId }, signal), `${id}|${userId}`);
  const nodes = run.data ? spanTree(run.data.actions) : [];
  const org = run.data?.actions[0]?.organization_id;
  const trace = useLoad(
    (signal) => (org ? getJson<any>(`/tenants/${encodeURIComponent(org)}/traces/${encodeURIComponent(id)}`, { user_id: userId }, signal) : Promise.resolve(null)),
    `${org}|${id}|${userId}`,
  );
  const selected = params.get('span');
  return (
    <div class="run">
      <h1>Run <code>{id}</code></h1>
      <ErrorNote error={run.error} />
      {run.data && (
        <>
          <p>
            <OutcomeBadge outcome={run.data.status} /> agent <Text value={run.data.agent_id ?? '—'} /> · user <Text value={run.data.user_id ?? '—'} /> · {when(run.data.started_at)} ·{' '}
            {ms(run.data.duration_ms)} · {usd(run.data.total_cost_usd)} · {run.data.action_count} actions
          </p>
          <Waterfall nodes={nodes} />
          <table class="run-tree">
            <caption class="sr-only">Run tree</caption>
            <thead>
              <tr>
                <th scope="col">Action</th>
                <th scope="col">Outcome</th>
                <th scope="col">Start</th>
                <th scope="col">Duration</th>
                <th scope="col">Cost</th>
                <th scope="col">Marks</th>
              </tr>
            </thead>
            <tbody>
              {nodes.map(({ entry, depth }) => (
                <tr key={entry.id} class={entry.span_id === selected ? 'selected' : undefined} data-depth={depth}>
                  <td class={`depth-${Math.min(depth, 8)}`}>
                    <button type="button" class="link" onClick={() => setParams({ span: entry.span_id ?? null })}>
                      <Text value={entry.name} />
                    </button>
                  </td>
                  <td>
                    <OutcomeBadge outcome={entry.outcome} />
                  </td>
                  <td>{when(entry.timestamp)}</td>
                  <td>{ms(entry.duration_ms)}</td>
                  <td>{usd(entry.cost_usd)}</td>
                  <td>{marks(entry)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {selected && nodes.find((n) => n.entry.span_id === selected) && <SpanDetail entry={nodes.find((n) => n.entry.span_id === selected)!.entry} />}
        </>
      )}
      <section>
        <h2>LLM messages and tool calls</h2>
        <ErrorNote error={trace.error} />
        {trace.data && <Messages trace={trace.data} />}
      </section>
    </div>
  );
}

/** Blocked actions and approvals, from the outcome and the compliance metadata / attributes the entry carries. */
function marks(e: LedgerEntry): string {
  const out: string[] = [];
  if (e.outcome === 'blocked') out.push('⛔ blocked');
  const text = JSON.stringify([e.compliance_metadata, e.attributes ?? {}]);
  const approval = /"[^"]*approval[^"]*"\s*:\s*"([^"]{1,40})"/i.exec(text);
  if (approval) out.push(`approval: ${approval[1]}`);
  if (e.kind === 'llm' && e.model) out.push(String(e.model));
  return out.join(' · ');
}

function SpanDetail({ entry }: { entry: LedgerEntry }) {
  return (
    <section class="detail" aria-label="Action detail">
      <h2>
        <Text value={entry.name} />
      </h2>
      <h3>Inputs</h3>
      <Tree value={entry.inputs} open={3} />
      <h3>Outputs</h3>
      <Tree value={entry.outputs} open={3} />
      <h3>Compliance metadata</h3>
      <Tree value={entry.compliance_metadata} />
      <h3>Attributes</h3>
      <Tree value={entry.attributes ?? {}} open={1} />
    </section>
  );
}

function Messages({ trace }: { trace: { messages?: any[]; output?: unknown; tools?: unknown } }) {
  const messages = Array.isArray(trace.messages) ? trace.messages : [];
  return (
    <ol class="messages">
      {messages.map((m, i) => (
        <li key={i} class={`msg role-${['system', 'user', 'assistant', 'tool'].includes(m?.role) ? m.role : 'other'}`}>
          <span class="badge">{String(m?.role ?? '?')}</span>{' '}
          {typeof m?.content === 'string' ? <Text value={m.content} /> : m?.content != null ? <Tree value={m.content} open={1} /> : null}
          {Array.isArray(m?.tool_calls) && m.tool_calls.length > 0 && (
            <div class="tool-calls">
              <strong>tool calls</strong>
              <Tree value={m.tool_calls} open={2} />
            </div>
          )}
        </li>
      ))}
      {trace.output != null && (
        <li class="msg role-assistant">
          <span class="badge">output</span> {typeof trace.output === 'string' ? <Text value={trace.output} /> : <Tree value={trace.output} open={1} />}
        </li>
      )}
    </ol>
  );
}
