import { describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_LIMITS } from '../../collector/otlp/decode-limits.js';
import type { DecodedSpan } from '../../collector/otlp/decoded-span.js';
import { decodeTraces } from '../../collector/otlp/otlp-codec.js';
import { normalizeRequest } from '../../collector/normalize/normalize-request.js';
import { redactSpans, redactValue, type RedactionConfig } from '../../collector/redact/index.js';
import { keyWords, SecretKeys, DEFAULT_SECRET_KEYS } from '../../collector/redact/secret-keys.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { normalizeContext } from '../helpers/normalize-spans.js';
import { expectedPseudonym, TEST_ORG, testRules } from '../helpers/redaction.js';
import { fake } from '../helpers/fake-secrets.js';

/** Secrets in structured attributes (issue 14, item 4): by key name, in parsed JSON, behind `__proto__`. */

const OPENAI = `sk-proj-${fake(48, 501)}`;
const AWS_SECRET = fake(40, 502, '/+');
// Values no text detector recognises: only the key says they are secrets.
const PLAIN = ['hunter2', 'Tr0ub4dor&3', 'letmein-2024', 'x9'];

type AnyValue = Record<string, unknown>;
const str = (stringValue: string): AnyValue => ({ stringValue });
const int = (intValue: number): AnyValue => ({ intValue });
const kv = (key: string, value: AnyValue) => ({ key, value });
const kvlist = (...values: Array<{ key: string; value: AnyValue }>): AnyValue => ({ kvlistValue: { values } });

function decode(attributes: Array<{ key: string; value: AnyValue }>, resource: Array<{ key: string; value: AnyValue }> = []): DecodedSpan[] {
  const span = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    name: 'chat gpt-4o',
    kind: 1,
    startTimeUnixNano: '1795458428139000001',
    endTimeUnixNano: '1795458428210552022',
    attributes,
  };
  const body = { resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ scope: { name: 't' }, spans: [span] }] }] };
  const decoded = decodeTraces(Buffer.from(JSON.stringify(body)), 'json', DEFAULT_DECODE_LIMITS);
  expect(decoded.rejected).toEqual([]);
  return decoded.spans;
}

/** What the receiver does: redact, then normalise. */
function ingest(attributes: Array<{ key: string; value: AnyValue }>, config: Partial<RedactionConfig> = {}): EntryRecord {
  const spans = decode(attributes);
  redactSpans(spans, testRules(config), TEST_ORG);
  return normalizeRequest(spans, normalizeContext({ organizationId: TEST_ORG }))[0];
}

function expectNoneOf(entry: EntryRecord, secrets: readonly string[]): void {
  const stored = JSON.stringify(entry);
  for (const secret of secrets) expect(stored.includes(secret), `${secret} stored in ${stored}`).toBe(false);
}

