import { describe, expect, it } from 'vitest';
import { toWriteRow } from '../../exporters/sqlite/write-row.js';
import { payloadMessages } from '../../model/payload-messages.js';
import { normalizeOne } from '../helpers/normalize-spans.js';

/** The `details` column is the INSERT parameter before `entities` (entry-writer.ts column order). */
const storedDetails = (row: ReturnType<typeof toWriteRow>) => JSON.parse(row.params.at(-2) as string);

const chat = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"where is my parcel?"}]}]',
  'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"shipped"}]}]',
};

describe('the details column keeps what inputs and outputs cannot give back', () => {
  it('leaves out messages the traces API reads back from inputs / outputs alike', () => {
    const entry = normalizeOne(chat);
    expect(entry.details?.input_messages).toEqual(payloadMessages(entry.inputs, 'user'));
    const stored = storedDetails(toWriteRow(entry, true));
    expect(stored).not.toHaveProperty('input_messages');
    expect(stored).not.toHaveProperty('output_messages');
  });

  it('keeps messages that inputs do not give back (a convention whose inputs are something else)', () => {
    const entry = { ...normalizeOne(chat), inputs: { value: 'the raw request text' } };
    const stored = storedDetails(toWriteRow(entry, true));
    expect(stored.input_messages).toEqual(entry.details?.input_messages);
    expect(stored.input_messages[0]).toMatchObject({ role: 'user', content: 'where is my parcel?' });
    expect(stored).not.toHaveProperty('output_messages');
  });

  it('stores an empty object, never NULL (NULL means a row from before details, read through the mappers)', () => {
    const entry = normalizeOne({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' });
    expect(toWriteRow(entry, true).params.at(-2)).not.toBeNull();
  });
});
