import { locateCards } from './card-number.js';
import { redactionToken, type Detector } from './detector.js';
import { hasDigit, hasLower, hasUpper, isPlaceholder, looksRandom } from './text-shape.js';

/**
 * The built-in detectors, in the order they run. Provider keys with a
 * distinctive prefix come first so they get their precise kind; the
 * context-based ones (bearer, password=, email, card) come after and skip
 * what already became a `[REDACTED:…]` token.
 *
 * Every secret character class leaves out `"`, `'` and `\` (the PEM block,
 * which spans lines, starts and ends on `-----`), so a match inside JSON text
 * never swallows a closing quote; json-escapes.ts handles matches that touch
 * an escape. Triggers are what the prefilter looks for: a case-insensitive
 * substring of every possible match, preferably one that starts with a
 * character other triggers start with (`begin`, `slack`, `sec_` rather than
 * `-----begin`, `https://hooks`, `whsec_`): each distinct first character
 * costs the scan about 0.3 ns a character (measured on the bench corpus).
 */

function detector(spec: Omit<Detector, 'token'>): Detector {
  return Object.freeze({ ...spec, token: redactionToken(spec.name) });
}

/** Key = value in code, env files, YAML, JSON and JSON-inside-a-string (`\"key\": \"value\"`). */
const ASSIGN = String.raw`(?:\\?["'])?[ \t]*(?:=>|[:=])[ \t]*(?:\\?["'])?`;
/** After a quote: up to the closing quote. Else: up to whitespace or a delimiter. */
const ASSIGNED_VALUE = String.raw`(?<secret>(?<=["'])[^"'\\\r\n]+|(?<!["'])[^\s"'\\,;&)}\]]+)`;