describe('secret key names', () => {
  it('removes what sits under a secret-bearing key, whatever it looks like', () => {
    const entry = ingest([
      kv('password', str(PLAIN[0])),
      kv('db.password', str(PLAIN[1])),
      kv('client_secret', str(PLAIN[2])),
      kv('api_key', str(PLAIN[3])),
      kv('aws_secret_access_key', str(AWS_SECRET)),
      kv('http.request.header.authorization', { arrayValue: { values: [str('Basic c3ZjOnB3')] } }),
      kv('http.request.header.cookie', { arrayValue: { values: [str('sid=abc123def')] } }),
      kv('creds', kvlist(kv('password', str('pw-in-kvlist')), kv('token', str('tok-in-kvlist')), kv('user', str('svc-backup')))),
    ]);
    expect(entry.attributes).toEqual({
      password: '[REDACTED:secret_field]',
      'db.password': '[REDACTED:secret_field]',
      client_secret: '[REDACTED:secret_field]',
      api_key: '[REDACTED:secret_field]',
      aws_secret_access_key: '[REDACTED:secret_field]',
      'http.request.header.authorization': ['[REDACTED:secret_field]'],
      'http.request.header.cookie': ['[REDACTED:secret_field]'],
      creds: { password: '[REDACTED:secret_field]', token: '[REDACTED:secret_field]', user: 'svc-backup' },
    });
    expect(entry.redactions).toBe(9);
    expectNoneOf(entry, [...PLAIN, AWS_SECRET, 'c3ZjOnB3', 'sid=abc123def', 'pw-in-kvlist', 'tok-in-kvlist']);
  });

  it.each([
    'PASSWORD', 'Password', 'userPassword', 'PGPASSWORD', 'db_passwd', 'passphrase', 'clientSecret', 'CLIENT_SECRET', 'webhook-secret',
    'X-Api-Key', 'apiKey', 'APIKey', 'openai.api_key', 'x-amz-security-token', 'accessToken', 'refresh_token', 'id_token',
    'Authorization', 'Proxy-Authorization', 'set-cookie', 'privateKey', 'private_key', 'credentials', 'google.credential',
    'AWS_SECRET_ACCESS_KEY', 'secret_key', 'jwt', 'gen_ai.prompt.0.password', 'secrets',
  ])('%s names a secret', (key) => {
    const entry = ingest([kv(key, str('opaque-value-1'))]);
    expect(entry.attributes[key]).toBe('[REDACTED:secret_field]');
  });

  it('finds secret keys at any depth: kvlists in arrays in kvlists, and JSON string attributes once parsed', () => {
    const nested = kvlist(kv('steps', { arrayValue: { values: [kvlist(kv('auth', kvlist(kv('refresh_token', str('rt-deep-1')))))] } }));
    const json = JSON.stringify({ request: { headers: { 'X-Api-Key': 'k-deep-2', Accept: 'application/json' } }, login: [{ user: 'bob', password: 'pw deep 3' }] });
    const entry = ingest([
      kv('workflow', nested),
      kv('gen_ai.tool.call.arguments', str(json)),
      kv('ledger.inputs', str(JSON.stringify({ db: { connection: { credential: 'pw-deep-4' } } }))),
    ]);
    expectNoneOf(entry, ['rt-deep-1', 'k-deep-2', 'pw deep 3', 'pw-deep-4']);
    const args = JSON.parse(entry.attributes['gen_ai.tool.call.arguments'] as string);
    expect(args).toEqual({ request: { headers: { 'X-Api-Key': '[REDACTED:secret_assignment]', Accept: 'application/json' } }, login: [{ user: 'bob', password: '[REDACTED:password_assignment]' }] });
    expect(entry.inputs).toEqual({ db: { connection: { credential: '[REDACTED:secret_field]' } } });
    expect(entry.redactions).toBe(4);
  });

  it('keeps a detector\'s precise kind when it recognises the whole value, and counts a value once', () => {
    const entry = ingest([kv('api_key', str(OPENAI)), kv('authorization', str(`Bearer ${OPENAI}`))]);
    expect(entry.attributes).toEqual({ api_key: '[REDACTED:openai_api_key]', authorization: '[REDACTED:secret_field]' });
    expect(entry.redactions).toBe(2);
  });

  it('keeps token counts, usage numbers and words that only contain a secret word', () => {
    const params = JSON.stringify({ max_tokens: 256, temperature: 0, token_type: 'Bearer', tokenizer: 'cl100k' });
    const entry = ingest([
      kv('gen_ai.operation.name', str('chat')),
      kv('gen_ai.request.model', str('gpt-4o')),
      kv('gen_ai.usage.input_tokens', int(812)),
      kv('gen_ai.usage.output_tokens', int(64)),
      kv('gen_ai.request.max_tokens', int(1024)),
      kv('llm.token_count.prompt', int(812)),
      kv('llm.token_count.completion', int(64)),
      kv('llm.token_count.total', int(876)),
      kv('llm.invocation_parameters', str(params)),
      kv('usage', kvlist(kv('prompt_tokens', int(812)), kv('total_tokens', int(876)), kv('input_tokens_details', kvlist(kv('cached_tokens', int(0)))))),
      kv('has_password', { boolValue: true }),
      kv('password_policy', str('min 12 characters')),
      kv('secret_name', str('prod/db')),
      kv('key', str('order-42')),
      kv('cache_key', str('c-1')),
    ]);
    expect(entry.redactions).toBe(0);
    expect(entry.input_tokens).toBe(812);
    expect(entry.output_tokens).toBe(64);
    expect(entry.attributes['llm.invocation_parameters']).toBe(params);
    expect(entry.attributes.usage).toEqual({ prompt_tokens: 812, total_tokens: 876, input_tokens_details: { cached_tokens: 0 } });
    expect(entry.attributes.has_password).toBe(true);
    expect(entry.attributes.secret_name).toBe('prod/db');
  });

  it('keeps empty values and placeholders, and removes numbers', () => {
    const entry = ingest([
      kv('password', str('${DB_PASSWORD}')),
      kv('db.password', str('***')),
      kv('token', str('')),
      kv('pin.password', int(4711)),
    ]);
    expect(entry.attributes).toEqual({ password: '${DB_PASSWORD}', 'db.password': '***', token: '', 'pin.password': '[REDACTED:secret_field]' });
    expect(entry.redactions).toBe(1);
  });

  it('lets configuration extend, replace or exempt the key list', () => {
    const attrs = [kv('user.ssn', str('078-05-1120')), kv('password', str('hunter2')), kv('auth.token', str('t-1'))];
    expect(ingest(attrs, { extra_secret_keys: ['ssn'] }).attributes).toEqual({
      'user.ssn': '[REDACTED:secret_field]',
      password: '[REDACTED:secret_field]',
      'auth.token': '[REDACTED:secret_field]',
    });
    expect(ingest(attrs, { secret_keys: ['ssn'] }).attributes).toEqual({ 'user.ssn': '[REDACTED:secret_field]', password: 'hunter2', 'auth.token': 't-1' });
    expect(ingest(attrs, { allow_attributes: ['auth.token'] }).attributes['auth.token']).toBe('t-1');
    expect(() => testRules({ extra_secret_keys: ['--'] })).toThrow(/secret key "--"/);
  });

  it('cuts keys into words as documented', () => {
    expect(keyWords('X-Api-Key')).toEqual(['x', 'api', 'key']);
    expect(keyWords('APIKey')).toEqual(['api', 'key']);
    expect(keyWords('gen_ai.prompt.0')).toEqual(['gen', 'ai', 'prompt']);
    const keys = new SecretKeys(DEFAULT_SECRET_KEYS);
    for (const count of ['gen_ai.usage.input_tokens', 'llm.token_count.prompt', 'max_tokens', 'tokens', 'token_count', 'token_type']) {
      expect(keys.matches(count), count).toBe(false);
    }
  });
});

