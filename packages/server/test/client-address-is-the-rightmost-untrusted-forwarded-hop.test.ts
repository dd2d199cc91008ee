import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClientAddresses } from "../src/client-address.js";
import { settingsFromEnv } from "../src/config.js";

/** A real HTTP server that answers each request with the client address it sees. */
describe("the client address of a request (TRUST_PROXY)", () => {
  let server: Server;
  let port: number;
  const addresses = new ClientAddresses(settingsFromEnv({ TRUST_PROXY: "127.0.0.1, 10.0.0.0/8, ::1" }).trustProxy);

  beforeAll(async () => {
    server = createServer((req, res) => res.end(addresses.of(req)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const clientSeen = (from: string, forwardedFor?: string) =>
    new Promise<string>((resolve, reject) => {
      const headers = forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor };
      const req = request({ host: "127.0.0.1", port, localAddress: from, headers, agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve(body));
      });
      req.once("error", reject);
      req.end();
    });

  it("is the rightmost hop that is not a trusted proxy when the peer is one", async () => {
    expect(await clientSeen("127.0.0.1", "198.51.100.7")).toBe("198.51.100.7");
    // A client's own (forged) hops stay left of what the proxies saw; trusted hops are skipped.
    expect(await clientSeen("127.0.0.1", "203.0.113.9, 198.51.100.7, 10.1.2.3")).toBe("198.51.100.7");
    expect(await clientSeen("127.0.0.1", "::ffff:198.51.100.8")).toBe("198.51.100.8");
    expect(await clientSeen("127.0.0.1", "2001:db8::5")).toBe("2001:db8::5");
  });

  it("is the peer when the peer is not trusted, whatever X-Forwarded-For says", async () => {
    expect(await clientSeen("127.1.0.9", "198.51.100.7")).toBe("127.1.0.9");
  });

  it("is the proxy when the proxy sent no usable hop", async () => {
    expect(await clientSeen("127.0.0.1")).toBe("127.0.0.1");
    expect(await clientSeen("127.0.0.1", "garbage")).toBe("127.0.0.1");
    // Only proxies: the leftmost is as far as anyone vouches for.
    expect(await clientSeen("127.0.0.1", "10.0.0.4, 10.0.0.5")).toBe("10.0.0.4");
  });
});
