import { ApiFailure, getJson, type Params } from '../api.js';
import { TIMESERIES } from '../features.js';
import { CategoryChart, TimeChart } from '../ui/chart.js';
import { useLoad, useUrlState } from '../ui/hooks.js';
import { ErrorNote, usd } from '../ui/value.js';

interface Stats {
  total_actions: number;
  total_cost_usd: number | string;
  success_count: number;
  error_count: number;
  blocked_count: number;
  average_duration_ms: number | null;
  unique_agents: number;
  top_actions?: Array<{ name: string; count: number; cost_usd: number | string }>;
  top_agents?: Array<{ agent_id: string; count: number; cost_usd: number | string }>;
}

interface Point {
  t: number;
  actions: number;
  cost: number;
}

const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 0);

/** The time series route where the server has it; else one stats request per day of the range (at most 31). */
async function series(filters: Params, interval: string, signal: AbortSignal): Promise<{ points: Point[]; source: string }> {
  try {
    const body = await getJson<any>(TIMESERIES, { ...filters, interval }, signal);
    const rows: any[] = Array.isArray(body) ? body : (body.data ?? body.buckets ?? body.series ?? []);
    const points = rows.map((r) => ({
      t: Date.parse(r.start ?? r.timestamp ?? r.bucket ?? r.time) / 1000,
      actions: num(r.total_actions ?? r.count ?? r.actions),
      cost: num(r.total_cost_usd ?? r.cost_usd ?? r.cost),
    }));
    return { points: points.filter((p) => Number.isFinite(p.t)), source: `time series (${interval})` };
  } catch (err) {
    if (!(err instanceof ApiFailure) || err.status !== 404) throw err;
  }
  const end = filters.end_date ? new Date(String(filters.end_date)) : new Date();
  const days = Math.min(31, Math.max(1, Math.ceil((end.getTime() - (filters.start_date ? Date.parse(String(filters.start_date)) : end.getTime() - 13 * 86400_000)) / 86400_000) + 1));
  const startDay = Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), end.getUTCDate()) - (days - 1) * 86400_000;
  const points = await Promise.all(
    Array.from({ length: days }, async (_, i) => {
      const day = new Date(startDay + i * 86400_000).toISOString().slice(0, 10);
      const s = await getJson<Stats>('/api/v1/ledger/stats', { agent_id: filters.agent_id, start_date: day, end_date: day }, signal);
      return { t: (startDay + i * 86400_000) / 1000, actions: s.total_actions, cost: num(s.total_cost_usd) };
    }),
  );
  return { points, source: `per day from the stats route (${days} days; this server has no time series route)` };
}

export function StatsView() {
  const [params, setParams] = useUrlState();
  const filters: Params = { start_date: params.get('start_date'), end_date: params.get('end_date'), agent_id: params.get('agent_id') };
  const interval = params.get('interval') === 'hour' ? 'hour' : 'day';
  const key = JSON.stringify(filters);
  const stats = useLoad((signal) => getJson<Stats>('/api/v1/ledger/stats', filters, signal), key);
  const over = useLoad((signal) => series(filters, interval, signal), key + interval);
  const s = stats.data;
  return (
    <div>
      <h1>Stats</h1>
      <form
        class="filters"
        aria-label="Stats filters"
        key={key}
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget as HTMLFormElement);
          setParams({ start_date: String(f.get('start_date') ?? '').trim(), end_date: String(f.get('end_date') ?? '').trim(), agent_id: String(f.get('agent_id') ?? '').trim(), interval: String(f.get('interval')) });
        }}
      >
        <label>
          From
          <input name="start_date" defaultValue={params.get('start_date') ?? ''} placeholder="2026-01-01" />
        </label>
        <label>
          To
          <input name="end_date" defaultValue={params.get('end_date') ?? ''} />
        </label>
        <label>
          Agent id
          <input name="agent_id" defaultValue={params.get('agent_id') ?? ''} />
        </label>
        <label>
          Interval
          <select name="interval" defaultValue={interval}>
            <option value="day">day</option>
            <option value="hour">hour</option>
          </select>
        </label>
        <div class="actions">
          <button type="submit">Apply</button>
        </div>
      </form>
      <ErrorNote error={stats.error ?? over.error} />
      {s && (
        <p class="totals">
          {s.total_actions.toLocaleString()} actions · {usd(s.total_cost_usd)} · {s.unique_agents} agents · {s.success_count} success, {s.error_count} error, {s.blocked_count} blocked
        </p>
      )}
      {over.data && (
        <>
          <p class="muted">Over time: {over.data.source}</p>
          <div class="charts">
            <TimeChart title="Actions" x={over.data.points.map((p) => p.t)} series={[{ label: 'actions', values: over.data.points.map((p) => p.actions), color: '#1565c0', bars: true }]} />
            <TimeChart title="Cost (USD)" x={over.data.points.map((p) => p.t)} series={[{ label: 'cost', values: over.data.points.map((p) => p.cost), color: '#6a1b9a' }]} />
          </div>
        </>
      )}
      {s && (
        <div class="charts">
          <CategoryChart
            title="Outcomes"
            color="#37474f"
            rows={[
              { label: 'success', value: s.success_count, display: String(s.success_count) },
              { label: 'error', value: s.error_count, display: String(s.error_count) },
              { label: 'blocked', value: s.blocked_count, display: String(s.blocked_count) },
            ]}
          />
          <CategoryChart title="Top actions by cost" color="#2e7d32" rows={(s.top_actions ?? []).slice(0, 10).map((r) => ({ label: r.name, value: num(r.cost_usd), display: `${usd(r.cost_usd)} (${r.count})` }))} />
          <CategoryChart title="Top agents by cost" color="#ef6c00" rows={(s.top_agents ?? []).slice(0, 10).map((r) => ({ label: r.agent_id, value: num(r.cost_usd), display: `${usd(r.cost_usd)} (${r.count})` }))} />
        </div>
      )}
    </div>
  );
}
