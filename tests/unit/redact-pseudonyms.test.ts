import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/schema.js';
import { loadConfig } from '../../config/load-config.js';
import {
  compileRedactionRules,
  DEFAULT_REDACTION_CONFIG,
  holdsPseudonymized,
  pseudonymizeQueryText,
  pseudonymizeSearch,
  redactValue,
} from '../../collector/redact/index.js';
import { PseudonymKeys } from '../../collector/redact/pseudonyms.js';
import { indexTokens } from '../../model/search-text.js';
import { parseSearchQuery } from '../../model/search-query.js';
import { expectedPseudonym, TEST_ORG, TEST_PSEUDONYM_SECRET, testRules } from '../helpers/redaction.js';

/** Personal data pseudonymised, still findable (issue 14, item 8). */

const rules = testRules();
const redact = (text: string, org = TEST_ORG, r = rules) => redactValue(text, r, org) as { value: string; count: number };

describe('email pseudonyms', () => {
  it('replaces an address by a keyed per-organization token, as documented', () => {
    expect(redact('mail jane.doe@example.com today')).toEqual({ value: `mail ${expectedPseudonym('jane.doe@example.com')} today`, count: 1 });
    expect(expectedPseudonym('jane.doe@example.com')).toMatch(/^\[EMAIL:[0-9a-f]{16}\]$/);
  });

  it('gives the same token for the same address in one organization, whatever its case', () => {
    const a = redact('jane.doe@example.com').value;
    expect(redact('Jane.Doe@Example.COM').value).toBe(a);
    expect(redact('write to jane.doe@example.com or JANE.DOE@EXAMPLE.COM').value).toBe(`write to ${a} or ${a}`);
    expect(redact('john.doe@example.com').value).not.toBe(a);
  });

  it('gives another organization, or another secret, another token', () => {
    const a = redact('jane.doe@example.com', 'acme').value;
    expect(redact('jane.doe@example.com', 'globex').value).not.toBe(a);
    const other = compileRedactionRules(DEFAULT_REDACTION_CONFIG, { defaultPseudonymSecret: 'another-secret-of-at-least-32-characters!' });
    expect(redact('jane.doe@example.com', 'acme', other).value).not.toBe(a);
    // the configured secret wins over the pepper
    const configured = compileRedactionRules({ ...DEFAULT_REDACTION_CONFIG, pseudonym_secret: 'configured-secret-of-at-least-32-chars' }, { defaultPseudonymSecret: TEST_PSEUDONYM_SECRET });
    expect(redact('jane.doe@example.com', TEST_ORG, configured).value).toBe(expectedPseudonym('jane.doe@example.com', TEST_ORG, 'email', 'configured-secret-of-at-least-32-chars'));
  });

  it('is one searchable word for the full-text tokenizer', () => {
    const token = expectedPseudonym('jane.doe@example.com');
    const tokens: string[] = [];
    indexTokens(`see ${token}.`, tokens);
    expect(tokens).toEqual(['see', 'email', token.slice(7, 23)]);
  });

  it('is never rescanned: a second pass counts nothing, whatever digits the hex holds', () => {
    // Some of these tokens hold 13+ decimal digits in a row; none may turn into a card number.
    const text = Array.from({ length: 3000 }, (_, i) => `u${i}@example.com`).join(' ');
    const once = redact(text);
    expect(once.count).toBe(3000);
    expect(once.value).not.toMatch(/REDACTED/);
    expect(redact(once.value)).toEqual({ value: once.value, count: 0 });
  });

  it('needs a secret of at least 32 characters', () => {
    expect(() => compileRedactionRules(DEFAULT_REDACTION_CONFIG)).toThrow(/email pseudonymise, which needs a pseudonym secret/);
    expect(() => new PseudonymKeys('short')).toThrow(/at least 32/);
    // nothing pseudonymises: no secret needed
    expect(() => compileRedactionRules({ ...DEFAULT_REDACTION_CONFIG, actions: { email: 'redact' } })).not.toThrow();
  });
});

