/**
 * The stdio transport: an MCP server as a child process, JSON-RPC messages as
 * lines on its stdin and stdout (the SDK's Transport interface). Ours rather
 * than the SDK's StdioClientTransport because a pool needs what that one does
 * not give:
 * - a result over `maxResultBytes` fails that request only (message-lines.ts);
 *   the SDK's reader closes the transport past 10 MB, failing every call on it;
 * - writes wait for `drain` with one listener, however many calls are in
 *   flight (the SDK adds one per write: MaxListenersExceededWarning past 10);
 * - the messages sent after the first in one turn of the event loop leave in
 *   one write (a system call each cost a few µs under concurrency);
 * - the child is owned from spawn to confirmed exit (child-processes.ts):
 *   close() ends its process group (SIGTERM, then SIGKILL after
 *   `killTimeoutMs`) and resolves only once it is gone; the SDK's close goes
 *   on, on timers of its own, after it has returned;
 * - a spawn failure says what could not be started and why, without the
 *   arguments and environment that Node's spawn error carries (`spawnargs`
 *   holds `${VAR}`-expanded secrets);
 * - stderr is read into a bounded tail (stderr-tail.ts);
 * - a storm of `notifications/tools/list_changed` reaches the client once per
 *   turn of the event loop: the rest of a chunk's copies are dropped unread
 *   (what a catalog refresh needs is that one came; parsing and validating
 *   thousands held the event loop, and every other user's calls, for 100s of ms).
 */

import { spawn, type ChildProcess } from "node:child_process";
import type { Writable } from "node:stream";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { OWN_PROCESS_GROUP, disown, groupGone, own, signalChild } from "./child-processes.js";
import { MessageLines, type LineEvent } from "./message-lines.js";
import { resultTooLargeResponse } from "./result-size.js";
import type { StderrTail } from "./stderr-tail.js";

export interface StdioTransportOptions {
  command: string;
  args: readonly string[];
  /** The child's whole environment. */
  env: Record<string, string>;
  cwd: string | undefined;
  stderr: StderrTail;
  /** A longer message (a line on stdout) is not read; the request it answered fails. */
  maxMessageBytes: number;
  /** After SIGTERM, how long the child has before SIGKILL. */
  killTimeoutMs: number;
  /** Something the server did wrong that no caller sees (garbage on stdout, a message over the limit). */
  onWarning(message: string): void;
}

const LIST_CHANGED = "notifications/tools/list_changed";
/** The notification with no params or id, however spaced: `{"method":"notifications/tools/list_changed","jsonrpc":"2.0"}`. */
const BARE_LIST_CHANGED = /^\s*\{[^{}[\]]*"method"\s*:\s*"notifications\/tools\/list_changed"[^{}[\]]*\}\s*$/;

/** After its stdout ends, how long a child has to exit by itself before it is taken for one that closed it and runs on. */
const EXIT_AFTER_STDOUT_END_MS = 250;

/** After SIGKILL, how long the rest of the group may take to be gone (a zombie nobody reaps never is). */
const GROUP_GONE_AFTER_KILL_MS = 1_000;

