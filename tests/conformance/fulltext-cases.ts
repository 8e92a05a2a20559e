/**
 * Full-text `q` conformance: documents and the exact answers every store must
 * give (SQLite now, Elasticsearch later). Data only, no store or transport:
 * each suite turns the documents into entries its own way (OTLP spans end to
 * end, EntryRecords for a store) and checks every case.
 *
 * A document's `key` travels in its tags (never searched), so answers are
 * compared by key.
 */

export interface FullTextDocument {
  key: string;
  name: string;
  agent: string;
  /** Minutes after the suite's base time. */
  minute: number;
  /** Set: the action failed with this status message. */
  error?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

export interface FullTextCase {
  q: string;
  /** Other ledger filters, as query parameters. */
  filters?: Record<string, string>;
  /** Keys of the matching documents (any order), or a 400 naming `q`. */
  expect: string[] | 'bad-request';
  /** A highlight the first listed document must carry. */
  highlight?: { key: string; field: string; snippet: string };
}

export const FULLTEXT_DOCUMENTS: FullTextDocument[] = [
  {
    key: 'en-refund',
    name: 'issue_refund',
    agent: 'support-bot',
    minute: 1,
    inputs: { customer: 'C-1042', order: 'O-88231', reason: 'Customer reports the parcel arrived damaged' },
    outputs: { status: 'refund issued', amount: 42.5 },
  },
  { key: 'en-refund-test', name: 'issue_refund', agent: 'qa-bot', minute: 2, inputs: { reason: 'refund test for staging', customer: 'C-9' } },
  {
    key: 'en-timeout',
    name: 'database_query',
    agent: 'support-bot',
    minute: 3,
    error: 'Connection timeout after 30s',
    inputs: { query: 'SELECT * FROM orders WHERE customer_id = ?', params: [1042] },
  },
  {
    key: 'de-mueller',
    name: 'send_email',
    agent: 'support-bot',
    minute: 4,
    inputs: { to: 'Herr Müller', body: 'Ihre Bestellung wurde storniert. Grüße aus Köln' },
    outputs: { status: 'gesendet' },
  },
  { key: 'de-upper', name: 'crm_update', agent: 'crm-bot', minute: 5, inputs: { note: 'MÜLLER GMBH, Hauptstraße 5' } },
  { key: 'fr', name: 'reply', agent: 'support-bot', minute: 6, inputs: { message: "Le café était délicieux, à bientôt à l'hôtel !" } },
  { key: 'zh', name: 'translate', agent: 'intl-bot', minute: 7, inputs: { text: '用户在东京要求退款，订单已取消' } },
  { key: 'ja', name: 'translate', agent: 'intl-bot', minute: 8, outputs: { text: '東京タワーに行きました。ありがとうございます' } },
  { key: 'ar', name: 'translate', agent: 'intl-bot', minute: 9, outputs: { text: 'مرحبا بالعالم، تم إلغاء الطلب يا مُحَمَّد' } },
  { key: 'he', name: 'translate', agent: 'intl-bot', minute: 10, outputs: { text: 'שָׁלוֹם עולם' } },
  { key: 'ru', name: 'translate', agent: 'intl-bot', minute: 11, outputs: { text: 'Привет, мир! Заказ отменён' } },
  { key: 'ko', name: 'translate', agent: 'intl-bot', minute: 12, outputs: { text: '서울에서 만나요' } },
  { key: 'th', name: 'translate', agent: 'intl-bot', minute: 13, outputs: { text: 'สวัสดีครับ ยินดีต้อนรับ' } },
  { key: 'el', name: 'translate', agent: 'intl-bot', minute: 14, outputs: { text: 'ΟΔΟΣ Ελλάδα' } },
  { key: 'emoji', name: 'react', agent: 'chat-bot', minute: 15, outputs: { reaction: 'Great job 🎉🚀 👍🏽' } },
  {
    key: 'hosts',
    name: 'http_get',
    agent: 'ops-bot',
    minute: 16,
    inputs: { url: 'https://api.example.com/v1/orders?id=7', contact: 'ops@example.com' },
  },
  {
    key: 'injection',
    name: 'note',
    agent: 'chat-bot',
    minute: 17,
    inputs: { text: `He said "hello" (twice): it's 100% done; NEAR OR AND NOT ^ {} * '; DROP TABLE entries; --` },
  },
];

/** Every matching document; the first with a highlight to check. */
export const FULLTEXT_CASES: FullTextCase[] = [
  // English: words, case, phrases, prefixes, exclusions
  { q: 'refund', expect: ['en-refund', 'en-refund-test'], highlight: { key: 'en-refund', field: 'name', snippet: 'issue_«refund»' } },
  { q: 'REFUND Issued', expect: ['en-refund'] },
  { q: 'refund -test', expect: ['en-refund'] },
  { q: 'refund -"test for"', expect: ['en-refund'] },
  { q: 'refund -"for test"', expect: ['en-refund', 'en-refund-test'] },
  { q: '"parcel arrived damaged"', expect: ['en-refund'], highlight: { key: 'en-refund', field: 'inputs.reason', snippet: 'Customer reports the «parcel arrived damaged»' } },
  { q: '"damaged arrived"', expect: [] },
  { q: 'connection timeout', expect: ['en-timeout'], highlight: { key: 'en-timeout', field: 'status_message', snippet: '«Connection» «timeout» after 30s' } },
  { q: '"connection timeout"', expect: ['en-timeout'] },
  { q: 'timeo*', expect: ['en-timeout'] },
  { q: '"connection tim"*', expect: ['en-timeout'] },
  { q: 'staging*', expect: ['en-refund-test'] },
  { q: 'databa* -timeout', expect: [] },
  // a phrase never spans two values
  { q: '"damaged refund"', expect: [] },
  // ids and numbers
  { q: 'C-1042', expect: ['en-refund'], highlight: { key: 'en-refund', field: 'inputs.customer', snippet: '«C-1042»' } },
  { q: 'c-1042', expect: ['en-refund'] },
  { q: '1042', expect: ['en-refund', 'en-timeout'] },
  { q: 'C-104', expect: [] },
  { q: 'C-104*', expect: ['en-refund'] },
  { q: 'O-88231', expect: ['en-refund'] },
  { q: '42.5', expect: ['en-refund'] },
  // German
  { q: 'Müller', expect: ['de-mueller', 'de-upper'], highlight: { key: 'de-mueller', field: 'inputs.to', snippet: 'Herr «Müller»' } },
  { q: 'muller', expect: ['de-mueller', 'de-upper'] },
  { q: 'MÜLLER', expect: ['de-mueller', 'de-upper'] },
  { q: 'Mueller', expect: [] },
  { q: 'hauptstrasse', expect: ['de-upper'] },
  { q: 'Hauptstraße', expect: ['de-upper'] },
  { q: 'koln grusse', expect: ['de-mueller'], highlight: { key: 'de-mueller', field: 'inputs.body', snippet: 'Ihre Bestellung wurde storniert. «Grüße» aus «Köln»' } },
  // French
  { q: 'cafe', expect: ['fr'] },
  { q: 'CAFÉ hôtel', expect: ['fr'] },
  { q: '"a bientot"', expect: ['fr'], highlight: { key: 'fr', field: 'inputs.message', snippet: "Le café était délicieux, «à bientôt» à l'hôtel !" } },
  // Chinese and Japanese: any two or more characters, or one alone
  { q: '退款', expect: ['zh'], highlight: { key: 'zh', field: 'inputs.text', snippet: '用户在东京要求«退款»，订单已取消' } },
  { q: '订单已取消', expect: ['zh'] },
  { q: '取消订单', expect: [] },
  { q: '款', expect: ['zh'] },
  { q: '东京', expect: ['zh'] },
  { q: '東京', expect: ['ja'] },
  { q: 'タワー', expect: ['ja'] },
  { q: 'ありがとう', expect: ['ja'] },
  // 京 is one character in both; 东 and 東 are not
  { q: '京', expect: ['zh', 'ja'] },
  { q: '"東京タワー"', expect: ['ja'] },
  // right to left, Cyrillic, Greek, Korean, Thai
  { q: 'مرحبا', expect: ['ar'] },
  { q: 'محمد', expect: ['ar'], highlight: { key: 'ar', field: 'outputs.text', snippet: 'مرحبا بالعالم، تم إلغاء الطلب يا «مُحَمَّد»' } },
  { q: 'الطلب', expect: ['ar'] },
  { q: 'שלום', expect: ['he'] },
  { q: 'привет', expect: ['ru'] },
  { q: 'отменен', expect: ['ru'] },
  { q: 'οδος', expect: ['el'] },
  { q: 'ελλαδα', expect: ['el'] },
  { q: '서울', expect: ['ko'] },
  { q: '만나요', expect: ['ko'] },
  { q: 'ยินดี', expect: ['th'] },
  // emoji
  { q: '🎉', expect: ['emoji'], highlight: { key: 'emoji', field: 'outputs.reaction', snippet: 'Great job «🎉»🚀 👍🏽' } },
  { q: '👍', expect: ['emoji'] },
  { q: 'job 🚀', expect: ['emoji'] },
  // hosts and email addresses
  { q: 'api.example.com', expect: ['hosts'], highlight: { key: 'hosts', field: 'inputs.url', snippet: 'https://«api.example.com»/v1/orders?id=7' } },
  { q: 'example.com', expect: ['hosts'] },
  { q: 'ops@example.com', expect: ['hosts'] },
  { q: 'https://api.example.com/v1/orders', expect: ['hosts'] },
  // special characters and injection attempts are text
  { q: '"hello"', expect: ['injection'] },
  { q: '(twice):', expect: ['injection'] },
  { q: "it's 100%", expect: ['injection'] },
  { q: 'NEAR', expect: ['injection'] },
  { q: 'OR', expect: ['injection'] },
  { q: 'AND NOT', expect: ['injection'] },
  { q: '^', expect: ['injection'] },
  { q: "'; DROP TABLE entries; --", expect: ['injection'] },
  { q: 'hello"', expect: ['injection'] },
  { q: 'text:hello', expect: [] },
  // were NEAR an operator, this would match
  { q: 'NEAR(hello twice)', expect: [] },
  { q: '{}', expect: 'bad-request' },
  { q: '*', expect: 'bad-request' },
  { q: ':', expect: 'bad-request' },
  { q: '"', expect: 'bad-request' },
  { q: '-refund', expect: 'bad-request' },
  { q: 'a*', expect: 'bad-request' },
  // with other filters
  { q: 'refund', filters: { agent_id: 'support-bot' }, expect: ['en-refund'] },
  { q: '1042', filters: { outcome: 'error' }, expect: ['en-timeout'] },
  { q: 'translate', filters: { action_name: 'translate', search: 'intl' }, expect: ['zh', 'ja', 'ar', 'he', 'ru', 'ko', 'th', 'el'] },
];
