import { describe, expect, it } from 'vitest';
import { DEFAULT_REDACTION_CONFIG, redactValue } from '../../collector/redact/index.js';
import { expectedPseudonym, TEST_ORG, testRules } from '../helpers/redaction.js';
import { fake, fakeCard, fakeJwt, fakePem } from '../helpers/fake-secrets.js';

const rules = testRules();

function redact(text: string): { value: string; count: number } {
  const out = redactValue(text, rules, TEST_ORG);
  return { value: out.value as string, count: out.count };
}

/** [kind, text around it ($ marks the secret), secret] */
const SECRETS: Array<[string, string, string]> = ([
  ['openai_api_key', `sk-proj-${fake(48, 1)}`, 'OPENAI_API_KEY is $ for the pilot'],
  ['openai_api_key', `sk-proj-${fake(156, 2, '-_')}`, 'client = OpenAI(api_key="$")'],
  ['openai_api_key', `sk-${fake(48, 3)}`, 'legacy key $.'],
  ['openai_api_key', `sk-svcacct-${fake(64, 4)}`, 'service account $'],
  ['anthropic_api_key', `sk-ant-api03-${fake(93, 5, '-_')}AA`, 'x-api-key: $'],
  ['anthropic_api_key', `sk-ant-admin01-${fake(93, 6)}AA`, '$'],
  ['aws_access_key_id', `AKIA${fake(16, 7, '', 'upper')}`, 'aws_access_key_id=$'],
  ['aws_access_key_id', `ASIA${fake(16, 8, '', 'upper')}`, '"AccessKeyId": "$"'],
  ['aws_secret_access_key', fake(40, 9, '/+'), 'AWS_SECRET_ACCESS_KEY=$'],
  ['aws_secret_access_key', fake(40, 10, '/+'), '{"aws_secret_access_key": "$"}'],
  ['aws_secret_access_key', fake(40, 11, '/+'), '"SecretAccessKey" : "$",'],
  ['github_token', `ghp_${fake(36, 12)}`, 'git clone https://$@github.com/acme/app'],
  ['github_token', `gho_${fake(36, 13)}`, 'token $'],
  ['github_token', `github_pat_${fake(22, 14)}_${fake(59, 15)}`, 'GH_TOKEN=$'],
  ['gitlab_token', `glpat-${fake(20, 16, '-_')}`, 'PRIVATE-TOKEN: $'],
  ['slack_token', `xoxb-${fake(12, 17, '', 'digits')}-${fake(13, 18, '', 'digits')}-${fake(24, 19)}`, 'SLACK_BOT_TOKEN=$'],
  ['slack_token', `https://hooks.slack.com/services/T${fake(8, 20, '', 'upper')}/B${fake(8, 21, '', 'upper')}/${fake(24, 22)}`, 'post to $ now'],
  ['stripe_key', `sk_live_${fake(24, 23)}`, 'stripe.api_key = "$"'],
  ['stripe_key', `rk_test_${fake(24, 24)}`, '$'],
  ['stripe_key', `whsec_${fake(32, 25)}`, 'endpoint secret $'],
  ['google_api_key', `AIza${fake(35, 26, '-_')}`, 'https://maps.googleapis.com/maps/api/geocode/json?key=$&address=x'],
  ['jwt', fakeJwt(), 'session $ expired'],
  ['bearer_token', fake(40, 27, '-._~+/'), 'Authorization: Bearer $'],
  ['bearer_token', `ya29.${fake(60, 28, '-_')}`, 'authorization: bearer $'],
  ['basic_auth', Buffer.from('svc-backup:Tr0ub4dor&3').toString('base64'), 'Authorization: Basic $'],
  ['private_key', fakePem('RSA PRIVATE KEY'), 'key file:\n$\nend'],
  ['private_key', fakePem('OPENSSH PRIVATE KEY'), '$'],
  ['private_key', fakePem('ENCRYPTED PRIVATE KEY'), '$'],
  ['email', 'jane.doe+billing@example-corp.co.uk', 'contact $ for refunds'],
  ['email', 'ops@acme.io', '<$>'],
  ['card_number', '4111 1111 1111 1111', 'card $ exp 12/28'],
  ['card_number', '4111-1111-1111-1111', 'card: $'],
  ['card_number', '4111111111111111', '"pan":"$"'],
  ['card_number', '5500 0000 0000 0004', 'mastercard $'],
  ['card_number', '3782 822463 10005', 'amex $'],
  ['card_number', fakeCard('6011', 16, 29), 'discover $'],
  ['password_assignment', 'hunter2', 'password=$&user=bob'],
  ['password_assignment', 'S3cr3t-Pa55', 'DB_PASSWORD: $'],
  ['password_assignment', 'correct horse battery staple', '{"password": "$"}'],
  ['password_assignment', 'p@ss', "login(user='bob', passwd='$')"],
  ['password_assignment', 'opensesame', 'userPassword => $'],
  ['url_password', 'Zm9vYmFy2024', 'DATABASE_URL=postgres://app:$@db.internal:5432/ledger'],
  ['url_password', 'r3d1s-pass', 'redis://:$@cache:6379/0'],
  ['secret_assignment', fake(32, 30), 'api_key=$'],
  ['secret_assignment', fake(24, 31), '{"client_secret": "$"}'],
  ['secret_assignment', fake(40, 32, '-_.'), 'refresh_token: $'],
  ['secret_assignment', fake(16, 33), 'X-API-Key: $'],
] as Array<[string, string, string]>).map(([kind, secret, around]) => [kind, around, secret]);

