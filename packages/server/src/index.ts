/** @mcp-pool/server: the WebSocket chat server, for embedding and tests. */

export { createChatServer } from "./chat-server.js";
export type { ChatServer, ChatServerOptions, ApiStats } from "./chat-server.js";
export type { Readiness } from "./readiness.js";
export { settingsFromEnv, SettingsError, DEFAULT_MCP_CONFIG } from "./config.js";
export type { ServerSettings, LogLevel } from "./config.js";
export { parseClientFrame, BadFrameError, CloseCode, PROTOCOL_VERSION, SUBPROTOCOL } from "./ws-protocol.js";
export type { ClientFrame, ServerFrame, ErrorCode, HistoryFrame, HistoryMessage } from "./ws-protocol.js";
export { InMemoryChatTurnOrder, ChatBusyError, TurnNotStartedError } from "./chat-turn-order.js";
export type { ChatTurnOrder, ChatTurnOrderRunOptions, OrderedTurn } from "./chat-turn-order.js";
export { createLogger } from "./logger.js";
