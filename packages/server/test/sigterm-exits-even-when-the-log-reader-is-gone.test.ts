import { isAlive } from "@mcp-pool/test-support/processes";
import { afterEach, describe, expect, it } from "vitest";
import { startServerProcess, type ServerProcess } from "./helpers/server-process.js";

describe("a server whose stdout reader has gone (a log pipe that closed)", () => {
  let server: ServerProcess | undefined;
  afterEach(async () => {
    await server?.stop();
  });

  it("still shuts down and exits 0 on SIGTERM", async () => {
    server = await startServerProcess({ PORT: "0" });
    const exited = new Promise<number | null>((resolve) => server!.child.once("exit", (code) => resolve(code)));
    server.child.stdout!.destroy();

    server.child.kill("SIGTERM");

    const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve("still running"), 15_000))]);
    expect(code).toBe(0);
    expect(isAlive(server.pid)).toBe(false);
  });
});
