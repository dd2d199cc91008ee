/** @mcp-pool/server: the WebSocket chat server, for embedding and tests. */

export { createChatServer } from "./chat-server.js";
export type { ChatServer, ChatServerOptions, ApiStats } from "./chat-server.js";
export type { Readiness } from "./readiness.js";
export { settingsFromEnv, SettingsError, DEFAULT_MCP_CONFIG } from "./config.js";
export type { ServerSettings, LogLevel } from "./config.js";
export { parseClientFrame, BadFrameError, CloseCode, PROTOCOL_VERSION, SUBPROTOCOL } from "./ws-protocol.js";
export type { ClientFrame, ServerFrame } from "./ws-protocol.js";
export { createLogger } from "./logger.js";