describe('JSON-escaped secrets', () => {
  const escaped = (s: string) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');

  it('finds secrets spelt with \\u escapes inside JSON string attributes, in keys and values', () => {
    const key = `${escaped('sk')}${OPENAI.slice(2)}`;
    const text = `{"note":"use ${key} now","${escaped('password')}":"hunter2","url":"https:\\/\\/svc:pw-9@db.internal\\/x"}`;
    expect(JSON.parse(text).note).toBe(`use ${OPENAI} now`);
    const entry = ingest([kv('ledger.inputs', str(text))]);
    expectNoneOf(entry, [OPENAI, OPENAI.slice(2), 'hunter2', 'pw-9']);
    expect(entry.inputs).toEqual({ note: 'use [REDACTED:openai_api_key] now', password: '[REDACTED:secret_field]', url: 'https://svc:[REDACTED:url_password]@db.internal/x' });
    expect(entry.redactions).toBe(3);
  });

  it('pseudonymises an escaped email address whole', () => {
    const text = `{"to":"jane${escaped('.')}doe@example.com"}`;
    const entry = ingest([kv('ledger.inputs', str(text))]);
    expect(entry.inputs).toEqual({ to: expectedPseudonym('jane.doe@example.com') });
  });
});

describe('__proto__ keys', () => {
  it('keeps a __proto__ kvlist an own, redacted entry, so nothing is read through it', () => {
    const hidden = kvlist(kv('password', str('proto-pw-1')), kv('ledger.inputs', str(`{"leak":"${OPENAI}"}`)), kv('note', str(`key ${OPENAI}`)));
    const entry = ingest([kv('__proto__', hidden), kv('gen_ai.operation.name', str('chat'))]);
    expectNoneOf(entry, ['proto-pw-1', OPENAI]);
    expect(Object.getPrototypeOf(entry.attributes)).toBe(null);
    expect(Object.keys(entry.attributes)).toEqual(['__proto__', 'gen_ai.operation.name']);
    // `ledger.inputs` inside the kvlist is not the span's ledger.inputs
    expect(entry.inputs).toBe(null);
    expect(entry.redactions).toBe(3);
  });

  it('redacts own __proto__ keys of parsed JSON, in attributes and activity metadata', () => {
    const entry = ingest([kv('ledger.inputs', str(`{"__proto__":{"password":"proto-pw-2"},"q":"x"}`))]);
    expectNoneOf(entry, ['proto-pw-2']);
    const metadata = JSON.parse(`{"__proto__":{"password":"proto-pw-3","note":"${OPENAI}"},"ok":1}`);
    const out = redactValue(metadata, testRules(), TEST_ORG);
    expect(JSON.stringify(out.value)).not.toMatch(/proto-pw-3|sk-proj/);
    expect(out.count).toBe(2);
  });
});

