/**
 * Raw TCP clients (node:net), for attacks a well-behaved WebSocket client cannot make:
 *   connectRaw(serverUrl, opts)          a bare TCP connection that never closes its side by itself:
 *                                        {socket, received(), closed}; `closed` resolves with the ms from
 *                                        connect to the server ending the connection (FIN or reset)
 *   openRawWebSocket(serverUrl, opts)    sends a WebSocket upgrade by hand and waits for the response head:
 *                                        {status, head, socket, sendText(text), closed}
 *   textFrame(text)                      one masked client text frame (RFC 6455 §5.2)
 * `localAddress` (e.g. "127.0.0.2") makes the connection come from another loopback address.
 */
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

export interface RawOptions {
  localAddress?: string;
}

export interface RawConnection {
  socket: Socket;
  /** Everything the server has sent so far. */
  received(): Buffer;
  /** Ms from connect until the server closed the connection (FIN or reset). */
  closed: Promise<number>;
}

export async function connectRaw(serverUrl: string, options: RawOptions = {}): Promise<RawConnection> {
  const { hostname, port } = new URL(serverUrl);
  // allowHalfOpen: like a hostile client, it never closes its side by itself when the server ends its own.
  const socket = connect({
    host: hostname,
    port: Number(port),
    allowHalfOpen: true,
    ...(options.localAddress && { localAddress: options.localAddress }),
  });
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  socket.on("error", () => {
    /* a reset is one way of being closed; `closed` reports it */
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const connectedAt = Date.now();
  const closed = new Promise<number>((resolve) => {
    const done = () => resolve(Date.now() - connectedAt);
    socket.once("end", done);
    socket.once("close", done);
  });
  return { socket, received: () => Buffer.concat(chunks), closed };
}

export interface RawWebSocket extends RawConnection {
  /** The HTTP status of the handshake's answer (101 when upgraded). */
  status: number;
  /** The response head, status line and headers. */
  head: string;
  sendText(text: string): boolean;
}

export async function openRawWebSocket(
  serverUrl: string,
  options: RawOptions & { path?: string; headers?: Record<string, string> } = {},
): Promise<RawWebSocket> {
  const raw = await connectRaw(serverUrl, options);
  const { host } = new URL(serverUrl);
  const headers = {
    host,
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-key": randomBytes(16).toString("base64"),
    "sec-websocket-version": "13",
    ...options.headers,
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  raw.socket.write(`GET ${options.path ?? "/ws"} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`);
  const head = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const text = raw.received().toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        raw.socket.off("data", check);
        resolve(text.slice(0, end));
      }
    };
    raw.socket.on("data", check);
    void raw.closed.then(() => reject(new Error(`closed during the handshake: ${raw.received().toString("latin1").slice(0, 200)}`)));
  });
  const status = Number(head.split(" ", 2)[1]);
  return { ...raw, status, head, sendText: (text) => raw.socket.write(textFrame(text)) };
}

export function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x81, 0x80 | length])
      : length <= 0xffff
        ? Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x81, 0x80 | 127]), bigEndian64(length)]);
  const mask = randomBytes(4);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i++) masked[i] = payload[i]! ^ mask[i & 3]!;
  return Buffer.concat([header, mask, masked]);
}

function bigEndian64(value: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(value));
  return buffer;
}
