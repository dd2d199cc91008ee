/**
 * @mcp-pool/agent: one isolated agent per user session, with its own
 * conversation memory, borrowing tools from a shared PooledMCPServerManager.
 */

export { createAgent, DEFAULT_MAX_STEPS, DEFAULT_SYSTEM_PROMPT } from "./agent.js";
export type { Agent, AgentOptions, AskOptions } from "./agent.js";
export type { AgentLogger } from "./logger.js";

export { llmSettingsFromEnv, DEFAULT_MODEL } from "./llm-settings.js";
export type { LlmSettings } from "./llm-settings.js";

export { InMemoryConversationStore } from "./conversation-store.js";
export type { AppendOptions, ConversationStore, InMemoryConversationStoreOptions, TurnFence } from "./conversation-store.js";
export { StoreUnavailableError, TurnLostError } from "./turn-errors.js";
export type { ChatMessage, UserMessage, AssistantMessage, ToolMessage, StoredToolCall } from "./messages.js";
export { toolOutcomeOf } from "./messages.js";

export { fitHistory, DEFAULT_HISTORY_MAX_CHARS } from "./history-budget.js";
export { DEFAULT_TOOL_RESULT_MAX_CHARS } from "./tool-output.js";
export { MAX_PROGRESS_MESSAGE_CHARS, PROGRESS_INTERVAL_MS } from "./tool-progress.js";

export type {
  AgentEvent,
  AgentErrorCode,
  DeltaEvent,
  ToolCallEvent,
  ToolProgressEvent,
  ToolResultEvent,
  AnswerEvent,
  ErrorEvent,
} from "./events.js";
export type { ToolProvider } from "./tools.js";
