import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_LIMITS } from '../../collector/otlp/decode-limits.js';
import type { DecodedSpan } from '../../collector/otlp/decoded-span.js';
import { decodeTraces } from '../../collector/otlp/otlp-codec.js';
import { DEFAULT_REDACTION_CONFIG, redactSpans, type RedactionConfig } from '../../collector/redact/index.js';
import { expectedPseudonym, TEST_ORG, testRules } from '../helpers/redaction.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';
import { fake, fakeCard, fakeJwt } from '../helpers/fake-secrets.js';

const OPENAI = `sk-proj-${fake(48, 201)}`;
const GITHUB = `ghp_${fake(36, 202)}`;
const SLACK = `xoxp-${fake(12, 203, '', 'digits')}-${fake(12, 204, '', 'digits')}-${fake(32, 205)}`;
const JWT = fakeJwt();

type AnyValue = Record<string, unknown>;
const str = (stringValue: string): AnyValue => ({ stringValue });
const kv = (key: string, value: AnyValue) => ({ key, value });

let nextSpan = 1;
function otlpSpan(attributes: Array<{ key: string; value: AnyValue }>, extra: Record<string, unknown> = {}) {
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: (nextSpan++).toString(16).padStart(16, '0'),
    name: 'execute_tool fetch_customer',
    kind: 1,
    startTimeUnixNano: '1795458428139000001',
    endTimeUnixNano: '1795458428210552022',
    attributes,
    ...extra,
  };
}

/** Spans as the receiver has them: decoded from an OTLP/JSON request, resource shared between spans. */
function decode(resource: Array<{ key: string; value: AnyValue }>, spans: unknown[]): DecodedSpan[] {
  const body = { resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ scope: { name: 'test' }, spans }] }] };
  const decoded = decodeTraces(Buffer.from(JSON.stringify(body)), 'json', DEFAULT_DECODE_LIMITS);
  expect(decoded.rejected).toEqual([]);
  return decoded.spans;
}

function rulesWith(config: Partial<RedactionConfig>) {
  return testRules(config);
}

const rules = testRules();

