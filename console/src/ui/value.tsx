import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/**
 * Entry payloads are attacker-controlled: everything here is rendered as
 * text nodes (JSX escapes), never as HTML, and nothing from data becomes a
 * link, a style or an attribute the browser would act on.
 */
const MARKERS = /\[(REDACTED:[^\]\s]{1,64}|EMAIL:[0-9a-f]{16})\]/g;
const LONG = 400;

/** A string with `[REDACTED:…]` and `[EMAIL:…]` pseudonyms shown as what they are. */
export function Text({ value }: { value: string }) {
  const [full, setFull] = useState(false);
  const shown = full || value.length <= LONG ? value : value.slice(0, LONG);
  const parts: ComponentChildren[] = [];
  let last = 0;
  for (const m of shown.matchAll(MARKERS)) {
    if (m.index! > last) parts.push(shown.slice(last, m.index));
    const redacted = m[1].startsWith('REDACTED:');
    parts.push(
      <span class={redacted ? 'redacted' : 'pseudonym'} title={redacted ? 'removed at ingest by redaction' : 'pseudonymised at ingest (per-organization HMAC)'}>
        {m[0]}
      </span>,
    );
    last = m.index! + m[0].length;
  }
  if (last < shown.length) parts.push(shown.slice(last));
  return (
    <span class="text">
      {parts}
      {shown.length < value.length && (
        <button type="button" class="link" onClick={() => setFull(true)}>
          … show all {value.length.toLocaleString()} characters
        </button>
      )}
    </span>
  );
}

/** A search snippet: the API wraps matched text in « », which becomes <mark>. */
export function Snippet({ value }: { value: string }) {
  const parts: ComponentChildren[] = [];
  const re = /«([^»]*)»/g;
  let last = 0;
  for (const m of value.matchAll(re)) {
    if (m.index! > last) parts.push(<Text value={value.slice(last, m.index)} />);
    parts.push(<mark>{m[1]}</mark>);
    last = m.index! + m[0].length;
  }
  if (last < value.length) parts.push(<Text value={value.slice(last)} />);
  return <span>{parts}</span>;
}

function Scalar({ value }: { value: unknown }) {
  if (value === null) return <span class="null">null</span>;
  if (typeof value === 'string') return <Text value={value} />;
  if (typeof value === 'number' || typeof value === 'bigint') return <span class="num">{String(value)}</span>;
  if (typeof value === 'boolean') return <span class="bool">{String(value)}</span>;
  return <span class="null">{String(value)}</span>;
}

/** A readable, collapsible tree of a JSON value (objects and arrays open to `open` levels). */
export function Tree({ value, open = 2, label }: { value: unknown; open?: number; label?: string }) {
  if (value === null || typeof value !== 'object') {
    return (
      <div class="leaf">
        {label !== undefined && <span class="key">{label}: </span>}
        <Scalar value={value} />
      </div>
    );
  }
  const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value as object);
  const summary = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
  return (
    <details class="node" open={open > 0}>
      <summary>
        {label !== undefined && <span class="key">{label}: </span>}
        <span class="count">{summary}</span>
      </summary>
      <div class="children">
        {entries.length === 0 ? <span class="null">empty</span> : entries.map(([k, v]) => <Tree key={k} label={k} value={v} open={open - 1} />)}
      </div>
    </details>
  );
}

export function usd(v: unknown): string {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isFinite(n)) return '';
  return n === 0 ? '$0' : n < 0.01 ? `$${n.toPrecision(2)}` : `$${n.toFixed(n < 10 ? 4 : 2)}`;
}

export function ms(v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '';
  return v < 1000 ? `${v.toFixed(v < 10 ? 2 : 0)} ms` : `${(v / 1000).toFixed(2)} s`;
}

export function when(v: unknown): string {
  return typeof v === 'string' ? v.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z') : '';
}

export function OutcomeBadge({ outcome }: { outcome: string }) {
  return <span class={`badge outcome-${outcome === 'success' || outcome === 'error' || outcome === 'blocked' ? outcome : 'other'}`}>{outcome}</span>;
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </p>
  );
}
