/**
 * The fixture of the model tests: a real pool over server-everything and a
 * fake Chat Completions server, started before the file's tests and ended after.
 */

import { afterAll, beforeAll } from "vitest";
import type { PooledMCPServerManager } from "mcp-pool";
import type { LlmSettings } from "../../src/index.js";
import { startFakeLlm, type FakeLlm } from "@mcp-pool/test-support/fake-llm";
import { everythingManager } from "./everything.js";

export interface ToolsAndFakeLlm {
  manager: PooledMCPServerManager;
  llm: FakeLlm;
  /** Settings for the fake model, with no retries. */
  settings: LlmSettings;
}

export function useToolsAndFakeLlm(): ToolsAndFakeLlm {
  const fixture = {} as ToolsAndFakeLlm;
  beforeAll(async () => {
    fixture.manager = everythingManager();
    fixture.llm = await startFakeLlm();
    fixture.settings = { apiKey: "test", baseURL: fixture.llm.baseURL, model: "fake-model", maxRetries: 0 };
  });
  afterAll(async () => {
    await fixture.manager?.close();
    await fixture.llm?.close();
  });
  return fixture;
}