describe('redactSpans', () => {
  it('redacts span attributes, nested values, events, status message and resource, and counts per span', () => {
    const [span] = decode(
      [kv('service.name', str('support-agent')), kv('deployment.owner', str('platform@acme.io'))],
      [
        otlpSpan(
          [
            kv('gen_ai.operation.name', str('execute_tool')),
            kv('gen_ai.tool.name', str('fetch_customer')),
            kv('gen_ai.tool.call.arguments', str(JSON.stringify({ id: 'O-88231', token: JWT }))),
            kv('http.request.header.authorization', { arrayValue: { values: [str(`Bearer ${OPENAI}`)] } }),
            kv('config', { kvlistValue: { values: [kv('github', str(GITHUB)), kv('retries', { intValue: 3 })] } }),
            kv('gen_ai.usage.input_tokens', { intValue: 812 }),
          ],
          {
            events: [{ name: 'exception', timeUnixNano: '1795458428139000002', attributes: [kv('exception.message', str(`slack said no to ${SLACK}`))] }],
            status: { code: 2, message: 'login failed for jane@example.com' },
          },
        ),
      ],
    );
    redactSpans([span], rules, TEST_ORG);
    expect(span.attributes['gen_ai.tool.call.arguments']).toBe('{"id":"O-88231","token":"[REDACTED:jwt]"}');
    // The key names a credential: the whole header value goes, not only the key found in it.
    expect(span.attributes['http.request.header.authorization']).toEqual(['[REDACTED:secret_field]']);
    expect(span.attributes.config).toEqual({ github: '[REDACTED:github_token]', retries: 3 });
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(812);
    expect(span.events[0].attributes['exception.message']).toBe('slack said no to [REDACTED:slack_token]');
    expect(span.events[0].name).toBe('exception');
    expect(span.status.message).toBe(`login failed for ${expectedPseudonym('jane@example.com')}`);
    expect(span.resource).toEqual({ 'service.name': 'support-agent', 'deployment.owner': expectedPseudonym('platform@acme.io') });
    expect(span.name).toBe('execute_tool fetch_customer');
    expect(span.redactions).toBe(6);
  });

  it('sets 0 on clean spans and changes nothing', () => {
    const [span] = decode([kv('service.name', str('bench-agents'))], [
      otlpSpan([
        kv('gen_ai.request.model', str('claude-3-5-sonnet-20241022')),
        kv('gen_ai.input.messages', str(JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'refund order O-88231, password reset email' }] }]))),
        kv('gen_ai.conversation.id', str('123e4567-e89b-12d3-a456-426614174000')),
        kv('ledger.cost_usd', { doubleValue: 0.0042 }),
      ]),
    ]);
    const before = structuredClone(span);
    redactSpans([span], rules, TEST_ORG);
    expect(span.redactions).toBe(0);
    expect({ ...span, redactions: undefined }).toEqual({ ...before, redactions: undefined });
  });

  it('redacts a shared resource once and counts it on every span that carries it', () => {
    const spans = decode(
      [kv('service.name', str('agent')), kv('ci.token', str(GITHUB))],
      [otlpSpan([kv('a', str('clean'))]), otlpSpan([kv('b', str(`key ${OPENAI}`))]), otlpSpan([])],
    );
    expect(spans[0].resource).toBe(spans[2].resource);
    redactSpans(spans, rules, TEST_ORG);
    expect(spans[1].resource['ci.token']).toBe('[REDACTED:github_token]');
    expect(spans.map((s) => s.redactions)).toEqual([1, 2, 1]);
    // A later batch with the same resource object (the receiver may split a request) counts it too.
    const [again] = spans;
    redactSpans([again], rules, TEST_ORG);
    expect(again.redactions).toBe(1);
  });

  it('replaces denied attributes whole, by exact key or glob, nested by dotted path', () => {
    const [span] = decode([kv('host.name', str('worker-7'))], [
      otlpSpan([
        kv('user.email', str('not even an address')),
        kv('http.request.header.cookie', str('session=abc')),
        kv('http.request.header.x-trace', str('t')),
        kv('db.statement', str('select 1')),
        kv('payload', { kvlistValue: { values: [kv('ssn', str('078-05-1120')), kv('ok', str('fine'))] } }),
        kv('empty', str('')),
      ]),
    ]);
    redactSpans([span], rulesWith({ deny_attributes: ['user.email', 'http.request.header.*', 'payload.ssn', 'empty', 'host.*'] }), TEST_ORG);
    expect(span.attributes).toEqual({
      'user.email': '[REDACTED:denied]',
      'http.request.header.cookie': '[REDACTED:denied]',
      'http.request.header.x-trace': '[REDACTED:denied]',
      'db.statement': 'select 1',
      payload: { ssn: '[REDACTED:denied]', ok: 'fine' },
      empty: '',
    });
    expect(span.resource['host.name']).toBe('[REDACTED:denied]');
    expect(span.redactions).toBe(5);
  });

  it('never scans allowed attributes, and deny wins over allow', () => {
    const value = `model-${OPENAI}`;
    const [span] = decode([], [otlpSpan([kv('gen_ai.request.model', str(value)), kv('custom.id', str(value)), kv('both', str('x'))])]);
    redactSpans([span], rulesWith({ allow_attributes: ['gen_ai.request.model', 'custom.*', 'both'], deny_attributes: ['both'] }), TEST_ORG);
    expect(span.attributes['gen_ai.request.model']).toBe(value);
    expect(span.attributes['custom.id']).toBe(value);
    expect(span.attributes.both).toBe('[REDACTED:denied]');
    expect(span.redactions).toBe(1);
  });

  it('keeps default model and metadata keys out of scanning', () => {
    expect(DEFAULT_REDACTION_CONFIG.allow_attributes).toEqual(expect.arrayContaining(['gen_ai.request.model', 'gen_ai.response.model']));
  });

  it('does nothing when disabled', () => {
    const [span] = decode([], [otlpSpan([kv('k', str(OPENAI))])]);
    redactSpans([span], rulesWith({ enabled: false }), TEST_ORG);
    expect(span.attributes.k).toBe(OPENAI);
    expect(span.redactions).toBe(0);
  });

  it('runs only the chosen detectors', () => {
    const [span] = decode([], [otlpSpan([kv('k', str(`${OPENAI} ops@acme.io`))])]);
    redactSpans([span], rulesWith({ detectors: ['email'] }), TEST_ORG);
    expect(span.attributes.k).toBe(`${OPENAI} ${expectedPseudonym('ops@acme.io')}`);
  });

  it('finds card numbers in int64 attributes, as numbers and as the decimal strings of big ones', () => {
    const [span] = decode([], [
      otlpSpan([
        kv('card', { intValue: '4111111111111111' }),
        kv('card19', { intValue: fakeCard('6011', 19, 206) }),
        kv('ts', { intValue: '1730419200000' }),
      ]),
    ]);
    redactSpans([span], rules, TEST_ORG);
    expect(span.attributes).toEqual({ card: '[REDACTED:card_number]', card19: '[REDACTED:card_number]', ts: 1730419200000 });
    expect(span.redactions).toBe(2);
  });

  it('finds nothing to redact in the real instrumentation fixtures', () => {
    const dirs = readdirSync(FIXTURES_DIR, { withFileTypes: true }).filter((d) => d.isDirectory());
    let spans = 0;
    for (const dir of dirs) {
      for (const file of readdirSync(join(FIXTURES_DIR, dir.name)).filter((f) => f.endsWith('.json'))) {
        const decoded = decodeTraces(readFileSync(join(FIXTURES_DIR, dir.name, file)), 'json', DEFAULT_DECODE_LIMITS);
        redactSpans(decoded.spans, rules, TEST_ORG);
        for (const span of decoded.spans) expect(span.redactions, `${dir.name}/${file} ${span.name}`).toBe(0);
        spans += decoded.spans.length;
      }
    }
    expect(spans).toBeGreaterThan(0);
  });
});
