/**
 * The life of one WebSocket: admit it (connection limit, shutdown), make its
 * Session, feed it text frames, refuse binary ones, close it when idle, and on
 * close cancel its turns and release its MCP session.
 */

import { randomUUID } from "node:crypto";
import type { Agent } from "@mcp-pool/agent";
import type { WSEvents } from "hono/ws";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import { IdleTimer, type QuestionRateLimiter } from "./limits.js";
import { Session } from "./session.js";
import type { SocketHub } from "./socket-hub.js";
import { CloseCode, PROTOCOL_VERSION, type ServerFrame } from "./ws-protocol.js";

export interface SocketDeps {
  hub: SocketHub;
  logger: Logger;
  rateLimiter: QuestionRateLimiter;
  maxConnections: number;
  maxQueuedTurns: number;
  idleTimeoutMs: number;
  /** "llm" when a model answers, "console" for the offline tool console. */
  mode: "llm" | "console";
  isClosing: () => boolean;
  createAgent: (sessionId: string, userId: string) => Agent;
  onTurnEnd: (outcome: string, seconds: number) => void;
  /** Runs after the socket closed and its turns ended (releases the MCP session). */
  afterClose: (sessionId: string) => void;
}

const OPEN = 1;

/** `userId` is undefined when auth is off: the socket is then its own anonymous user. */
export function socketEvents(userId: string | undefined, deps: SocketDeps): WSEvents<WebSocket> {
  const sessionId = randomUUID();
  const owner = userId ?? `anon-${sessionId}`;
  const log = deps.logger.child({ session_id: sessionId, user_id: owner });
  let open: { session: Session; idle: IdleTimer } | undefined;

  return {
    onOpen(_event, ws) {
      if (deps.isClosing()) return ws.close(CloseCode.goingAway, "server shutting down");
      if (deps.hub.size >= deps.maxConnections) {
        log.warn({ max_connections: deps.maxConnections }, "connection refused: limit reached");
        return ws.close(CloseCode.tryAgainLater, "too many connections");
      }
      const send = (frame: ServerFrame) => {
        if (ws.readyState === OPEN) ws.send(JSON.stringify(frame));
      };
      const session = new Session({
        sessionId,
        userId: owner,
        send,
        createAgent: () => deps.createAgent(sessionId, owner),
        rateLimiter: deps.rateLimiter,
        maxQueuedTurns: deps.maxQueuedTurns,
        logger: deps.logger,
        onTurnEnd: deps.onTurnEnd,
      });
      const idle = new IdleTimer(deps.idleTimeoutMs, () => session.busy, () => {
        log.info("closing idle socket");
        ws.close(CloseCode.normal, "idle timeout");
      });
      open = { session, idle };
      // ws closes the socket itself on a protocol error (1009 for an oversized frame); note why.
      ws.raw?.on("error", (error) => log.info({ err: error }, "socket error"));
      deps.hub.add({ session, close: (code, reason) => ws.close(code, reason) });
      log.info("socket opened");
      send({ type: "ready", session_id: sessionId, user_id: owner, mode: deps.mode, protocol: PROTOCOL_VERSION });
    },

    onMessage(event, ws) {
      if (!open) return;
      open.idle.touch();
      if (typeof event.data !== "string") {
        log.info("binary frame refused");
        return ws.close(CloseCode.unsupportedData, "binary frames are not accepted");
      }
      open.session.receive(event.data);
    },

    onClose(event) {
      if (!open) return;
      const { session, idle } = open;
      open = undefined;
      idle.stop();
      log.info({ code: event.code }, "socket closed");
      // Not in the hub any more: shutdown closed it and releases it itself.
      if (!deps.hub.remove(sessionId)) return;
      void session.cancelAll().finally(() => deps.afterClose(sessionId));
    },
  };
}

