import type { ColumnDef } from '@tanstack/table-core';
import { Link, useLocation, useParams } from 'wouter-preact';
import { getJson } from '../api.js';
import { AGENT_STATUSES } from '../../../model/agent.js';
import type { Agent } from '../types.js';
import { useLoad, useUrlState } from '../ui/hooks.js';
import { DataTable } from '../ui/table.js';
import { ErrorNote, Text, Tree, usd, when } from '../ui/value.js';

const pct = (v: unknown) => (typeof v === 'number' ? `${(v * 100).toFixed(1)} %` : '');

const COLUMNS: ColumnDef<Agent, any>[] = [
  { id: 'name', header: 'Name', accessorKey: 'name', cell: (c) => <Text value={String(c.getValue())} /> },
  { id: 'asn', header: 'ASN', accessorKey: 'asn', cell: (c) => <code>{String(c.getValue())}</code> },
  { id: 'status', header: 'Status', accessorKey: 'status', cell: (c) => <span class={`badge status-${c.getValue() === 'active' ? 'active' : 'inactive'}`}>{String(c.getValue())}</span> },
  { id: 'trust_score', header: 'Trust', accessorKey: 'trust_score', cell: (c) => (typeof c.getValue() === 'number' ? (c.getValue() as number).toFixed(1) : '') },
  { id: 'total_cost_usd', header: 'Cost', accessorKey: 'total_cost_usd', cell: (c) => usd(c.getValue()) },
  { id: 'error_rate', header: 'Error rate', accessorKey: 'error_rate', cell: (c) => pct(c.getValue()) },
  { id: 'action_count', header: 'Actions', accessorKey: 'action_count' },
  { id: 'last_seen_at', header: 'Last seen', accessorKey: 'last_seen_at', cell: (c) => when(c.getValue()) },
];

export function AgentsView() {
  const [params, setParams] = useUrlState();
  const [, navigate] = useLocation();
  const query = { page: params.get('page') ?? '1', per_page: '50', status: params.get('status'), name: params.get('name') };
  const list = useLoad((signal) => getJson<{ data: Agent[]; pagination: { page: number; total: number; total_pages: number } }>('/api/v1/agents', query, signal), JSON.stringify(query));
  const page = Number(query.page);
  return (
    <div>
      <h1>Agents</h1>
      <form
        class="filters"
        aria-label="Agent filters"
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget as HTMLFormElement);
          setParams({ name: String(f.get('name') ?? '').trim(), status: String(f.get('status') ?? ''), page: null });
        }}
      >
        <label>
          Name contains
          <input name="name" defaultValue={params.get('name') ?? ''} />
        </label>
        <label>
          Status
          <select name="status" defaultValue={params.get('status') ?? ''}>
            <option value="">any</option>
            {AGENT_STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </label>
        <div class="actions">
          <button type="submit">Apply</button>
        </div>
      </form>
      <ErrorNote error={list.error} />
      {list.data && (
        <>
          <DataTable<Agent> caption="Agents" data={list.data.data} columns={COLUMNS} rowKey={(a) => a.id} onRowClick={(a) => navigate(`/agents/${encodeURIComponent(a.id)}`)} />
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled={page <= 1} onClick={() => setParams({ page: String(page - 1) })}>
              Previous
            </button>
            <span class="muted">
              page {page} of {Math.max(1, list.data.pagination.total_pages)}
            </span>
            <button type="button" disabled={page >= list.data.pagination.total_pages} onClick={() => setParams({ page: String(page + 1) })}>
              Next
            </button>
          </nav>
        </>
      )}
    </div>
  );
}

interface FeedItem {
  source: 'event' | 'log';
  timestamp: string;
  event?: { event_type: string; from_state?: string; to_state?: string; actor_type?: string; actor_id?: string } | null;
  log?: { log_type: string; message: string; metadata?: Record<string, unknown> } | null;
}

export function AgentView() {
  const { id } = useParams<{ id: string }>();
  const [params, setParams] = useUrlState();
  const since = params.get('since') ?? new Date(Date.now() - 30 * 86400_000).toISOString().slice(0, 10) + 'T00:00:00Z';
  const agent = useLoad((signal) => getJson<Agent & Record<string, unknown>>(`/api/v1/agents/${encodeURIComponent(id)}`, {}, signal), id);
  const feed = useLoad((signal) => getJson<FeedItem[] | { data: FeedItem[] }>(`/api/v1/agents/${encodeURIComponent(id)}/actions`, { since, limit: 500 }, signal), `${id}|${since}`);
  const verify = useLoad((signal) => getJson<Record<string, unknown>>(`/api/v1/agents/${encodeURIComponent(id)}/activity/verify`, {}, signal), id);
  const items = Array.isArray(feed.data) ? feed.data : (feed.data?.data ?? []);
  const a = agent.data;
  return (
    <div>
      <ErrorNote error={agent.error} />
      {a && (
        <>
          <h1>
            <Text value={a.name} /> <code>{a.asn}</code>
          </h1>
          <dl class="fields">
            <dt>Status</dt>
            <dd>{a.status}</dd>
            <dt>Trust score</dt>
            <dd>{typeof a.trust_score === 'number' ? a.trust_score.toFixed(1) : ''}</dd>
            <dt>Cost</dt>
            <dd>{usd(a.total_cost_usd)}</dd>
            <dt>Error rate</dt>
            <dd>{pct(a.error_rate)}</dd>
            <dt>Actions</dt>
            <dd>{a.action_count}</dd>
            <dt>External ids</dt>
            <dd>{(a.external_ids ?? []).map((x) => <Link key={x} href={`/ledger?agent_id=${encodeURIComponent(x)}`}><Text value={x} /></Link>)}</dd>
          </dl>
          <details>
            <summary>Trust breakdown</summary>
            <Tree value={a.trust_breakdown ?? null} />
          </details>
        </>
      )}
      <section aria-label="Activity chain">
        <h2>Activity chain</h2>
        <ErrorNote error={verify.error} />
        {verify.data && (
          <p data-testid="verify" class={verify.data.valid ? 'ok' : 'error'}>
            {verify.data.valid ? '✔ chain verified' : '✘ chain broken'}: {String(verify.data.events_checked)} events checked, {String(verify.data.tombstones)} tombstones
            {verify.data.first_broken ? <Tree value={verify.data.first_broken} /> : null}
          </p>
        )}
      </section>
      <section aria-label="Timeline">
        <h2>Timeline</h2>
        <label>
          Since
          <input type="date" value={since.slice(0, 10)} onChange={(e) => setParams({ since: (e.target as HTMLInputElement).value ? (e.target as HTMLInputElement).value + 'T00:00:00Z' : null })} />
        </label>
        <ErrorNote error={feed.error} />
        <ol class="timeline">
          {items.map((item, i) => (
            <li key={i} class={`feed-${item.source}`}>
              <span class="muted">{when(item.timestamp)}</span>{' '}
              {item.source === 'event' && item.event ? (
                <span class="badge">
                  {item.event.event_type} {item.event.from_state ?? ''} → {item.event.to_state ?? ''} by {item.event.actor_type}
                </span>
              ) : item.log ? (
                <>
                  <span class={`badge log-${item.log.log_type === 'error' || item.log.log_type === 'blocked' ? item.log.log_type : 'other'}`}>
                    <Text value={item.log.log_type} />
                  </span>{' '}
                  <Text value={item.log.message} />
                  {typeof item.log.metadata?.run_id === 'string' && (
                    <>
                      {' '}
                      <Link href={`/runs/${encodeURIComponent(item.log.metadata.run_id)}`}>run</Link>
                    </>
                  )}
                </>
              ) : null}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
