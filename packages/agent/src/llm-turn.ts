/**
 * One turn with a model: stream a completion, run the tool calls it asks for,
 * feed the results back, and repeat until it answers or `maxSteps` is reached.
 */

import type OpenAI from "openai";
import type { OpenAIToolLimits, ToolFilter } from "mcp-pool";
import type { AgentEvent } from "./events.js";
import { forModel, type AssistantMessage, type ChatMessage, type PromptMessage, type StoredToolCall } from "./messages.js";
import type { LlmSettings } from "./llm-settings.js";
import type { ToolProvider } from "./tools.js";
import type { AgentLogger } from "./logger.js";
import { fitHistory } from "./history-budget.js";
import { modelTools, type ModelTools } from "./model-tools.js";
import { streamCompletion } from "./completion-request.js";
import { ToolCallAssembler } from "./tool-call-assembler.js";
import { runToolCalls } from "./tool-calls.js";
import { LlmFailedError, MaxStepsExceededError, TurnCancelledError, describeWithCauses } from "./turn-errors.js";

export interface LlmTurnContext {
  client: OpenAI;
  settings: LlmSettings;
  tools: ToolProvider;
  toolFilter: ToolFilter | undefined;
  sessionId: string;
  chatId: string;
  systemPrompt: string;
  maxSteps: number;
  toolResultMaxChars: number;
  historyMaxChars: number;
  toolLimits: OpenAIToolLimits;
  signal: AbortSignal;
  /** The stored conversation, ending with this turn's question. */
  history: ChatMessage[];
  /** Stores this turn's messages; called exactly once, as the turn ends (before its answer, or after a failure), so a turn is never half stored. */
  record(messages: ChatMessage[]): Promise<void>;
  logger: AgentLogger | undefined;
}

interface ModelReply {
  text: string;
  toolCalls: StoredToolCall[];
}

export async function* runLlmTurn(context: LlmTurnContext): AsyncGenerator<AgentEvent, void> {
  /** This turn's messages so far, stored together as the turn ends. */
  const produced: ChatMessage[] = [];
  let recorded = false;
  const record = () => {
    recorded = true;
    return context.record(produced);
  };
  try {
    yield* steps(context, produced, record);
  } finally {
    // Stored even when the turn failed or was cancelled: tool calls may have had effects, and the
    // results say which finished, so the next turn's model knows. A failed write cannot hide the turn's own error.
    if (!recorded)
      await record().catch((error: unknown) =>
        context.logger?.warn({ chat_id: context.chatId, err: error }, "storing an unfinished turn failed"),
      );
  }
}

async function* steps(context: LlmTurnContext, produced: ChatMessage[], record: () => Promise<void>): AsyncGenerator<AgentEvent, void> {
  const listing = await context.tools.listTools({ filter: context.toolFilter, sessionId: context.sessionId });
  const tools = modelTools(listing, context.toolFilter, context.toolLimits, context.logger);
  const { allowed } = tools;
  if (listing.unavailable.length > 0) {
    // The model is simply not offered their tools; say why somewhere.
    const servers = listing.unavailable.map(({ server, error }) => `${server}: ${error.message}`);
    context.logger?.debug({ chat_id: context.chatId, servers }, "MCP servers unavailable for this turn");
  }
  const conversation = [...context.history];
  for (let step = 1; step <= context.maxSteps; step++) {
    const prompt: PromptMessage[] = [
      { role: "system", content: context.systemPrompt },
      ...fitHistory(conversation, context.historyMaxChars).map(forModel),
    ];
    const reply = yield* streamReply(context, prompt, tools);

    if (reply.toolCalls.length === 0) {
      produced.push({ role: "assistant", content: reply.text });
      await record();
      yield { type: "answer", chatId: context.chatId, text: reply.text };
      return;
    }

    const assistant: AssistantMessage = { role: "assistant", content: reply.text || null, tool_calls: reply.toolCalls };
    const results = yield* runToolCalls(reply.toolCalls, {
      tools: context.tools,
      allowed,
      sessionId: context.sessionId,
      chatId: context.chatId,
      signal: context.signal,
      maxResultChars: context.toolResultMaxChars,
    });
    conversation.push(assistant, ...results);
    produced.push(assistant, ...results);
    if (context.signal.aborted) throw new TurnCancelledError();
  }
  throw new MaxStepsExceededError(context.maxSteps);
}

async function* streamReply(context: LlmTurnContext, messages: PromptMessage[], tools: ModelTools): AsyncGenerator<AgentEvent, ModelReply> {
  const assembler = new ToolCallAssembler();
  let text = "";
  try {
    const stream = await streamCompletion(context.client, context.settings, messages, tools, context.signal);
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta;
      if (delta?.content) {
        text += delta.content;
        yield { type: "delta", chatId: context.chatId, text: delta.content };
      }
      if (delta?.tool_calls) assembler.add(delta.tool_calls);
    }
    // The openai stream ends quietly, without an error, when its signal aborts.
    if (context.signal.aborted) throw new TurnCancelledError();
  } catch (error) {
    if (context.signal.aborted) throw new TurnCancelledError();
    throw new LlmFailedError(describeWithCauses(error) || "The model endpoint failed", { cause: error });
  }
  return { text, toolCalls: assembler.finish() };
}
