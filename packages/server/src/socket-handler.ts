/**
 * The life of one WebSocket: admit it (connection limit, shutdown), make its
 * Session, feed it text frames, refuse binary ones, bound what it has queued,
 * close it when idle or when it stops reading, and on close cancel its turns
 * and release its MCP session.
 */

import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import type { Agent } from "@mcp-pool/agent";
import type { WSEvents } from "hono/ws";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import type { ChatTurnOrder } from "./chat-turn-order.js";
import { IdleTimer, type QuestionRateLimiter } from "./limits.js";
import type { LimitName, RefusalLog } from "./refusal-log.js";
import { serializeBounded } from "./frame-bound.js";
import { SendBuffer } from "./send-buffer.js";
import { Session } from "./session.js";
import type { SocketHub } from "./socket-hub.js";
import { CloseCode, PROTOCOL_VERSION, type ServerFrame } from "./ws-protocol.js";

export interface SocketDeps {
  hub: SocketHub;
  logger: Logger;
  refusals: RefusalLog;
  rateLimiter: QuestionRateLimiter;
  turnOrder: ChatTurnOrder;
  maxConnections: number;
  maxSocketsPerUser: number;
  idleTimeoutMs: number;
  maxSendBufferBytes: number;
  sendStallMs: number;
  maxServerFrameBytes: number;
  /** "llm" when a model answers, "console" for the offline tool console. */
  mode: "llm" | "console";
  isClosing: () => boolean;
  /** The `history` frame of one of a user's chats. */
  history: (owner: string, chatId: string) => Promise<ServerFrame>;
  /** `fairnessKey`: whose share of the limits (rate, sockets, each MCP server's per-session call cap) the agent uses. */
  createAgent: (sessionId: string, userId: string, fairnessKey: string) => Agent;
  onTurnEnd: (outcome: string, seconds: number) => void;
  /** Runs after the socket closed and its turns ended (releases the MCP session). */
  afterClose: (sessionId: string) => void;
  /** Drops a user's conversations (an anonymous user's, once their socket has closed). */
  forgetOwner: (owner: string) => void;
}

/** Who is at the other end of a socket, from its handshake. */
export interface Peer {
  /** The authenticated user; undefined when auth is off (the socket is then its own anonymous user). */
  userId: string | undefined;
  remoteAddress: string;
  /** The TCP connection under the WebSocket. */
  tcp: Socket;
}

export function socketEvents(peer: Peer, deps: SocketDeps): WSEvents<WebSocket> {
  const sessionId = randomUUID();
  const owner = peer.userId ?? `anon-${sessionId}`;
  // Limits are shared per user across their sockets; anonymous users (each socket its own) per remote address.
  const fairnessKey = peer.userId ?? `anon@${peer.remoteAddress}`;
  const log = deps.logger.child({ session_id: sessionId, user_id: owner });
  let open: { session: Session; idle: IdleTimer; buffer: SendBuffer } | undefined;

  return {
    onOpen(_event, ws) {
      /** Sends the close frame and lets the connection go at once, whether or not the client answers it. */
      const closeNow = (code: number, reason: string) => {
        ws.close(code, reason);
        peer.tcp.end(() => peer.tcp.destroy());
      };
      const refuse = (code: number, reason: string, limit: LimitName, details: Record<string, unknown>) => {
        deps.refusals.refused(limit, peer.remoteAddress, "connection refused", { session_id: sessionId, user_id: owner, ...details });
        closeNow(code, reason);
      };
      if (deps.isClosing()) return ws.close(CloseCode.serviceRestart, "service restart");
      if (deps.hub.size >= deps.maxConnections) {
        return refuse(CloseCode.tryAgainLater, "too many connections", "MAX_CONNECTIONS", { max_connections: deps.maxConnections });
      }
      if (deps.hub.socketsOf(fairnessKey) >= deps.maxSocketsPerUser) {
        return refuse(CloseCode.tryAgainLater, "too many sockets for this user", "MAX_SOCKETS_PER_USER", {
          max_sockets_per_user: deps.maxSocketsPerUser,
        });
      }
      const raw = ws.raw!;
      const buffer = new SendBuffer({
        ws: raw,
        tcp: peer.tcp,
        maxBytes: deps.maxSendBufferBytes,
        stallMs: deps.sendStallMs,
        onStall: (bufferedBytes) => {
          deps.refusals.closed("SEND_STALL_MS", peer.remoteAddress, "closing a socket that does not read", {
            session_id: sessionId,
            user_id: owner,
            buffered_bytes: bufferedBytes,
            max_send_buffer_bytes: deps.maxSendBufferBytes,
            send_stall_ms: deps.sendStallMs,
          });
          // The close frame would wait behind what the client is not reading: drop the connection.
          ws.close(CloseCode.policyViolation, "not reading");
          raw.terminate();
        },
      });
      // One part at a time: a huge delta split into many waits for room between its parts.
      const send = async (frame: ServerFrame) => {
        for (const part of serializeBounded(frame, deps.maxServerFrameBytes)) await buffer.send(part);
      };
      const session = new Session({
        sessionId,
        userId: owner,
        fairnessKey,
        send,
        createAgent: () => deps.createAgent(sessionId, owner, fairnessKey),
        rateLimiter: deps.rateLimiter,
        turnOrder: deps.turnOrder,
        history: (chatId) => deps.history(owner, chatId),
        logger: deps.logger,
        onTurnEnd: deps.onTurnEnd,
      });
      const idle = new IdleTimer(
        deps.idleTimeoutMs,
        () => session.busy,
        () => {
          log.info("closing idle socket");
          closeNow(CloseCode.normal, "idle timeout");
        },
      );
      open = { session, idle, buffer };
      // ws closes the socket itself on a protocol error (1009 for an oversized frame); note why.
      ws.raw?.on("error", (error) => log.info({ err: error }, "socket error"));
      deps.hub.add({ session, close: (code, reason) => ws.close(code, reason) });
      log.info({ remote_address: peer.remoteAddress }, "socket opened");
      void send({ type: "ready", session_id: sessionId, user_id: owner, mode: deps.mode, protocol: PROTOCOL_VERSION });
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
      const { session, idle, buffer } = open;
      open = undefined;
      idle.stop();
      buffer.close();
      log.info({ code: event.code }, "socket closed");
      // Not in the hub any more: shutdown closed it and releases it itself.
      if (!deps.hub.remove(sessionId)) return;
      void session.cancelAll().finally(() => {
        deps.afterClose(sessionId);
        // An anonymous user is this socket: nobody can come back for their chats.
        if (peer.userId === undefined) deps.forgetOwner(owner);
      });
    },
  };
}
