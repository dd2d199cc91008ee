/**
 * One Session per socket: reads its frames, makes its agent on the first
 * question, runs its turns through the chat turn order (one at a time per
 * user and chat, across sockets) and cancels them when the socket goes.
 */

import { type Agent, type AgentEvent, StoreUnavailableError, TurnLostError } from "@mcp-pool/agent";
import type { Logger } from "pino";
import type { QuestionRateLimiter } from "./limits.js";
import { ChatBusyError, TurnNotStartedError, type ChatTurnOrder, type OrderedTurn } from "./chat-turn-order.js";
import {
  errorFrame,
  frameOf,
  parseClientFrame,
  type AskFrame,
  type BadFrameError,
  type ClientFrame,
  type ServerFrame,
} from "./ws-protocol.js";

export interface SessionOptions {
  sessionId: string;
  userId: string;
  /** Whose share of the limits this session uses: the user, or an anonymous user's remote address. */
  fairnessKey: string;
  /** Sends a frame; resolves when the socket has room for more (a turn waits for it, so a slow reader pauses the model). */
  send: (frame: ServerFrame) => Promise<void>;
  /** Called once, on the first question. */
  createAgent: () => Agent;
  rateLimiter: QuestionRateLimiter;
  /** The `history` frame of one of this user's chats (read from the conversation store). */
  history: (chatId: string) => Promise<ServerFrame>;
  /** Orders the turns of each (user, chat), this session's and any other socket's of the same user. */
  turnOrder: ChatTurnOrder;
  logger: Logger;
  /** Told when a turn ends: `ok` or the error code, and how long it took. */
  onTurnEnd: (outcome: string, seconds: number) => void;
}

interface Turn {
  chatId: string;
  question: string;
}

export class Session {
  readonly sessionId: string;
  readonly userId: string;
  readonly fairnessKey: string;
  readonly #options: SessionOptions;
  readonly #log: Logger;
  /** This session's turns running or waiting, per chat: what a `cancel` frame aborts. */
  readonly #chats = new Map<string, Set<AbortController>>();
  /** Every turn admitted and not yet ended (running or waiting). */
  readonly #pending = new Set<Promise<void>>();
  #agent: Agent | undefined;
  /** Frames are admitted one after another, so the rate limiter's await cannot reorder turns. */
  #intake: Promise<void> = Promise.resolve();
  #refusing: string | undefined;

  constructor(options: SessionOptions) {
    this.sessionId = options.sessionId;
    this.userId = options.userId;
    this.fairnessKey = options.fairnessKey;
    this.#options = options;
    this.#log = options.logger.child({ session_id: options.sessionId, user_id: options.userId });
  }

  /** True once the agent exists (the session has asked something). */
  get started(): boolean {
    return this.#agent !== undefined;
  }

  /** True while a turn of this session runs or waits. */
  get busy(): boolean {
    return this.#pending.size > 0;
  }

  /** Handles one text frame. Never throws: a bad frame gets an `error` frame. */
  receive(text: string): void {
    let frame: ClientFrame;
    try {
      frame = parseClientFrame(text);
    } catch (error) {
      const bad = error as BadFrameError;
      this.#log.debug({ chat_id: bad.chatId, reason: bad.message }, "bad frame");
      void this.#options.send(errorFrame("bad_request", bad.message, bad.chatId));
      return;
    }
    if (frame.type === "ping") void this.#options.send({ type: "pong" });
    else if (frame.type === "cancel") this.#cancel(frame.chat_id);
    else if (frame.type === "history") this.#intake = this.#intake.then(() => this.#sendHistory(frame.chat_id));
    else this.#intake = this.#intake.then(() => this.#admit(frame));
  }

  /** New questions are answered `busy` with this message from now on (shutdown). */
  refuseNewTurns(message: string): void {
    this.#refusing = message;
  }

