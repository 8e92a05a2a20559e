import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordTree, otelTracer } from '../helpers/otel-sender.js';
import { runCli } from '../helpers/cli.js';
import { startServerProcess, TEST_ADMIN_KEY, type ServerProcess } from '../helpers/server-process.js';

/**
 * The web console in a real browser (the system Chromium through
 * playwright-core), against the compiled server holding the support-agent
 * example's runs and entries whose payloads attack the page.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EXAMPLE = fileURLToPath(new URL('../../instrumentation/examples/dist/support-agent/main.js', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/console/', import.meta.url));
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// every payload sets this flag (or opens a dialog) if the page ever runs it
const XSS = [
  '<img src=x onerror="window.__pwned=1;alert(1)">',
  '<script>window.__pwned=1;alert(1)</script>',
  'javascript:window.__pwned=1;alert(1)',
  '<a href="javascript:window.__pwned=1">click</a>',
  '"><svg onload=window.__pwned=1>',
];
const LONG = 'x'.repeat(20_000);

let server: ServerProcess;
let browser: Browser;
let page: Page;
const requests: string[] = [];
const dialogs: string[] = [];
const cspViolations: string[] = [];
let ingestOnlyKey = '';

function runExample(otlpUrl: string): Promise<number | null> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_') && k !== 'AGENT_LEDGER_API_KEY' && k !== 'LEDGER_OTLP_ENDPOINT'));
  const child = spawn(process.execPath, [EXAMPLE], { env: { ...env, LEDGER_KEY: TEST_ADMIN_KEY, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl }, stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

async function sendHostileEntries(): Promise<void> {
  const { tracer, flush, shutdown } = otelTracer(server.otlpUrl, 'proto', server.auth, 'hostile-service');
  recordTree(tracer, {
    name: XSS[0],
    attributes: { 'gen_ai.agent.id': 'hostile-agent', 'ledger.inputs': JSON.stringify({ html: XSS, long: LONG, contact: 'victim@example.com', password: 'hunter2-supersecret' }) },
    children: XSS.map((x, i) => ({ name: `hostile_tool_${i}`, attributes: { 'gen_ai.agent.id': 'hostile-agent', 'ledger.inputs': JSON.stringify({ payload: x, link: XSS[2] }), 'ledger.outputs': JSON.stringify({ echo: x }) } })),
  });
  await flush();
  await shutdown();
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: false });
}

async function axeSerious(): Promise<string[]> {
  // evaluated through the DevTools protocol: the page's CSP (rightly) refuses an injected <script>
  await page.evaluate(AXE);
  const result = await page.evaluate(() => (window as any).axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.filter((v: any) => v.impact === 'serious' || v.impact === 'critical').map((v: any) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

async function assertNothingRan(): Promise<void> {
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);
  expect(await page.locator('img[src="x"], svg[onload], script:not([src])').count()).toBe(0);
  expect(await page.evaluate(() => [...document.querySelectorAll('a[href]')].filter((a) => /^\s*javascript:/i.test(a.getAttribute('href')!)).length)).toBe(0);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (scripts/test.sh does so as root), or set CHROMIUM_PATH`);
  }
  if (!existsSync(EXAMPLE)) throw new Error(`${EXAMPLE} is missing: run npm run build first`);
  mkdirSync(SHOTS, { recursive: true });
  server = await startServerProcess();
  expect(await runExample(server.otlpUrl)).toBe(0);
  await sendHostileEntries();
  await waitFor(async () => ((await server.get('/api/v1/ledger?agent_id=hostile-agent')).body.count === XSS.length + 1 ? true : undefined), 'hostile entries');
  ingestOnlyKey = runCli(server.dataDir, ['keys', 'create', '--org', 'default', '--scopes', 'ingest']).trim();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('request', (r) => requests.push(r.url()));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text());
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the web console', () => {
  it('is served at / with a CSP without inline scripts and hashed, long-cached assets', async () => {
    const res = await fetch(server.apiUrl + '/');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)![1];
    const js = await fetch(server.apiUrl + asset);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(server.apiUrl + '/console/assets/../index.html')).status).toBe(404);
  });

  it('a key without read sees only the sign-in, with the reason', async () => {
    await page.goto(server.apiUrl + '/');
    await page.getByLabel('API key or JWT').fill(ingestOnlyKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/lacks the read scope/);
    expect(await page.getByRole('navigation', { name: 'Views' }).count()).toBe(0);
    await shot('sign-in');
  });

  it('signs in and lists the ledger; filters, sorts and searches with highlights, all in the URL', async () => {
    await page.getByLabel('API key or JWT').fill(TEST_ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('table tbody tr');
    await page.locator('form.filters select[name=outcome]').selectOption('blocked');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.url()).toContain('outcome=blocked');
    await expect.poll(async () => (await page.locator('tbody .outcome-blocked').count()) > 0 && (await page.locator('tbody .outcome-success').count()) === 0).toBe(true);
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('button', { name: /^Cost/ }).click();
    await expect.poll(() => page.url()).toContain('sort_by=cost');
    await page.getByLabel('Full text (q)').fill('refund');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('tbody mark').count()).toBeGreaterThan(0);
    expect((await page.locator('tbody mark').first().textContent())!.toLowerCase()).toContain('refund');
    // a pasted link shows the same view
    const link = page.url();
    await page.goto('about:blank');
    await page.goto(link);
    await expect.poll(() => page.locator('tbody mark').count()).toBeGreaterThan(0);
    await shot('ledger');
    expect(await axeSerious()).toEqual([]);
  });

  it('shows hostile payloads as text: no script runs, redactions and pseudonyms are marked', async () => {
    await page.goto(`${server.apiUrl}/?agent_id=hostile-agent#/ledger`);
    await page.waitForSelector('tbody tr');
    await page.locator('tbody tr').filter({ hasText: '<img src=x' }).getByRole('button').first().click();
    const detail = page.getByRole('complementary', { name: 'Entry detail' });
    await expect.poll(() => detail.textContent()).toContain('<script>window.__pwned=1');
    expect(await detail.locator('.redacted').count()).toBeGreaterThan(0);
    expect(await detail.locator('.pseudonym').count()).toBeGreaterThan(0);
    await detail.getByRole('button', { name: /show all 20,000 characters/ }).click();
    await assertNothingRan();
    await shot('entry-detail');
    expect(await axeSerious()).toEqual([]);
  });

  it('opens a run: its tree, waterfall, messages and tool calls', async () => {
    const runs = await server.get('/api/v1/runs?page_size=100');
    const refund = runs.body.data.find((r: any) => r.action_count === 10)!; // T-1003: refund blocked, escalated
    await page.goto(`${server.apiUrl}/#/runs/${refund.id}`);
    await expect.poll(() => page.locator('.run-tree tbody tr').count()).toBe(10);
    expect(await page.locator('.run-tree td.depth-1').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('.waterfall canvas').count()).toBe(1);
    expect(await page.locator('.run-tree').textContent()).toContain('blocked');
    await expect.poll(() => page.locator('.messages li').count()).toBeGreaterThan(1);
    await shot('run');
    expect(await axeSerious()).toEqual([]);
  });

  it('opens an agent: trust, cost, timeline and the verified activity chain', async () => {
    await page.goto(`${server.apiUrl}/#/agents`);
    await page.waitForSelector('tbody tr');
    await page.locator('tbody tr').filter({ hasText: 'support-agent' }).getByRole('button').first().click();
    await expect.poll(() => page.getByTestId('verify').textContent()).toContain('chain verified');
    await expect.poll(() => page.locator('.timeline li').count()).toBeGreaterThan(5);
    await shot('agent');
    expect(await axeSerious()).toEqual([]);
  });

  it('charts the stats', async () => {
    await page.goto(`${server.apiUrl}/#/stats`);
    await expect.poll(() => page.locator('.chart canvas').count()).toBe(5);
    expect(await page.locator('.totals').textContent()).toMatch(/\d+ actions/);
    await shot('stats');
    expect(await axeSerious()).toEqual([]);
  });

  it('exports the current filter with the Authorization header, as a download', async () => {
    await page.goto(`${server.apiUrl}/?outcome=blocked#/ledger`);
    await page.waitForSelector('tbody tr');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
    const text = readFileSync((await download.path())!, 'utf8');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    const expected = await server.get('/api/v1/ledger?outcome=blocked');
    expect(lines.map((l) => l.id).sort()).toEqual(expected.body.data.map((e: any) => e.id).sort());
    await expect.poll(() => page.getByTestId('export-progress').textContent()).toMatch(/done/);
  });

  it('follows the live tail over the stream route', async () => {
    const stream = await fetch(server.apiUrl + '/api/v1/ledger/stream', { headers: server.auth, signal: AbortSignal.timeout(5000) });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await stream.body?.cancel();
    await page.goto(`${server.apiUrl}/#/ledger`);
    await page.waitForSelector('tbody tr');
    expect(await page.getByTestId('tail-unavailable').count()).toBe(0);
    await page.getByLabel('Live tail').check();
    await expect.poll(() => page.getByTestId('tail-state').textContent()).toBe('live');
    const { tracer, flush, shutdown } = otelTracer(server.otlpUrl, 'proto', server.auth, 'tail-service');
    recordTree(tracer, { name: 'tail_probe_action', attributes: { 'gen_ai.agent.id': 'tail-agent' } });
    await flush();
    await shutdown();
    await expect.poll(() => page.locator('.tail tbody').textContent(), { timeout: 15_000 }).toContain('tail_probe_action');
    await shot('live-tail');
  });

  it('never put the key in a URL, and ran nothing injected', async () => {
    expect(requests.length).toBeGreaterThan(10);
    for (const key of [TEST_ADMIN_KEY, ingestOnlyKey]) {
      expect(requests.filter((u) => u.includes(key) || decodeURIComponent(u).includes(key))).toEqual([]);
    }
    await assertNothingRan();
    expect(cspViolations).toEqual([]);
  });

  it('reports first-load JS size and 100-row render time', async () => {
    const html = await (await fetch(server.apiUrl + '/')).text();
    let gz = 0;
    for (const [, src] of html.matchAll(/src="([^"]+\.js)"/g)) gz += gzipSync(Buffer.from(await (await fetch(server.apiUrl + src)).arrayBuffer()), { level: 9 }).byteLength;
    await page.goto(`${server.apiUrl}/?page_size=100#/ledger`);
    await page.waitForSelector('tbody tr:nth-child(40)');
    const renders = await page.evaluate(() => performance.getEntriesByName('ledger-render').map((e) => e.duration));
    console.log(`console: first-load JS ${(gz / 1024).toFixed(1)} KB gzipped; 100-row page render ${renders.map((d) => d.toFixed(1)).join(', ')} ms`);
    expect(gz).toBeGreaterThan(0);
  });
});