export class StdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  #child: ChildProcess | undefined;
  /** Resolves once the child has exited (or never started). */
  #exited: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;
  #closedNotified = false;
  readonly #lines: MessageLines;
  /** Requests sent and not yet answered: a skipped oversized line may answer one of them. */
  readonly #unanswered = new Set<RequestId>();
  #drainWaiters: (() => void)[] = [];
  #garbageLines = 0;
  /** A message was written this turn of the event loop: the next ones are batched (see #batchAfterFirst). */
  #turnStarted = false;
  /** A tools/list_changed was passed on this turn: its copies until the next are dropped. */
  #listChangedThisTurn = false;

  constructor(private readonly options: StdioTransportOptions) {
    this.#lines = new MessageLines(
      options.maxMessageBytes,
      (event) => this.#onLine(event),
      (text) => this.#listChangedThisTurn && BARE_LIST_CHANGED.test(text),
    );
  }

  /** The child's pid once started, until its exit is confirmed. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    if (this.#child) throw new Error("StdioTransport already started");
    const { command, args, env, cwd } = this.options;
    const child = spawn(command, args, {
      env,
      cwd,
      stdio: ["pipe", "pipe", "pipe"],
      detached: OWN_PROCESS_GROUP,
      windowsHide: true,
    });
    this.#child = child;
    if (child.pid !== undefined) own(child.pid);
    this.#exited = new Promise((resolve) => {
      child.once("exit", () => resolve());
      if (child.pid === undefined) child.once("error", () => resolve());
    });
    child.once("exit", () => this.#onExit());
    child.once("close", () => this.#onStreamsClosed());
    child.stdout?.once("end", () => this.#onStdoutEnded());
    // A failed spawn is start()'s to report, a failed kill is harmless, EPIPE and the like
    // once the child is gone too: its exit is what reports the end.
    child.on("error", () => undefined);
    child.stdin?.on("error", () => undefined);
    child.stdout?.on("error", () => undefined);
    child.stderr?.on("error", () => undefined);
    child.stdout?.on("data", (chunk: Buffer) => this.#lines.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => this.options.stderr.write(chunk));
    await new Promise<void>((resolve, reject) => {
      const onSpawn = () => {
        child.off("error", onError);
        resolve();
      };
      const onError = (error: Error) => {
        child.off("spawn", onSpawn);
        reject(spawnFailure(command, error));
      };
      child.once("spawn", onSpawn);
      child.once("error", onError);
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.#child?.stdin;
    if (!stdin?.writable || this.#closing) return Promise.reject(new Error("Not connected"));
    if ("method" in message) {
      if ("id" in message) this.#unanswered.add(message.id);
      else if (message.method === "notifications/cancelled") this.#unanswered.delete(message.params?.["requestId"] as RequestId);
    }
    this.#batchAfterFirst(stdin);
    if (stdin.write(`${JSON.stringify(message)}\n`)) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drainWaiters.push(resolve);
      if (this.#drainWaiters.length === 1) stdin.once("drain", () => this.#drained());
    });
  }

  /**
   * The first message of a turn of the event loop is written at once, so the child starts on it; the
   * ones sent after it in the same turn (answers come in chunks, and each answer's caller sends its next
   * call) are corked and leave together, in one write, at the turn's end. Batching every message, the
   * first too, made the child wait for the batch (docs/benchmarks.md, "Tried and taken back").
   */
  #batchAfterFirst(stdin: Writable): void {
    if (this.#turnStarted) {
      if (stdin.writableCorked === 0) stdin.cork();
      return;
    }
    this.#turnStarted = true;
    setImmediate(() => {
      this.#turnStarted = false;
      if (stdin.writableCorked > 0) stdin.uncork();
    });
  }

  /** Ends the child and its process group; resolves once they are gone. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const child = this.#child;
    const pid = child?.pid;
    if (child && pid !== undefined) {
      child.stdin?.end();
      if (isRunning(child)) signalChild(pid, "SIGTERM");
      const exitedInTime = await Promise.race([this.#exited.then(() => true), delay(this.options.killTimeoutMs).then(() => false)]);
      if (!exitedInTime) signalChild(pid, "SIGKILL");
      await this.#exited;
      // What it started, in its group, had the same SIGTERM and the same time.
      if (!(await groupGone(pid, exitedInTime ? this.options.killTimeoutMs : 0))) {
        signalChild(pid, "SIGKILL");
        await groupGone(pid, GROUP_GONE_AFTER_KILL_MS);
      }
      disown(pid);
      for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
    }
    this.#lines.clear();
    this.#notifyClosed();
  }

  #onExit(): void {
    // The server is gone: whatever it started goes with it, and holds no pipe open.
    const pid = this.#child?.pid;
    if (pid !== undefined && !this.#closing) signalChild(pid, "SIGKILL");
  }

  /**
   * A server that closed its stdout can answer nothing more, but no 'close' comes until it exits: its calls
   * would wait for their timeout. Unless it exits soon (the usual way stdout ends), the end is reported now
   * and the child is ended in the background.
   */
  #onStdoutEnded(): void {
    const child = this.#child;
    if (!child || this.#closing) return;
    setTimeout(() => {
      if (this.#closing || !isRunning(child)) return;
      this.options.onWarning("the server closed its stdout and kept running: it is stopped (its calls in flight fail)");
      void this.close();
      this.#notifyClosed();
    }, EXIT_AFTER_STDOUT_END_MS).unref();
  }

  #onStreamsClosed(): void {
    this.#drained();
    if (this.#closing) return;
    // It ended by itself: confirm the group is gone in the background; the end is reported now.
    const pid = this.#child?.pid;
    this.#closing = pid === undefined ? Promise.resolve() : groupGone(pid, GROUP_GONE_AFTER_KILL_MS).then(() => disown(pid));
    this.#notifyClosed();
  }

  #notifyClosed(): void {
    if (this.#closedNotified) return;
    this.#closedNotified = true;
    this.#drained();
    this.onclose?.();
  }

  #drained(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #onLine(event: LineEvent): void {
    switch (event.kind) {
      case "message": {
        const { message } = event;
        if ("id" in message && !("method" in message) && message.id !== undefined) this.#unanswered.delete(message.id);
        if ("method" in message && message.method === LIST_CHANGED && !("id" in message)) {
          if (this.#listChangedThisTurn) return;
          this.#listChangedThisTurn = true;
          setImmediate(() => {
            this.#listChangedThisTurn = false;
          });
        }
        this.onmessage?.(message);
        return;
      }
      case "garbage":
        this.#garbageLines += 1;
        // The first, then the 10th, 100th...: a chatty server cannot flood the log.
        if (isPowerOfTen(this.#garbageLines)) {
          this.options.onWarning(`stdout line not JSON-RPC, skipped (${this.#garbageLines} so far): ${JSON.stringify(event.head)}`);
        }
        return;
      case "oversized": {
        const { bytes, id } = event;
        const limit = this.options.maxMessageBytes;
        const answered = id !== undefined && this.#unanswered.delete(id) ? id : undefined;
        const which = answered === undefined ? "no request it answers could be found" : `the result of request ${String(id)}, which fails`;
        this.options.onWarning(`a message of ${bytes} bytes, over maxResultBytes (${limit}), was skipped: ${which}`);
        if (answered !== undefined) this.onmessage?.(resultTooLargeResponse(answered, { bytes, limit }));
        return;
      }
    }
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Node's spawn error names the command and the code, and carries every argument (`spawnargs`): keep the first two. */
function spawnFailure(command: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === "ENOENT" ? "ENOENT: no such file or directory" : (code ?? String(error));
  const failure = new Error(`cannot start "${command}" (${reason})`);
  if (typeof code === "string") Object.assign(failure, { code });
  return failure;
}

function isPowerOfTen(n: number): boolean {
  for (let power = 1; power <= n; power *= 10) if (power === n) return true;
  return false;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
