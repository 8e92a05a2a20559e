import { Link } from 'wouter-preact';
import type { LedgerEntry } from '../types.js';
import { ms, OutcomeBadge, Snippet, Text, Tree, usd, when } from '../ui/value.js';

const FIELDS: Array<[keyof LedgerEntry, string]> = [
  ['agent_id', 'Agent'],
  ['user_id', 'User'],
  ['kind', 'Kind'],
  ['model', 'Model'],
  ['provider', 'Provider'],
  ['service_name', 'Service'],
  ['status_message', 'Status message'],
  ['trace_id', 'Trace'],
  ['span_id', 'Span'],
  ['parent_span_id', 'Parent span'],
];

/** One entry, every part readable: payloads as trees, redactions and pseudonyms marked. */
export function EntryDetail({ entry, onClose }: { entry: LedgerEntry; onClose: () => void }) {
  return (
    <aside class="detail" aria-label="Entry detail">
      <header>
        <h2>
          <Text value={entry.name} />
        </h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      <p>
        <OutcomeBadge outcome={entry.outcome} /> {when(entry.timestamp)} · {ms(entry.duration_ms)} · {usd(entry.cost_usd)} ·{' '}
        <Link href={`/runs/${encodeURIComponent(entry.run_id)}${entry.user_id ? `?user_id=${encodeURIComponent(entry.user_id)}` : ''}`}>open run</Link>
      </p>
      <dl class="fields">
        {FIELDS.filter(([k]) => entry[k] !== undefined && entry[k] !== null).map(([k, label]) => (
          <>
            <dt>{label}</dt>
            <dd>
              <Text value={String(entry[k])} />
            </dd>
          </>
        ))}
        {entry.tags && entry.tags.length > 0 && (
          <>
            <dt>Tags</dt>
            <dd>{entry.tags.map((t) => <span class="tag" key={t}><Text value={t} /></span>)}</dd>
          </>
        )}
      </dl>
      {entry.highlights && entry.highlights.length > 0 && (
        <section>
          <h3>Matches</h3>
          <ul class="highlights">
            {entry.highlights.map((h) => (
              <li key={h.field}>
                <span class="key">{h.field}: </span>
                <Snippet value={h.snippet} />
              </li>
            ))}
          </ul>
        </section>
      )}
      <section>
        <h3>Inputs</h3>
        <Tree value={entry.inputs} open={3} />
      </section>
      <section>
        <h3>Outputs</h3>
        <Tree value={entry.outputs} open={3} />
      </section>
      <section>
        <h3>Compliance metadata</h3>
        <Tree value={entry.compliance_metadata} open={2} />
      </section>
      <section>
        <h3>Attributes</h3>
        <Tree value={entry.attributes ?? {}} open={1} />
      </section>
    </aside>
  );
}
