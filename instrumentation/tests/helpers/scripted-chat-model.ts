import { BaseChatModel, type BaseChatModelParams } from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';

/** One scripted answer: text or tool calls, with the usage a provider would report. */
export interface ScriptedTurn {
  text?: string;
  toolCalls?: Array<{ id: string; name: string; args: Record<string, unknown> }>;
  usage: [input: number, output: number];
  error?: string;
}

/**
 * A real LangChain chat model (BaseChatModel: callbacks, tool binding,
 * usage metadata) that answers from a script instead of a provider.
 */
export class ScriptedChatModel extends BaseChatModel {
  readonly requests: BaseMessage[][] = [];
  private readonly turns: ScriptedTurn[];

  constructor(turns: ScriptedTurn[], private readonly modelName = 'gpt-4o-mini', params: BaseChatModelParams = {}) {
    super(params);
    this.turns = [...turns];
  }

  _llmType(): string {
    return 'scripted';
  }

  override getLsParams(options: this['ParsedCallOptions']) {
    return { ...super.getLsParams(options), ls_provider: 'openai', ls_model_name: this.modelName };
  }

  override bindTools(_tools?: unknown): this {
    return this;
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.requests.push(messages);
    const turn = this.turns.shift();
    if (!turn) throw new Error('scripted chat model: no turn left');
    if (turn.error) throw new Error(turn.error);
    const [input, output] = turn.usage;
    const message = new AIMessage({
      content: turn.text ?? '',
      tool_calls: turn.toolCalls?.map((c) => ({ ...c, type: 'tool_call' as const })) ?? [],
      usage_metadata: { input_tokens: input, output_tokens: output, total_tokens: input + output },
      response_metadata: { model_name: `${this.modelName}-2024-07-18`, finish_reason: turn.toolCalls ? 'tool_calls' : 'stop' },
    });
    return { generations: [{ text: turn.text ?? '', message }] };
  }
}
