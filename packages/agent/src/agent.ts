/**
 * One agent per user session: its own conversations (by chat id, in the
 * store under its owner) and a view on the shared tools. It holds no
 * connection and no catalog copy; an idle agent is a few small fields.
 */

import type { ToolFilter } from "mcp-pool";
import type { AgentEvent } from "./events.js";
import type { ToolProvider } from "./tools.js";
import type { AppendOptions, ConversationStore, TurnFence } from "./conversation-store.js";
import { toolLimitsOf, type LlmSettings } from "./llm-settings.js";
import type { AgentLogger } from "./logger.js";
import { InMemoryConversationStore } from "./conversation-store.js";
import { DEFAULT_HISTORY_MAX_CHARS } from "./history-budget.js";
import { DEFAULT_TOOL_RESULT_MAX_CHARS } from "./tool-output.js";
import { TurnAbort } from "./abort.js";
import { openAIClientFor } from "./llm-client.js";
import { runLlmTurn } from "./llm-turn.js";
import { checkOpenAIToolLimits } from "mcp-pool";
import { runToolConsole } from "./tool-console.js";
import { BadRequestError, errorEventFor } from "./turn-errors.js";

export const DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant. Use the tools when they help answer the question. Answer concisely.";
export const DEFAULT_MAX_STEPS = 8;

export interface AgentOptions {
  sessionId: string;
  /** The user; conversations are stored under (owner, chatId). */
  owner: string;
  tools: ToolProvider;
  /** null or absent: no model, the agent is the offline tool console. */
  llm?: LlmSettings | null;
  /** Default: a new InMemoryConversationStore (a server passes one store shared by all agents). */
  memory?: ConversationStore;
  systemPrompt?: string;
  /** Model calls per turn, tool rounds included (default 8). */
  maxSteps?: number;
  /** This agent's view of the shared catalog. */
  toolFilter?: ToolFilter;
  /** A tool result longer than this is cut for the model (default 16000 chars). */
  toolResultMaxChars?: number;
  /** History sent to the model, system prompt excluded (default 60000 chars, about 15k tokens). */
  historyMaxChars?: number;
  logger?: AgentLogger;
  /** What the tool console says about configuring a model (the deployment knows how: which variables, which flags). */
  consoleHint?: string;
}

export interface AskOptions {
  /** Cancels the turn: stops the model stream and the tool calls in flight. */
  signal?: AbortSignal;
  /** The turn's hold on its chat's lock (several instances): every write of the turn carries it. */
  fence?: TurnFence;
}

export interface Agent {
  readonly sessionId: string;
  readonly owner: string;
  /**
   * Answers a question in one chat. Never throws: yields delta, toolCall and
   * toolResult events, and ends with exactly one `answer` or `error` event.
   * The caller runs one turn of a chat at a time (the server orders them per
   * owner and chat, across instances): two at once would interleave the memory.
   */
  ask(chatId: string, question: string, options?: AskOptions): AsyncIterable<AgentEvent>;
}

export function createAgent(options: AgentOptions): Agent {
  return new SessionAgent(options);
}

class SessionAgent implements Agent {
  readonly sessionId: string;
  readonly owner: string;
  readonly #options: AgentOptions;
  readonly #memory: ConversationStore;

  constructor(options: AgentOptions) {
    requireText(options.sessionId, "sessionId");
    requireText(options.owner, "owner");
    for (const key of ["maxSteps", "toolResultMaxChars", "historyMaxChars"] as const) {
      const value = options[key];
      if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
        throw new RangeError(`createAgent: ${key} must be a positive integer, got ${value}`);
      }
    }
    if (options.llm) checkOpenAIToolLimits(toolLimitsOf(options.llm));
    this.sessionId = options.sessionId;
    this.owner = options.owner;
    this.#options = options;
    this.#memory = options.memory ?? new InMemoryConversationStore();
  }

  async *ask(chatId: string, question: string, options: AskOptions = {}): AsyncGenerator<AgentEvent, void> {
    const turn = new TurnAbort(options.signal);
    try {
      if (typeof chatId !== "string" || chatId === "") throw new BadRequestError("chatId must be a non-empty string");
      if (typeof question !== "string" || question.trim() === "") throw new BadRequestError("The question is empty");
      yield* this.#turn(chatId, question, turn, options.fence);
      turn.ranToEnd();
    } catch (error) {
      const event = errorEventFor(typeof chatId === "string" && chatId !== "" ? chatId : undefined, error, turn.signal);
      if (event.code === "internal") this.#options.logger?.warn({ chat_id: chatId, err: error }, "agent turn failed");
      // An operator must see the model endpoint failing (down, refusing, rate limited), not only its users.
      else if (event.code === "llm_failed") this.#options.logger?.warn({ chat_id: chatId, reason: event.message }, "model request failed");
      yield event;
    } finally {
      turn.dispose();
    }
  }

  async *#turn(chatId: string, question: string, turn: TurnAbort, fence: TurnFence | undefined): AsyncGenerator<AgentEvent, void> {
    const o = this.#options;
    const common = {
      tools: o.tools,
      toolFilter: o.toolFilter,
      sessionId: this.sessionId,
      chatId,
      signal: turn.signal,
    };
    const toolResultMaxChars = o.toolResultMaxChars ?? DEFAULT_TOOL_RESULT_MAX_CHARS;
    if (!o.llm) {
      yield* runToolConsole(question, { ...common, maxResultChars: toolResultMaxChars, hint: o.consoleHint });
      return;
    }
    const history = await this.#memory.load(this.owner, chatId);
    const asked = { role: "user" as const, content: question };
    const write = (part: AppendOptions["part"]) => ({ part, ...(fence && { fence }) });
    // Stored first: a failed or cancelled turn (or one whose instance died) still shows what was asked.
    await this.#memory.append(this.owner, chatId, [asked], write("question"));
    turn.throwIfAborted();
    yield* runLlmTurn({
      ...common,
      client: openAIClientFor(o.llm),
      settings: o.llm,
      systemPrompt: o.systemPrompt ?? DEFAULT_SYSTEM_PROMPT,
      maxSteps: o.maxSteps ?? DEFAULT_MAX_STEPS,
      toolResultMaxChars,
      historyMaxChars: o.historyMaxChars ?? DEFAULT_HISTORY_MAX_CHARS,
      toolLimits: toolLimitsOf(o.llm),
      history: [...history, asked],
      record: (messages) => this.#memory.append(this.owner, chatId, messages, write("answer")),
      logger: o.logger,
    });
  }
}

function requireText(value: unknown, name: string): void {
  if (typeof value !== "string" || value === "") throw new TypeError(`createAgent: ${name} must be a non-empty string`);
}