describe('built-in detectors', () => {
  it.each(SECRETS)('%s in %j', (kind, around, secret) => {
    const text = around.replace('$', secret);
    const { value, count } = redact(text);
    // Email addresses are personal data, pseudonymised by default; the rest are secrets, removed.
    expect(value).toBe(around.replace('$', kind === 'email' ? expectedPseudonym(secret) : `[REDACTED:${kind}]`));
    expect(count).toBe(1);
    expect(value).not.toContain(secret);
  });

  it('covers every built-in detector', () => {
    const kinds = new Set(SECRETS.map(([kind]) => kind));
    expect([...kinds].sort()).toEqual([...DEFAULT_REDACTION_CONFIG.detectors].sort());
  });

  it('replaces several secrets in one string and counts each', () => {
    const text = `key=${`sk-proj-${fake(48, 40)}`} mail ops@acme.io card 4111 1111 1111 1111 and AKIA${fake(16, 41, '', 'upper')}`;
    const { value, count } = redact(text);
    expect(value).toBe(
      `key=[REDACTED:openai_api_key] mail ${expectedPseudonym('ops@acme.io')} card [REDACTED:card_number] and [REDACTED:aws_access_key_id]`,
    );
    expect(count).toBe(4);
  });

  it('labels a provider key after Bearer or an api_key= by its provider, once', () => {
    const key = `sk-ant-api03-${fake(93, 42)}AA`;
    expect(redact(`Authorization: Bearer ${key}`)).toEqual({ value: 'Authorization: Bearer [REDACTED:anthropic_api_key]', count: 1 });
    expect(redact(`{"api_key":"${key}"}`)).toEqual({ value: '{"api_key":"[REDACTED:anthropic_api_key]"}', count: 1 });
    expect(redact(`password=${key}`)).toEqual({ value: 'password=[REDACTED:anthropic_api_key]', count: 1 });
  });

  it('redacts a PEM block cut short by the attribute size cap', () => {
    const pem = fakePem('PRIVATE KEY');
    const cut = pem.slice(0, pem.length - 60);
    expect(redact(`here: ${cut}`)).toEqual({ value: 'here: [REDACTED:private_key]', count: 1 });
  });

  it('finds a card inside a longer run of digit groups', () => {
    expect(redact('order 12 4111 1111 1111 1111').value).toBe('order 12 [REDACTED:card_number]');
    expect(redact('4111 1111 1111 1111 5500 0000 0000 0004').value).toBe('[REDACTED:card_number] [REDACTED:card_number]');
  });

  it('finds an integer card number', () => {
    expect(redactValue({ pan: 4111111111111111, ts: 1730419200000 }, rules, TEST_ORG)).toEqual({
      value: { pan: '[REDACTED:card_number]', ts: 1730419200000 },
      count: 1,
    });
  });
});

describe('look-alikes that are not secrets stay', () => {
  const CLEAN = [
    'gpt-4o-mini',
    'claude-3-5-sonnet-20241022',
    'gemini-1.5-flash-002',
    'anthropic.claude-3-haiku-20240307-v1:0',
    '123e4567-e89b-12d3-a456-426614174000',
    '4bf92f3577b34da6a3ce929d0e0e4736',
    '00f067aa0ba902b7',
    'O-88231',
    'C-12345',
    'order 1234567 shipped, 42 items, total 1234.56',
    '4111 1111 1111 1112', // Luhn-invalid
    '4111111111111112',
    '1730419200000', // epoch ms: Luhn-valid but no card starts with 1
    '1795458428139000001', // epoch ns
    '+1 415 555 0100',
    '2026-11-01T00:00:00.000Z',
    'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'risk-assessment-for-the-quarterly-report task-learn-pipeline-notebook',
    'sk-learn-pipeline-notebook-version-two',
    'the bearer of this letter, on a basic level',
    'Bearer token expired',
    'password reset email sent; please check your inbox',
    'Forgot password? Reset it from settings.',
    '{"password": null, "pwd": "", "password_hint": true}',
    'password=${DB_PASSWORD} passwd=******** pwd=<your password>',
    'api_key: YOUR_KEY',
    '"max_tokens": 1024, "input_tokens": 512, "key": "value"',
    'import { trace } from "@opentelemetry/api"; npm i pkg@1.2.3',
    'ssh git@host, user@localhost',
    'https://example.com/path?x=1&y=2',
    'ASIA is a continent; AKIA123 is short',
    'eyJhbGciOiJIUzI1NiJ9 alone is only a header',
    'see ghp_short and glpat-short and xoxb-1',
    'Asia/Tokyo',
    '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
  ];

  it.each(CLEAN)('%s', (text) => {
    expect(redact(text)).toEqual({ value: text, count: 0 });
  });

  it('leaves numbers that are not card numbers', () => {
    const value = { rows: 42, ts: 1730419200000, cost: 0.0042, big: 4111111111111112, neg: -4111111111111111 };
    expect(redactValue(value, rules, TEST_ORG)).toEqual({ value, count: 0 });
  });
});
