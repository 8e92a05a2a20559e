import { useState } from 'preact/hooks';
import { request, withQuery, type Params } from '../api.js';

const TYPES = { jsonl: 'application/x-ndjson', json: 'application/json', csv: 'text/csv' } as const;

/** Export of the current filter: fetched with the Authorization header, streamed into a Blob, saved as a download. */
export function ExportControl({ filters }: { filters: Params }) {
  const [format, setFormat] = useState<keyof typeof TYPES>('jsonl');
  const [progress, setProgress] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setProgress('starting…');
    try {
      const res = await request(withQuery('/api/v1/ledger/export', { ...filters, format, limit: 100000 }));
      const reader = res.body!.getReader();
      const chunks: Uint8Array[] = [];
      let bytes = 0;
      let lines = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        chunks.push(value);
        bytes += value.length;
        for (const b of value) if (b === 10) lines++;
        setProgress(`${(bytes / 1024).toFixed(1)} KB, ${lines.toLocaleString()} lines…`);
      }
      const blob = new Blob(chunks as BlobPart[], { type: TYPES[format] });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `ledger-export.${format}`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setProgress(`done: ${(bytes / 1024).toFixed(1)} KB`);
    } catch (err) {
      setProgress(`export failed: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="export">
      <label>
        Export
        <select value={format} onChange={(e) => setFormat((e.target as HTMLSelectElement).value as keyof typeof TYPES)}>
          <option value="jsonl">JSON lines</option>
          <option value="json">JSON</option>
          <option value="csv">CSV</option>
        </select>
      </label>
      <button type="button" disabled={busy} onClick={run}>
        Download
      </button>
      {progress && (
        <span class="muted" role="status" data-testid="export-progress">
          {progress}
        </span>
      )}
    </span>
  );
}
