/**
 * A TCP relay to a local port, standing for a proxy or balancer between the pool and an HTTP MCP server,
 * that can reset connections the way one that fails does (RST on both sides).
 *   startRelay(port)          listening on a free port of 127.0.0.1; close() it after the test
 *   relay.resetNextRequest()  the next bytes a client sends are not relayed: that connection is reset
 *   relay.resetAll()          every open connection is reset now (answers being streamed are cut)
 *   relay.refuseNew = true    new connections are reset as they come (the server unreachable); false again to relay
 *   relay.resets              connections reset so far (refused ones included)
 */
import { connect, createServer, type Socket } from "node:net";

export interface Relay {
  readonly port: number;
  readonly resets: number;
  refuseNew: boolean;
  resetNextRequest(): void;
  resetAll(): void;
  close(): Promise<void>;
}

export async function startRelay(port: number): Promise<Relay> {
  const pairs = new Set<[Socket, Socket]>();
  let armed = false;
  let resets = 0;
  const reset = (pair: [Socket, Socket]) => {
    resets += 1;
    for (const socket of pair) socket.resetAndDestroy();
  };
  const server = createServer((client) => {
    if (relay.refuseNew) {
      resets += 1;
      client.on("error", () => {});
      return void client.resetAndDestroy();
    }
    const upstream = connect(port, "127.0.0.1");
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    for (const socket of pair) {
      socket.on("error", () => {}); // the other end of a reset
      socket.on("close", () => {
        pairs.delete(pair);
        for (const other of pair) other.destroy();
      });
    }
    client.on("data", (chunk) => {
      if (!armed) return void upstream.write(chunk);
      armed = false;
      reset(pair);
    });
    upstream.on("data", (chunk) => client.write(chunk));
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the relay has no port");
  const relay: Relay = {
    port: address.port,
    refuseNew: false,
    get resets() {
      return resets;
    },
    resetNextRequest: () => {
      armed = true;
    },
    resetAll: () => {
      for (const pair of pairs) reset(pair);
    },
    close: () => {
      for (const pair of pairs) for (const socket of pair) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return relay;
}
