import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FULLTEXT_CASES, FULLTEXT_DOCUMENTS, type FullTextCase } from '../conformance/fulltext-cases.js';
import { fake } from '../helpers/fake-secrets.js';
import { fullTextRequest } from '../helpers/fulltext-spans.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * `q` end to end on the embedded default: the conformance documents sent as
 * OTLP spans, every case asked through the ledger (exact matches, with
 * highlights), some through the export and runs, a redacted secret not
 * findable, and `q` refused when the index is switched off.
 * Run `npm run build` first.
 */

const BASE_MS = Date.parse('2025-06-01T00:00:00Z');
let server: ServerProcess;

async function post(target: ServerProcess, body: unknown): Promise<void> {
  const res = await fetch(target.otlpUrl, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...target.auth } });
  expect(res.status).toBe(200);
}

async function ledger(params: Record<string, string>) {
  return server.get(`/api/v1/ledger?${new URLSearchParams({ page_size: '100', sort_order: 'asc', ...params })}`);
}

const keyOf = (entry: { tags: string[] }) => entry.tags[0];
const caseName = (c: FullTextCase) => `${c.q}${c.filters ? ` + ${new URLSearchParams(c.filters)}` : ''}`;

beforeAll(async () => {
  // Emails stay searchable here (the `ops@example.com` case): every detector but `email`.
  const dir = mkdtempSync(join(tmpdir(), 'fts-e2e-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    'redaction:\n  detectors: [private_key, jwt, anthropic_api_key, openai_api_key, aws_access_key_id, aws_secret_access_key, github_token, ' +
      'gitlab_token, slack_token, stripe_key, google_api_key, url_password, bearer_token, basic_auth, password_assignment, secret_assignment, card_number]\n',
  );
  server = await startServerProcess({ dataDir: join(dir, 'data'), env: { AGENT_LEDGER_CONFIG: config } });
  await post(server, fullTextRequest(FULLTEXT_DOCUMENTS, BASE_MS));
});

afterAll(async () => {
  await server?.stop();
});

describe.each(FULLTEXT_CASES.map((c) => [caseName(c), c] as const))('GET /api/v1/ledger?q=%s', (_name, c) => {
  it(c.expect === 'bad-request' ? 'is a 400 naming q' : 'returns exactly the expected entries, each with highlights', async () => {
    const { status, body } = await ledger({ q: c.q, ...c.filters });
    if (c.expect === 'bad-request') {
      expect(status).toBe(400);
      expect(body.error.code).toBe('VALIDATION_ERROR');
      expect(body.error.message).toContain('`q`');
      return;
    }
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.data.map(keyOf).sort()).toEqual([...c.expect].sort());
    expect(body.count).toBe(c.expect.length);
    for (const entry of body.data) {
      expect(entry.highlights.length, keyOf(entry)).toBeGreaterThan(0);
      expect(entry.highlights.some((h: { snippet: string }) => /«.+»/.test(h.snippet)), keyOf(entry)).toBe(true);
    }
    if (c.highlight) {
      const entry = body.data.find((e: { tags: string[] }) => keyOf(e) === c.highlight!.key);
      expect(entry.highlights).toContainEqual({ field: c.highlight.field, snippet: c.highlight.snippet });
    }
  });
});

describe('q with the rest of the API', () => {
  it('leaves the ledger intact after every injection attempt, and entries without q carry no highlights', async () => {
    const { body } = await ledger({});
    expect(body.count).toBe(FULLTEXT_DOCUMENTS.length);
    for (const entry of body.data) expect(entry).not.toHaveProperty('highlights');
  });

  it('combines with every sort and with paging', async () => {
    const all = (await ledger({ q: 'translate', sort_by: 'name' })).body;
    expect(all.count).toBe(8);
    const byTime = (await ledger({ q: 'translate', sort_by: 'timestamp', sort_order: 'desc', page_size: '3', page: '1' })).body;
    expect(byTime.data.map(keyOf)).toEqual(['ru', 'he', 'ar']);
    expect(byTime.total_pages).toBe(3);
    const dated = (await ledger({ q: 'translate', start_date: new Date(BASE_MS + 9 * 60_000).toISOString(), end_date: new Date(BASE_MS + 11 * 60_000).toISOString() })).body;
    expect(dated.data.map(keyOf)).toEqual(['ar', 'he', 'ru']);
  });

  it('exports the matches with highlights in JSON lines, and CSV keeps its columns', async () => {
    const jsonl = await server.get(`/api/v1/ledger/export?${new URLSearchParams({ q: 'refund', format: 'jsonl' })}`);
    expect(jsonl.status).toBe(200);
    const lines = String(jsonl.body).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map(keyOf).sort()).toEqual(['en-refund', 'en-refund-test']);
    for (const line of lines) expect(line.highlights.length).toBeGreaterThan(0);
    const csv = await server.get(`/api/v1/ledger/export?${new URLSearchParams({ q: 'Müller', format: 'csv', agent_id: 'support-bot' })}`);
    const rows = parseCsv(String(csv.body), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => JSON.parse(r.tags)[0])).toEqual(['de-mueller']);
    expect(Object.keys(rows[0])).not.toContain('highlights');
    const bad = await server.get('/api/v1/ledger/export?q=-refund');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('`q`');
  });

  it('lists the runs holding a matching action', async () => {
    const entries = (await ledger({ q: 'refund' })).body.data;
    const runs = (await server.get('/api/v1/runs?q=refund')).body;
    expect(runs.data.map((r: { id: string }) => r.id).sort()).toEqual(entries.map((e: { run_id: string }) => e.run_id).sort());
    const filtered = (await server.get('/api/v1/runs?q=refund&agent_id=qa-bot')).body;
    expect(filtered.count).toBe(1);
    expect((await server.get('/api/v1/runs?q=東京')).body.count).toBe(1);
    expect((await server.get('/api/v1/runs?q=%7B%7D')).status).toBe(400);
  });

  it('cannot find a secret that redaction removed', async () => {
    const secret = `sk-proj-${fake(48, 9, '-_')}`;
    const doc = { key: 'secret', name: 'call_api', agent: 'leaky-bot', minute: 30, inputs: { api_key: secret, note: 'rotating credentials' } };
    await post(server, fullTextRequest([doc], BASE_MS, 7));
    const stored = (await ledger({ agent_id: 'leaky-bot' })).body.data[0];
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(stored.redactions).toBeGreaterThan(0);
    expect((await ledger({ q: 'rotating credentials' })).body.data.map(keyOf)).toEqual(['secret']);
    for (const q of [secret, `"${secret}"`, secret.slice(8), secret.slice(8, 20), `${secret.slice(8, 14)}*`]) {
      const { body } = await ledger({ q });
      expect(body.count, q).toBe(0);
    }
  });
});

describe('with the payload index switched off (sqlite.fulltext: false)', () => {
  it('refuses q with a 400 naming it while everything else works, and indexes everything when switched back on', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'fts-off-')), 'data');
    const off = await startServerProcess({ dataDir, env: { AGENT_LEDGER_SQLITE_FULLTEXT: 'false' } });
    try {
      await post(off, fullTextRequest(FULLTEXT_DOCUMENTS.slice(0, 3), BASE_MS));
      const refused = await off.get('/api/v1/ledger?q=refund');
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toContain('`q`');
      expect((await off.get('/api/v1/runs?q=refund')).status).toBe(400);
      expect((await off.get('/api/v1/ledger/export?q=refund')).status).toBe(400);
      expect((await off.get('/api/v1/ledger')).body.count).toBe(3);
    } finally {
      await off.stop();
    }
    const on = await startServerProcess({ dataDir });
    try {
      expect((await on.get('/api/v1/ledger?q=refund')).body.data.map(keyOf).sort()).toEqual(['en-refund', 'en-refund-test']);
    } finally {
      await on.stop();
    }
  });
});