describe('per-detector actions', () => {
  const secret = 'sk-proj-' + 'Ab1'.repeat(16);

  it('redact, pseudonymize (either spelling) and keep', () => {
    const text = `jane@example.com ${secret}`;
    expect(redact(text, TEST_ORG, testRules({ actions: { email: 'redact' } })).value).toBe('[REDACTED:email] [REDACTED:openai_api_key]');
    expect(redact(text, TEST_ORG, testRules({ actions: { email: 'keep' } }))).toEqual({ value: 'jane@example.com [REDACTED:openai_api_key]', count: 1 });
    expect(redact(text, TEST_ORG, testRules({ actions: { email: 'pseudonymise' } })).value).toBe(`${expectedPseudonym('jane@example.com')} [REDACTED:openai_api_key]`);
    expect(redact(text, TEST_ORG, testRules({ actions: { openai_api_key: 'keep', email: 'keep' } }))).toEqual({ value: text, count: 0 });
  });

  it('pseudonymises custom rules and secrets when told to', () => {
    const r = testRules({ custom: [{ name: 'employee_id', pattern: 'EMP-\\d{6}' }], actions: { employee_id: 'pseudonymize', openai_api_key: 'pseudonymize' } });
    const out = redact(`EMP-004211 used ${secret}`, TEST_ORG, r).value;
    expect(out).toBe(`${expectedPseudonym('EMP-004211', TEST_ORG, 'employee_id')} used ${expectedPseudonym(secret, TEST_ORG, 'openai_api_key')}`);
    expect(out).toMatch(/^\[EMPLOYEE_ID:[0-9a-f]{16}\] used \[OPENAI_API_KEY:[0-9a-f]{16}\]$/);
  });

  it('refuses actions for names that are no detector and unknown actions', () => {
    expect(() => testRules({ actions: { ssn: 'redact' } })).toThrow(/actions\.ssn: no built-in detector or custom rule/);
    expect(() => testRules({ actions: { email: 'hide' } })).toThrow(/actions\.email: "hide" is not one of/);
    expect(() => testRules({ actions: { denied: 'keep' } })).toThrow(/actions\.denied/);
  });

  it('is configured per detector in the schema and the environment', () => {
    expect(configSchema.parse({}).redaction.actions).toMatchObject({ email: 'pseudonymize', card_number: 'redact', openai_api_key: 'redact' });
    expect(configSchema.parse({ redaction: { actions: { email: 'pseudonymise', my_rule: 'keep' } } }).redaction.actions).toMatchObject({ email: 'pseudonymise', my_rule: 'keep' });
    expect(configSchema.safeParse({ redaction: { actions: { email: 'hide' } } }).success).toBe(false);
    expect(configSchema.safeParse({ redaction: { pseudonym_secret: 'short' } }).success).toBe(false);
    const fromEnv = loadConfig({ file: null, env: { AGENT_LEDGER_REDACTION_ACTIONS_EMAIL: 'keep' } });
    expect(fromEnv.redaction.actions.email).toBe('keep');
  });
});

describe('searching by the clear value', () => {
  it('turns an address in a search into the organization\'s pseudonym and leaves the rest', () => {
    const q = 'refund "for Jane.Doe@example.com" -bob@example.com';
    const out = pseudonymizeSearch(q, rules, 'acme');
    expect(out).toBe(`refund "for ${expectedPseudonym('jane.doe@example.com', 'acme')}" -${expectedPseudonym('bob@example.com', 'acme')}`);
    expect(out).not.toMatch(/example\.com/);
    const parsed = parseSearchQuery(out);
    expect(parsed.include[1].tokens.map((t) => t.text)).toEqual(['for', 'email', expectedPseudonym('jane.doe@example.com', 'acme').slice(7, 23)]);
    expect(pseudonymizeSearch(q, rules, 'globex')).not.toBe(out);
  });

  it('changes nothing when emails are redacted or kept, and leaves secrets typed in a search alone', () => {
    const q = 'jane@example.com sk-proj-' + 'Ab1'.repeat(16);
    expect(pseudonymizeSearch(q, testRules({ actions: { email: 'redact' } }), 'acme')).toBe(q);
    expect(pseudonymizeSearch(q, testRules({ actions: { email: 'keep' } }), 'acme')).toBe(q);
    expect(pseudonymizeSearch(q, null, 'acme')).toBe(q);
    expect(pseudonymizeSearch(q, rules, 'acme')).toMatch(/^\[EMAIL:[0-9a-f]{16}\] sk-proj-/);
  });

  it('tells whether a search holds such a value', () => {
    expect(holdsPseudonymized('mail jane@example.com', rules)).toBe(true);
    expect(holdsPseudonymized('mail jane at example', rules)).toBe(false);
    expect(holdsPseudonymized('mail jane@example.com', testRules({ actions: { email: 'keep' } }))).toBe(false);
  });

  it('rewrites a rewritten text to itself (a saved search is stored rewritten and rewritten again at each run)', () => {
    const all = testRules({ actions: { email: 'pseudonymize', card_number: 'pseudonymize' } });
    const texts = [
      'inputs.to:jane@example.com', 'inputs.to:"jane@example.com" OR "mail Jane.Doe@Example.COM now"', '-x@y.example a@b.co', 'card 4111 1111 1111 1111',
      'inputs.to:"[EMAIL:0123456789abcdef]"', '"unterminated jane@example.com', 'a\\"b c@d.example"',
    ];
    for (const r of [rules, all]) {
      for (const text of texts) {
        const query = pseudonymizeQueryText(text, r, 'acme');
        expect(pseudonymizeQueryText(query, r, 'acme'), text).toBe(query);
        expect(holdsPseudonymized(query, r), text).toBe(false);
        const search = pseudonymizeSearch(text, r, 'acme');
        expect(pseudonymizeSearch(search, r, 'acme'), text).toBe(search);
      }
    }
  });
});
