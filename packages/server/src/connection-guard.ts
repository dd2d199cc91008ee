/**
 * TCP connections before they are requests or sockets: at most `maxPerAddress`
 * from one remote address, a first request's headers within `headersTimeoutMs`
 * of connecting (a connection that sends nothing is closed too; Node's own
 * headersTimeout only starts once a request has begun), and a connection the
 * server has answered and ended is let go at once, even when the client never
 * closes its side (HTTP connections are half-open by default in Node).
 */

import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { RefusalLog } from "./refusal-log.js";
import { remoteAddressOf } from "./remote-address.js";

export interface ConnectionGuardOptions {
  maxPerAddress: number;
  /** Peers not counted here (trusted proxies: their connections carry many clients, counted per client by PerAddressCount at the handshake). */
  uncounted?: (address: string) => boolean;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  refusals: RefusalLog;
}

/** Node's http server options that go with the guard. */
export function httpTimeouts(headersTimeoutMs: number, requestTimeoutMs: number) {
  return {
    headersTimeout: headersTimeoutMs,
    requestTimeout: requestTimeoutMs,
    // How often Node looks for expired requests (default 30 s, which would stretch every timeout).
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeoutMs / 4))),
  };
}

export function guardConnections(server: Server, options: ConnectionGuardOptions): void {
  const { maxPerAddress, headersTimeoutMs, refusals, uncounted = () => false } = options;
  const perAddress = new PerAddressCount(maxPerAddress);
  const firstRequestTimers = new WeakMap<Socket, NodeJS.Timeout>();
  /** Sockets whose current request's headers have arrived: a timeout there is the request's. */
  const inRequest = new WeakSet<Socket>();

  server.on("connection", (socket: Socket) => {
    const address = remoteAddressOf(socket);
    if (!uncounted(address) && !perAddress.tryOpen(address, socket)) {
      refusals.refused("MAX_CONNECTIONS_PER_IP", address, "connection refused", { max_connections_per_ip: maxPerAddress });
      socket.destroy();
      return;
    }
    const timer = setTimeout(() => {
      refusals.closed("HEADERS_TIMEOUT_MS", address, "connection closed: no request", { headers_timeout_ms: headersTimeoutMs });
      socket.destroy();
    }, headersTimeoutMs);
    timer.unref();
    firstRequestTimers.set(socket, timer);
    socket.once("close", () => clearTimeout(timer));
  });

  const requestStarted = (socket: Socket) => {
    clearTimeout(firstRequestTimers.get(socket));
    inRequest.add(socket);
  };
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    requestStarted(request.socket);
    response.once("close", () => inRequest.delete(request.socket));
  });
  server.on("upgrade", (request: IncomingMessage) => {
    const socket = request.socket;
    requestStarted(socket);
    // A refused upgrade is answered with `socket.end(response)`: let it go once that is written.
    socket.once("finish", () => socket.destroy());
  });

  // Registering this replaces Node's default answer, so it answers as Node would, then logs.
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    const address = remoteAddressOf(socket);
    if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
      const limit = inRequest.has(socket) ? "REQUEST_TIMEOUT_MS" : "HEADERS_TIMEOUT_MS";
      refusals.closed(limit, address, "connection closed: request too slow", {
        headers_timeout_ms: headersTimeoutMs,
        request_timeout_ms: options.requestTimeoutMs,
      });
      answerAndDestroy(socket, "408 Request Timeout");
    } else if (error.code === "HPE_HEADER_OVERFLOW") {
      answerAndDestroy(socket, "431 Request Header Fields Too Large");
    } else if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
    } else {
      answerAndDestroy(socket, "400 Bad Request");
    }
  });
}

/** Open sockets per client address, at most `max` each. */
export class PerAddressCount {
  readonly #open = new Map<string, number>();
  readonly #counted = new WeakSet<Socket>();
  constructor(readonly max: number) {}

  /** Counts `socket` for `address` until it closes; false (and not counted) when `address` has `max` open. */
  tryOpen(address: string, socket: Socket): boolean {
    if (this.#counted.has(socket)) return true;
    const open = this.#open.get(address) ?? 0;
    if (open >= this.max) return false;
    this.#open.set(address, open + 1);
    this.#counted.add(socket);
    socket.once("close", () => {
      const left = (this.#open.get(address) ?? 1) - 1;
      if (left > 0) this.#open.set(address, left);
      else this.#open.delete(address);
    });
    return true;
  }
}

function answerAndDestroy(socket: Socket, status: string): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
  else socket.destroy();
  // A client that does not read its answer does not keep the socket either.
  setTimeout(() => socket.destroy(), 1000).unref();
}