export const BUILT_IN_DETECTORS: readonly Detector[] = Object.freeze([
  detector({
    name: 'private_key',
    // A block cut short (e.g. by the attribute size cap) is redacted to where its base64 ends.
    pattern:
      /-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|(?:[A-Za-z0-9+/=\s:,-]|\\[nrt])*)/g,
    triggers: ['begin'],
  }),
  detector({
    name: 'jwt',
    // header.payload.signature, both JSON parts start with `{"` = `eyJ`; unsigned tokens have no signature.
    pattern: /eyJ[A-Za-z0-9_-]{4,}\.ey[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
    triggers: ['eyj'],
    leftBoundary: true,
  }),
  detector({
    name: 'anthropic_api_key',
    pattern: /sk-ant-[A-Za-z0-9_-]{20,}/g,
    triggers: ['sk-'],
    leftBoundary: true,
  }),
  detector({
    name: 'openai_api_key',
    // sk-…, sk-proj-…, sk-svcacct-…, sk-admin-…; randomness keeps slugs like `sk-learn-…` out.
    pattern: /sk-(?!ant-)(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,}/g,
    triggers: ['sk-'],
    leftBoundary: true,
    accept: looksRandom,
  }),
  detector({
    name: 'aws_access_key_id',
    pattern: /(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])/g,
    triggers: ['akia', 'asia', 'abia', 'acca', 'a3t'],
    leftBoundary: true,
  }),
  detector({
    name: 'aws_secret_access_key',
    // 40 base64 characters look like any hash, so only in an assignment to a secret-key name.
    // `\/` is PHP's escaped slash in JSON.
    pattern: new RegExp(
      String.raw`(?<pre>(?:aws)?[_.-]?secret[_.-]?(?:access)?[_.-]?key${ASSIGN})(?<secret>(?:[A-Za-z0-9+]|\\?/){40})(?![A-Za-z0-9+/=])`,
      'gi',
    ),
    triggers: ['secret'],
  }),
  detector({
    name: 'github_token',
    pattern: /(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})/g,
    triggers: ['gh[pousr]_', 'github_pat_'],
    leftBoundary: true,
  }),
  detector({
    name: 'gitlab_token',
    pattern: /(?:glpat|gldt|glptt|glrt|glcbt|glimt|gloas|glsoat|glft|glagent|glffct)-[A-Za-z0-9_-]{20,}/g,
    triggers: ['gl(?:pat|dt|ptt|rt|cbt|imt|oas|soat|ft|agent|ffct)-'],
    leftBoundary: true,
  }),
  detector({
    name: 'slack_token',
    pattern:
      /(?:xox[abposre]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,}|https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]+)/g,
    triggers: ['xox', 'xapp-', 'slack'],
    leftBoundary: true,
  }),
  detector({
    name: 'stripe_key',
    // Secret and restricted keys and webhook secrets; publishable pk_ keys are public by design.
    pattern: /(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9]{20,})/g,
    triggers: ['_live_', '_test_', 'sec_'],
    leftBoundary: true,
  }),
  detector({
    name: 'google_api_key',
    pattern: /AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
    triggers: ['aiza'],
    leftBoundary: true,
  }),
  detector({
    name: 'url_password',
    // scheme://user:password@host — the password only; user and host stay for the investigator.
    pattern: /(?<pre>[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/[^\s:/@"'\\]{0,128}:)(?<secret>[^\s@/"'\\]{1,256})(?<post>@)/g,
    triggers: ['@'],
  }),
  detector({
    name: 'bearer_token',
    // The token after `Bearer `; a digit or mixed case tells it from prose ("the bearer of this").
    pattern: /(?<pre>bearer[ \t]+)(?<secret>[A-Za-z0-9\-._~+/]{8,}=*)/gi,
    triggers: ['bearer'],
    accept: (t) => hasDigit(t) || (t.length >= 16 && hasUpper(t) && hasLower(t)),
  }),
  detector({
    name: 'basic_auth',
    // `Authorization: Basic base64(user:password)`; decoding to something with a colon tells it from prose.
    pattern: /(?<pre>basic[ \t]+)(?<secret>[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])/gi,
    triggers: [String.raw`basic[ \t]`],
    accept: (t) => /^[\x20-\x7e]+:[\x20-\x7e]*$/.test(Buffer.from(t, 'base64').toString('latin1')),
  }),
  detector({
    name: 'password_assignment',
    // Any key ending in password/passwd/passphrase/pwd (db_password, userPassword, PGPASSWORD).
    pattern: new RegExp(String.raw`(?<pre>(?:passwords?|passwd|passphrase|pwd)${ASSIGN})${ASSIGNED_VALUE}`, 'gi'),
    triggers: ['passw', 'passp', 'pwd'],
    accept: (v) => !isPlaceholder(v),
  }),
  detector({
    name: 'secret_assignment',
    // api_key=…, client_secret: …, "access_token": "…": names that only ever hold credentials.
    pattern: new RegExp(
      String.raw`(?<pre>(?:(?:api|access|private|secret|signing|encryption|master)[_-]?key|apikey|secret|(?:access|auth|refresh|id|session|bot)[_-]?token)${ASSIGN})${ASSIGNED_VALUE}`,
      'gi',
    ),
    triggers: ['secret', 'key', 'token'],
    accept: (v) => v.length >= 8 && !isPlaceholder(v),
  }),
  detector({
    name: 'email',
    // Lengths bounded (RFC 5321: 64-character local part) so a long run before an `@` stays linear.
    pattern: /[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/g,
    triggers: ['@'],
  }),
  detector({
    name: 'card_number',
    // The whole run of digit groups; locateCards picks the Luhn-valid cards out of it.
    pattern: /\d(?:[ -]?\d){12,}/g,
    triggers: ['[0-9](?:[ -]?[0-9]){12}'],
    leftBoundary: true,
    locate: locateCards,
  }),
]);

export const BUILT_IN_DETECTOR_NAMES: readonly string[] = Object.freeze(BUILT_IN_DETECTORS.map((d) => d.name));

