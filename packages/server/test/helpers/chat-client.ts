/**
 * A protocol v1 client over a real socket (the `ws` package), for tests:
 *   ChatClient.open(serverUrl, opts)   connects and waits for `ready`
 *   client.ask(chatId, question)       sends a question, resolves with that turn's frames (ending in answer/error)
 *   client.until(predicate)            the first frame (from `from`) that matches, waiting for it
 *   client.closed                      resolves with the close code and reason
 *   handshakeStatus(serverUrl, opts)   the HTTP status of a refused handshake (or 101)
 *   loopbackAddress(n)                 a distinct local address for the n-th simulated user
 */
import type { ServerFrame } from "../../src/index.js";
import WebSocket from "ws";

export interface ConnectOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  protocols?: string[];
  headers?: Record<string, string>;
  /** Appended to the URL, e.g. `?token=...`. */
  query?: string;
  /** Connect from this local address (see loopbackAddress): another anonymous user to the server. */
  localAddress?: string;
}

export type Frame = ServerFrame & { chat_id?: string };

const WAIT_MS = 20_000;

export function wsUrl(serverUrl: string, query = ""): string {
  return `${serverUrl.replace(/^http/, "ws")}/ws${query}`;
}

function socketFor(serverUrl: string, options: ConnectOptions): WebSocket {
  const headers = { ...options.headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
  return new WebSocket(wsUrl(serverUrl, options.query), options.protocols ?? [], {
    headers,
    ...(options.localAddress && { localAddress: options.localAddress }),
  });
}

/**
 * The n-th (from 0) of many loopback addresses, 127.1.x.y: clients that connect from different ones
 * are different remote addresses to the server, as users on other machines are (anonymous users'
 * limits are per remote address).
 */
export function loopbackAddress(n: number): string {
  return `127.1.${Math.floor(n / 250)}.${(n % 250) + 1}`;
}

export class ChatClient {
  readonly socket: WebSocket;
  readonly frames: Frame[] = [];
  /** When each frame arrived (Date.now()), by index. */
  readonly arrivals: number[] = [];
  /** Each frame's size on the wire (its UTF-8 bytes), by index. */
  readonly frameBytes: number[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: (() => void)[] = [];

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on("message", (data: Buffer) => {
      this.frameBytes.push(data.length);
      this.frames.push(JSON.parse(String(data)) as Frame);
      this.arrivals.push(Date.now());
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on("close", (code, reason) => {
        resolve({ code, reason: String(reason) });
        for (const wake of this.#waiters.splice(0)) wake();
      });
    });
    socket.on("error", () => {
      /* the close event reports the outcome */
    });
  }

  static async open(serverUrl: string, options: ConnectOptions = {}): Promise<ChatClient> {
    const socket = socketFor(serverUrl, options);
    const client = new ChatClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("unexpected-response", (_req, res) => reject(new Error(`handshake refused: ${res.statusCode}`)));
      socket.once("error", reject);
    });
    return client;
  }

  get ready(): { session_id: string; user_id: string; mode: string } {
    const frame = this.frames.find((f) => f.type === "ready");
    if (frame?.type !== "ready") throw new Error("no ready frame yet");
    return frame;
  }

  send(frame: object | string): void {
    this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  async until(predicate: (frame: Frame) => boolean, from = 0, timeoutMs = WAIT_MS): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(predicate);
      if (found) return found;
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error("socket closed while waiting for a frame");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(from)).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a question and resolves with the frames of its chat up to the turn's end. */
  async ask(chatId: string, question: string): Promise<Frame[]> {
    const from = this.frames.length;
    this.send({ chat_id: chatId, question });
    const end = await this.until((f) => isTurnEnd(f, chatId), from);
    return this.frames.slice(from, this.frames.indexOf(end) + 1).filter((f) => f.chat_id === chatId);
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close();
    return this.closed;
  }
}

export function isTurnEnd(frame: Frame, chatId: string): boolean {
  return (frame.type === "answer" || frame.type === "error") && frame.chat_id === chatId;
}

/** The status of the handshake: 101 when it upgraded, else the HTTP status the server refused with. */
export function handshakeStatus(serverUrl: string, options: ConnectOptions = {}): Promise<{ status: number; protocol: string }> {
  const socket = socketFor(serverUrl, options);
  return new Promise((resolve, reject) => {
    socket.once("open", () => {
      resolve({ status: 101, protocol: socket.protocol });
      socket.close();
    });
    socket.once("unexpected-response", (_req, res) => {
      resolve({ status: res.statusCode ?? 0, protocol: "" });
      socket.terminate();
    });
    socket.once("error", reject);
  });
}
