import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { isBlockedError, runAgent } from '@agent-ledger/instrumentation';
import { ANTHROPIC_MODEL, OPENAI_MODEL } from './script.js';
import { SYSTEM_PROMPT, TOOL_DEFINITIONS, tools, type ToolName } from './tools.js';

export interface Ticket {
  id: string;
  customer: string;
  subject: string;
  body: string;
  priority: 'low' | 'normal' | 'high';
  /** The agent the ticket is routed to: support-agent unless said. */
  agent?: 'support-agent' | 'billing-agent';
}

export interface TicketResult {
  ticket: string;
  runId: string;
  reply: string;
  summary: string;
}

const MAX_TURNS = 6;

/**
 * One ticket, one run of the agent it is routed to (both agents share the
 * shop's toolbox): the classic tool-calling loop (ask the model, run
 * the tools it picks, feed the results back, until it answers), then the
 * reply is sent and a streamed summary is written for the CRM. Tool
 * failures and blocks go back to the model as results, as real agents do;
 * an LLM failure ends the run as failed.
 */
export function handleTicket(ticket: Ticket, llm: { openai: OpenAI; anthropic: Anthropic }): Promise<TicketResult> {
  const agent = ticket.agent ?? 'support-agent';
  return runAgent(
    agent,
    async (run) => {
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: `[${ticket.id}] From ${ticket.customer}: ${ticket.subject}\n\n${ticket.body}` },
      ];
      let reply: string | undefined;
      for (let turn = 0; turn < MAX_TURNS && reply === undefined; turn++) {
        const completion = await llm.openai.chat.completions.create({ model: OPENAI_MODEL, messages, tools: TOOL_DEFINITIONS, temperature: 0.2 });
        const message = completion.choices[0].message;
        messages.push(message);
        if (!message.tool_calls?.length) reply = message.content ?? '';
        for (const call of message.tool_calls ?? []) {
          if (call.type !== 'function') continue;
          const output = await callTool(call.function.name, call.function.arguments);
          messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(output) });
        }
      }
      if (reply === undefined) throw new Error(`no answer after ${MAX_TURNS} turns`);
      await tools.send_reply({ ticket_id: ticket.id, to: ticket.customer, body: reply });
      const summary = await llm.anthropic.messages
        .stream({ model: ANTHROPIC_MODEL, max_tokens: 100, messages: [{ role: 'user', content: `[${ticket.id}] Summarise for the CRM in one line:\n${reply}` }] })
        .finalText();
      return { ticket: ticket.id, runId: run.runId, reply, summary };
    },
    { agentId: agent, input: { ticket_id: ticket.id, subject: ticket.subject }, conversationId: ticket.id, tags: ['support', `priority:${ticket.priority}`], captureOutput: false },
  );
}

/** Runs the tool the model asked for; what went wrong becomes the model's next input. */
async function callTool(name: string, argumentsJson: string): Promise<unknown> {
  const fn = tools[name as ToolName] as ((args: unknown) => Promise<unknown>) | undefined;
  if (!fn) return { error: `unknown tool ${name}` };
  try {
    return await fn(JSON.parse(argumentsJson));
  } catch (err) {
    if (isBlockedError(err)) return { blocked: err.message };
    return { error: err instanceof Error ? err.message : String(err) };
  }
}