  /** Resolves when no turn runs or waits. */
  async whenIdle(): Promise<void> {
    await this.#intake;
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /** Cancels every turn and waits for them to end. */
  async cancelAll(): Promise<void> {
    this.refuseNewTurns("the session is closing");
    for (const chatId of this.#chats.keys()) this.#cancel(chatId);
    await this.whenIdle();
  }

  async #admit(frame: AskFrame): Promise<void> {
    const { chat_id: chatId, question } = frame;
    if (this.#refusing !== undefined) {
      void this.#options.send(errorFrame("busy", this.#refusing, chatId));
      return;
    }
    let waitMs: number;
    try {
      waitMs = await this.#options.rateLimiter.take(this.fairnessKey);
    } catch (error) {
      // The shared count (Redis) cannot be reached: refuse now, clearly, rather than guess.
      this.#log.warn({ chat_id: chatId, err: error }, "question refused: store unavailable");
      void this.#options.send(errorFrame("store_unavailable", "the server's store is unavailable; try again shortly", chatId));
      return;
    }
    if (waitMs > 0) {
      this.#log.info({ chat_id: chatId, wait_ms: waitMs }, "question rate limited");
      void this.#options.send(errorFrame("rate_limited", `too many questions; retry in ${Math.ceil(waitMs / 1000)} s`, chatId));
      return;
    }
    const controller = new AbortController();
    const chat = this.#chats.get(chatId) ?? new Set<AbortController>();
    this.#chats.set(chatId, chat);
    chat.add(controller);
    let queued!: () => void;
    const inLine = new Promise<void>((resolve) => (queued = resolve));
    const ended = this.#options.turnOrder
      .run(this.userId, chatId, (turn) => this.#runTurn({ chatId, question }, turn), {
        signal: controller.signal,
        onQueued: queued,
      })
      .catch((error: unknown) => this.#notRun(chatId, error))
      .finally(() => {
        this.#pending.delete(ended);
        chat.delete(controller);
        // A chat with nothing to run is forgotten (its memory is in the store), so idle sessions stay small.
        if (chat.size === 0 && this.#chats.get(chatId) === chat) this.#chats.delete(chatId);
        queued();
      });
    this.#pending.add(ended);
    // The next frame is admitted once this turn has its place: turns keep their arrival order.
    await inLine;
  }

  /** Answers a `history` frame in its place among the questions, so it shows what was asked before it. */
  async #sendHistory(chatId: string): Promise<void> {
    try {
      void this.#options.send(await this.#options.history(chatId));
    } catch (error) {
      this.#log.warn({ chat_id: chatId, err: error }, "reading a chat's history failed");
      void this.#options.send(errorFrame("store_unavailable", "the chat's history could not be read; try again shortly", chatId));
    }
  }

  /** Aborts this session's running and waiting turns in one chat. */
  #cancel(chatId: string): void {
    for (const controller of this.#chats.get(chatId) ?? []) controller.abort("cancelled");
  }

  /** A turn that never ran says why. */
  #notRun(chatId: string, error: unknown): void {
    if (error instanceof ChatBusyError) {
      void this.#options.send(errorFrame("busy", error.message, chatId));
    } else if (error instanceof TurnNotStartedError) {
      void this.#options.send(errorFrame("cancelled", error.message, chatId));
      this.#options.onTurnEnd("cancelled", 0);
    } else if (error instanceof StoreUnavailableError || error instanceof TurnLostError) {
      // A shared order (Redis) could not be reached, or this turn's place in it expired: the turn never ran.
      this.#log.warn({ chat_id: chatId, err: error }, "turn not run");
      void this.#options.send(errorFrame(error.code, error.message, chatId));
      this.#options.onTurnEnd(error.code, 0);
    } else {
      this.#log.error({ chat_id: chatId, err: error }, "turn order failed");
      void this.#options.send(errorFrame("internal", "the turn failed", chatId));
    }
  }

  async #runTurn(turn: Turn, { signal, fence }: OrderedTurn): Promise<void> {
    const log = this.#log.child({ chat_id: turn.chatId });
    const started = performance.now();
    let outcome = "internal";
    log.debug("turn started");
    try {
      this.#agent ??= this.#options.createAgent();
      // The next event is pulled only once the socket has room: a client that reads slowly
      // pauses the model's stream here instead of having it buffered in this process.
      for await (const event of this.#agent.ask(turn.chatId, turn.question, { signal, ...(fence && { fence }) })) {
        outcome = outcomeOf(event) ?? outcome;
        await untilRoomOrAborted(this.#options.send(frameOf(event)), signal);
      }
    } catch (error) {
      // The agent promises never to throw; if it does, the turn still ends with one frame.
      log.error({ err: error }, "agent threw");
      void this.#options.send(errorFrame("internal", "the turn failed", turn.chatId));
    }
    const seconds = (performance.now() - started) / 1000;
    this.#options.onTurnEnd(outcome, seconds);
    log.info({ outcome, duration_ms: Math.round(seconds * 1000) }, "turn ended");
  }
}

/** A cancelled turn stops waiting for room at once (shutdown must not wait for a client that reads nothing). */
function untilRoomOrAborted(room: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done);
    void room.then(done);
  });
}

function outcomeOf(event: AgentEvent): string | undefined {
  if (event.type === "answer") return "ok";
  if (event.type === "error") return event.code;
  return undefined;
}
