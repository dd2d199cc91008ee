import { describe, expect, it } from "vitest";
import { CallCancelledError } from "../src/index.js";
import { labStdioEntry } from "@mcp-pool/test-support/fixture-servers";
import { useManagers } from "./helpers/manager.js";

const resources = useManagers();

describe("one AbortSignal shared by many calls (an agent's turn)", () => {
  it("cancels them all, without a MaxListenersExceededWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const manager = resources.manager({ lab: labStdioEntry({ maxCallsPerSession: 64, pool: { maxConnections: 2 } }) });
      await manager.listTools();
      const turn = new AbortController();
      const calls = Array.from({ length: 40 }, (_, i) =>
        manager.callTool("lab__slow_read", { ms: 5_000, text: `${i}` }, { sessionId: "s", signal: turn.signal }),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      turn.abort();
      const outcomes = await Promise.allSettled(calls);
      for (const outcome of outcomes) {
        expect(outcome.status).toBe("rejected");
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(CallCancelledError);
      }
      expect(manager.stats().servers[0]).toMatchObject({ callsInFlight: 0, waiting: 0 });
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });
});
