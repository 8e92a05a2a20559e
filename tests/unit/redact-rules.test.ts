import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/schema.js';
import {
  BUILT_IN_DETECTOR_NAMES,
  compileRedactionRules,
  DEFAULT_REDACTION_CONFIG,
  redactValue,
  type RedactionConfig,
} from '../../collector/redact/index.js';
import { expectedPseudonym, TEST_ORG, testRules } from '../helpers/redaction.js';
import { fake } from '../helpers/fake-secrets.js';

function rulesWith(config: Partial<RedactionConfig>) {
  return testRules(config);
}

describe('custom rules', () => {
  it('replaces matches with the rule name and counts them', () => {
    const rules = rulesWith({ custom: [{ name: 'employee_id', pattern: 'EMP-\\d{6}' }, { name: 'project', pattern: 'project (?:falcon|osprey)', flags: 'i' }] });
    expect(redactValue('EMP-004211 and EMP-123456 on Project Falcon', rules, TEST_ORG)).toEqual({
      value: '[REDACTED:employee_id] and [REDACTED:employee_id] on [REDACTED:project]',
      count: 3,
    });
  });

  it('keeps the pre / post named groups as context', () => {
    const rules = rulesWith({ custom: [{ name: 'pin', pattern: '(?<pre>PIN:\\s*)\\d{4}(?<post>\\b)' }] });
    expect(redactValue('PIN: 1234, PIN:9876', rules, TEST_ORG)).toEqual({ value: 'PIN: [REDACTED:pin], PIN:[REDACTED:pin]', count: 2 });
  });

  it('runs after the built-ins and never rewrites their tokens', () => {
    const rules = rulesWith({ custom: [{ name: 'shouting', pattern: '[A-Z]{5,}' }] });
    expect(redactValue('mail ops@acme.io LOUDLY', rules, TEST_ORG)).toEqual({ value: `mail ${expectedPseudonym('ops@acme.io')} [REDACTED:shouting]`, count: 2 });
  });

  it('takes many rules (they run on every string, with no prefilter trigger)', () => {
    const custom = Array.from({ length: 40 }, (_, i) => ({ name: `rule_${i}`, pattern: `\\bZ${i}Q\\b` }));
    const rules = rulesWith({ custom });
    expect(redactValue('Z0Q Z39Q Z40Q ops@acme.io', rules, TEST_ORG)).toEqual({ value: `[REDACTED:rule_0] [REDACTED:rule_39] Z40Q ${expectedPseudonym('ops@acme.io')}`, count: 3 });
  });

  it('rejects an invalid regex, naming the rule', () => {
    expect(() => rulesWith({ custom: [{ name: 'ok', pattern: 'a+' }, { name: 'broken_rule', pattern: 'foo(bar' }] })).toThrow(
      /redaction rule "broken_rule": invalid regular expression \/foo\(bar\/: .*/,
    );
  });

  it.each([
    [{ name: 'bad name', pattern: 'x' }, /"bad name": name must be/],
    [{ name: 'quote"d', pattern: 'x' }, /name must be/],
    [{ name: 'email', pattern: 'x' }, /"email": name is already used/],
    [{ name: 'denied', pattern: 'x' }, /"denied": name is already used/],
    [{ name: 'empty', pattern: '' }, /"empty": pattern must be a non-empty string/],
    [{ name: 'optional', pattern: 'a*' }, /"optional": pattern \/a\*\/ matches the empty string/],
    [{ name: 'sticky', pattern: 'a', flags: 'y' }, /"sticky": flags "y" must be/],
    [{ name: 'twice', pattern: 'a', flags: 'ii' }, /"twice": flags "ii" must be/],
  ])('rejects %j', (rule, message) => {
    expect(() => rulesWith({ custom: [rule] })).toThrow(message);
  });

  it('rejects two rules of one name', () => {
    expect(() => rulesWith({ custom: [{ name: 'x', pattern: 'a' }, { name: 'x', pattern: 'b' }] })).toThrow(/"x": name is already used/);
  });

  it('rejects unknown detector names and empty attribute keys', () => {
    expect(() => rulesWith({ detectors: ['email', 'ssn'] })).toThrow(/detector "ssn" is unknown; built-in detectors: private_key, /);
    expect(() => rulesWith({ deny_attributes: [''] })).toThrow(/deny_attributes/);
  });
});

describe('redactValue', () => {
  const rules = testRules();
  const key = `ghp_${fake(36, 301)}`;

  it('redacts nested JSON without touching the caller object', () => {
    const input = { agent: 'a-1', metadata: { notes: [`token ${key}`, 'fine'], owner: 'ops@acme.io' }, n: 3 };
    const copy = structuredClone(input);
    const out = redactValue(input, rules, TEST_ORG);
    expect(out).toEqual({
      value: { agent: 'a-1', metadata: { notes: ['token [REDACTED:github_token]', 'fine'], owner: expectedPseudonym('ops@acme.io') }, n: 3 },
      count: 2,
    });
    expect(input).toEqual(copy);
  });

  it('returns clean input as the same reference', () => {
    const input = { a: ['x', { b: 'y' }], c: 1, d: null, e: true };
    const out = redactValue(input, rules, TEST_ORG);
    expect(out.value).toBe(input);
    expect(out.count).toBe(0);
  });

  it('applies deny / allow lists by dotted path', () => {
    const rules2 = rulesWith({ deny_attributes: ['user.*'], allow_attributes: ['raw'] });
    expect(redactValue({ user: { name: 'Jane', ssn: 'x' }, raw: 'ops@acme.io', other: 'ops@acme.io' }, rules2, TEST_ORG)).toEqual({
      value: { user: { name: '[REDACTED:denied]', ssn: '[REDACTED:denied]' }, raw: 'ops@acme.io', other: expectedPseudonym('ops@acme.io') },
      count: 3,
    });
  });

  it('keeps an own __proto__ key of parsed JSON an own key, in a copy without a prototype', () => {
    const input = JSON.parse('{"__proto__": "ops@acme.io"}');
    const out = redactValue(input, rules, TEST_ORG).value as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(null);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBe(expectedPseudonym('ops@acme.io'));
  });

  it('is idempotent: a second pass finds nothing', () => {
    const once = redactValue(`a ${key} b ops@acme.io password=x`, rules, TEST_ORG);
    expect(once.count).toBe(3);
    expect(redactValue(once.value, rules, TEST_ORG)).toEqual({ value: once.value, count: 0 });
  });

  it('stays fast on pathological input (64 KiB)', () => {
    const n = 64 * 1024;
    const inputs = ['a'.repeat(n) + '@', '1'.repeat(n) + 'x', 'password: "'.repeat(n / 11), 'sk-'.repeat(n / 3), '\\'.repeat(n), '4 '.repeat(n / 2), '-----BEGIN PRIVATE KEY-----'.repeat(n / 27)];
    for (const input of inputs) {
      const started = performance.now();
      redactValue(input, rules, TEST_ORG);
      expect(performance.now() - started, input.slice(0, 20)).toBeLessThan(500);
    }
  });
});

describe('configuration', () => {
  it('has schema defaults equal to DEFAULT_REDACTION_CONFIG', () => {
    expect(configSchema.parse({}).redaction).toEqual(DEFAULT_REDACTION_CONFIG);
    expect(DEFAULT_REDACTION_CONFIG.detectors).toEqual([...BUILT_IN_DETECTOR_NAMES]);
  });

  it('compiles what the schema accepts and refuses unknown detectors', () => {
    const parsed = configSchema.parse({ redaction: { detectors: ['jwt'], custom: [{ name: 'x', pattern: 'y', flags: 'i' }], deny_attributes: ['a.*'] } });
    expect(() => compileRedactionRules(parsed.redaction)).not.toThrow();
    expect(configSchema.safeParse({ redaction: { detectors: ['nope'] } }).success).toBe(false);
  });
});