describe('activity metadata', () => {
  it('removes nested secrets by key name and pseudonymises emails', () => {
    const metadata = { login: { user: 'jane.doe@example.com', password: 'hunter2' }, headers: [{ Authorization: 'Basic abc' }], duration_ms: 12 };
    const out = redactValue(metadata, testRules(), TEST_ORG);
    expect(out.value).toEqual({
      login: { user: expectedPseudonym('jane.doe@example.com'), password: '[REDACTED:secret_field]' },
      headers: [{ Authorization: '[REDACTED:secret_field]' }],
      duration_ms: 12,
    });
    expect(out.count).toBe(3);
    expect(metadata.login.password).toBe('hunter2');
  });
});

describe('cost', () => {
  it('stays fast on pathological JSON-looking input (64 KiB)', () => {
    const n = 64 * 1024;
    const rules = testRules();
    const inputs = [
      '{' + 'token9'.repeat(n / 6),
      '{"password' + '1'.repeat(n) + 'x":1}',
      '[' + '"password":'.repeat(n / 11),
      '[' + '\\u0041'.repeat(n / 6),
      JSON.stringify({ password: 'x'.repeat(n) }),
      JSON.stringify(Array.from({ length: n / 32 }, (_, i) => ({ token: `t${i}`, n: i }))),
    ];
    for (const input of inputs) {
      const started = performance.now();
      redactValue(input, rules, TEST_ORG);
      expect(performance.now() - started, input.slice(0, 20)).toBeLessThan(500);
    }
  });
});

describe('values redaction never saw', () => {
  it('are not echoed in the reason a malformed span is rejected for (logged and sent back)', () => {
    const span = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', name: 'x', startTimeUnixNano: '1795458428139000001', endTimeUnixNano: '1795458428210552022', attributes: [kv('n', { intValue: `pw ${OPENAI} jane@example.com` })] };
    const body = { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 't' }, spans: [span] }] }] };
    const decoded = decodeTraces(Buffer.from(JSON.stringify(body)), 'json', DEFAULT_DECODE_LIMITS);
    expect(decoded.rejected).toHaveLength(1);
    expect(decoded.rejected[0].reason).toContain('must be an integer');
    expect(decoded.rejected[0].reason).not.toMatch(/sk-proj|jane/);
  });
});
