import { describe, expect, it } from 'vitest';
import { redactValue } from '../../collector/redact/index.js';
import { expectedPseudonym, TEST_ORG, testRules } from '../helpers/redaction.js';
import { seededRandom as seeded } from '../../bench/seeded-random.js';
import { fake, fakeJwt, fakePem } from '../helpers/fake-secrets.js';

const rules = testRules();

function redactText(text: string): { value: string; count: number } {
  const out = redactValue(text, rules, TEST_ORG);
  return { value: out.value as string, count: out.count };
}

const OPENAI = `sk-proj-${fake(48, 101)}`;
const ANTHROPIC = `sk-ant-api03-${fake(93, 102, '-_')}AA`;
const GITHUB = `ghp_${fake(36, 103)}`;
const AWS_ID = `AKIA${fake(16, 104, '', 'upper')}`;
const JWT = fakeJwt();
const PEM = fakePem('EC PRIVATE KEY');

/** Secrets inside JSON text in string attributes (gen_ai.input.messages, tool arguments) go, and the text stays JSON. */
describe('JSON text inside string values', () => {
  it('redacts inside gen_ai.input.messages and keeps it valid JSON', () => {
    const messages = [
      { role: 'system', parts: [{ type: 'text', content: `Use key ${OPENAI} for OpenAI.\nNever share it.` }] },
      { role: 'user', parts: [{ type: 'text', content: 'My card is 4111 1111 1111 1111, mail me at jane@example.com' }] },
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'call_1', name: 'login', arguments: { user: 'jane', password: 'hunter2 hunter2' } }],
      },
    ];
    const text = JSON.stringify(messages);
    const { value, count } = redactText(text);
    expect(count).toBe(4);
    const parsed = JSON.parse(value);
    expect(parsed[0].parts[0].content).toBe('Use key [REDACTED:openai_api_key] for OpenAI.\nNever share it.');
    expect(parsed[1].parts[0].content).toBe(`My card is [REDACTED:card_number], mail me at ${expectedPseudonym('jane@example.com')}`);
    expect(parsed[2].parts[0].arguments).toEqual({ user: 'jane', password: '[REDACTED:password_assignment]' });
  });

  it('redacts tool call arguments and results', () => {
    const args = JSON.stringify({ url: 'https://api.github.com/user', headers: { Authorization: `token ${GITHUB}` } });
    const result = JSON.stringify({ status: 'ok', credentials: { AccessKeyId: AWS_ID, SessionToken: JWT } });
    const a = redactText(args);
    const r = redactText(result);
    // `Authorization` names a secret: the whole value goes, counted once with the token found in it.
    expect(JSON.parse(a.value).headers.Authorization).toBe('[REDACTED:secret_field]');
    expect(JSON.parse(r.value).credentials).toEqual({ AccessKeyId: '[REDACTED:aws_access_key_id]', SessionToken: '[REDACTED:jwt]' });
    expect(a.count + r.count).toBe(3);
  });

  it('redacts a PEM block written with \\n escapes', () => {
    const text = JSON.stringify({ file: 'id_ecdsa', content: `${PEM}\n` });
    const { value, count } = redactText(text);
    expect(count).toBe(1);
    expect(JSON.parse(value)).toEqual({ file: 'id_ecdsa', content: '[REDACTED:private_key]\n' });
  });

  it('keeps escapes next to a secret intact', () => {
    const cases: Array<[string, string]> = [
      [`line\n${OPENAI}\nnext`, 'line\n[REDACTED:openai_api_key]\nnext'],
      [`tab\t${ANTHROPIC}\t`, 'tab\t[REDACTED:anthropic_api_key]\t'],
      [`"${AWS_ID}"`, '"[REDACTED:aws_access_key_id]"'],
      [`\\${JWT}\\`, '\\[REDACTED:jwt]\\'],
      ['\nops@acme.io\n', `\n${expectedPseudonym('ops@acme.io')}\n`],
      ['\n4111 1111 1111 1111\n', '\n[REDACTED:card_number]\n'],
      ['password="a\\"b"', 'password="[REDACTED:password_assignment]\\"b"'],
    ];
    for (const [inner, expected] of cases) {
      const { value } = redactText(JSON.stringify({ t: inner }));
      expect(JSON.parse(value)).toEqual({ t: expected });
    }
  });

  it('handles \\u escapes (Go and .NET escape < > & in JSON)', () => {
    const goStyle = JSON.stringify({ to: '<bob@example.com>' }).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
    const { value, count } = redactText(goStyle);
    expect(count).toBe(1);
    expect(JSON.parse(value)).toEqual({ to: `<${expectedPseudonym('bob@example.com')}>` });
  });

  it('redacts "key": "value" pairs of JSON written as text, quoted and escaped', () => {
    const inner = JSON.stringify({ password: 'pa ss', api_key: fake(32, 105), nested: { client_secret: fake(24, 106) } });
    const outer = JSON.stringify({ request: inner });
    const { value, count } = redactText(outer);
    expect(count).toBe(3);
    expect(JSON.parse(JSON.parse(value).request)).toEqual({
      password: '[REDACTED:password_assignment]',
      api_key: '[REDACTED:secret_assignment]',
      nested: { client_secret: '[REDACTED:secret_assignment]' },
    });
  });

  it('always leaves valid JSON, whatever surrounds the secrets (seeded fuzz)', () => {
    const secrets = [OPENAI, ANTHROPIC, GITHUB, AWS_ID, JWT, PEM, 'ops@acme.io', '4111 1111 1111 1111', 'password=x"y', 'api_key=\\abc12345'];
    const noise = ['\n', '"', '\\', '\\n', '\\u00', 'é', '😀', '\u0001', '<', '>', '&', ' ', ':', '=', "'", '{', '}', '[', ']', 'ab', '12'];
    const rnd = seeded(7);
    const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)];
    for (let i = 0; i < 500; i++) {
      let s = '';
      const parts = 1 + Math.floor(rnd() * 12);
      for (let p = 0; p < parts; p++) s += rnd() < 0.3 ? pick(secrets) : pick(noise);
      const doc = { s, nested: [{ s }] };
      let text = JSON.stringify(doc);
      if (rnd() < 0.3) text = text.replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
      if (rnd() < 0.3) text = JSON.stringify(text); // JSON text inside JSON text
      const { value } = redactText(text);
      expect(() => JSON.parse(value), `${text}\n→ ${value}`).not.toThrow();
    }
  });
});
