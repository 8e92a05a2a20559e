import { describe, expect, it } from 'vitest';
import { highlightsFor } from '../../model/search-highlights.js';
import { parseSearchQuery } from '../../model/search-query.js';

const entry = (over: Partial<Parameters<typeof highlightsFor>[0]> = {}) => ({ name: 'database_query', status_message: null, inputs: null, outputs: null, ...over });

describe('highlightsFor', () => {
  it('marks every match of every searched term, field by field, in search order', () => {
    const h = highlightsFor(
      entry({
        status_message: 'Connection timeout after 30s',
        inputs: { query: 'SELECT * FROM orders WHERE customer = C-1042', params: [1042] },
        outputs: { error: 'timeout' },
      }),
      parseSearchQuery('timeout C-1042'),
    );
    expect(h).toEqual([
      { field: 'status_message', snippet: 'Connection «timeout» after 30s' },
      { field: 'inputs.query', snippet: 'SELECT * FROM orders WHERE customer = «C-1042»' },
      { field: 'outputs.error', snippet: '«timeout»' },
    ]);
  });

  it('marks phrases and prefixes as the text shows them, diacritics and case included', () => {
    const h = highlightsFor(entry({ inputs: { to: 'Herr MÜLLER', body: 'Grüße aus Köln' } }), parseSearchQuery('muller "grusse aus" kol*'));
    expect(h.map((x) => x.snippet)).toEqual(['Herr «MÜLLER»', '«Grüße aus» «Köln»']);
  });

  it('marks substrings of text without spaces', () => {
    const h = highlightsFor(entry({ inputs: { text: '用户在东京要求退款，订单已取消' } }), parseSearchQuery('东京 退款 消'));
    expect(h).toEqual([{ field: 'inputs.text', snippet: '用户在«东京»要求«退款»，订单已取«消»' }]);
  });

  it('cuts long text around the first match and keeps the marks unambiguous', () => {
    const long = `${'lorem ipsum '.repeat(20)}the «quoted» needle here ${'dolor sit '.repeat(20)}`;
    const [h] = highlightsFor(entry({ outputs: { text: long } }), parseSearchQuery('needle'));
    expect(h.snippet.startsWith('…')).toBe(true);
    expect(h.snippet.endsWith('…')).toBe(true);
    expect(h.snippet).toContain('the ‹quoted› «needle» here');
    expect(h.snippet.length).toBeLessThanOrEqual(125);
  });

  it('names paths into nested payloads and lists at most five fields', () => {
    const messages = Array.from({ length: 8 }, (_, i) => ({ role: 'user', parts: [{ type: 'text', content: `refund ${i}` }] }));
    const h = highlightsFor(entry({ inputs: { messages, 'odd key': 'refund' } }), parseSearchQuery('refund'));
    expect(h).toHaveLength(5);
    expect(h[0]).toEqual({ field: 'inputs.messages[0].parts[0].content', snippet: '«refund» 0' });
  });

  it('highlights nothing for exclusions and nothing that is not there', () => {
    expect(highlightsFor(entry({ inputs: { a: 'refund' } }), parseSearchQuery('invoice -refund'))).toEqual([]);
  });

  it('never splits a surrogate pair at a cut', () => {
    const text = `${'🎉'.repeat(100)} needle ${'🎉'.repeat(100)}`;
    const [h] = highlightsFor(entry({ inputs: { t: text } }), parseSearchQuery('needle'));
    expect(h.snippet).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });
});
