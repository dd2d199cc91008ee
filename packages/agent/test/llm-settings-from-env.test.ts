import { describe, expect, it } from "vitest";
import { DEFAULT_MODEL, llmSettingsFromEnv } from "../src/index.js";

describe("llmSettingsFromEnv", () => {
  it("is null without OPENAI_API_KEY and OPENAI_BASE_URL: the agent is a tool console", () => {
    expect(llmSettingsFromEnv({})).toBeNull();
    expect(llmSettingsFromEnv({ OPENAI_API_KEY: "  ", OPENAI_MODEL: "gpt-4o" })).toBeNull();
  });

  it("uses the key and the default model", () => {
    expect(llmSettingsFromEnv({ OPENAI_API_KEY: "sk-test" })).toEqual({ apiKey: "sk-test", model: DEFAULT_MODEL });
    expect(DEFAULT_MODEL).toBe("gpt-4o-mini");
  });

  it("accepts a base URL alone (local servers need no key) and the model", () => {
    expect(llmSettingsFromEnv({ OPENAI_BASE_URL: "http://127.0.0.1:11434/v1", OPENAI_MODEL: "llama3.1" })).toEqual({
      apiKey: "not-needed",
      baseURL: "http://127.0.0.1:11434/v1",
      model: "llama3.1",
    });
  });

  it("reads the tool limits of another endpoint, and names a limit that is not a positive integer", () => {
    expect(llmSettingsFromEnv({ OPENAI_BASE_URL: "http://127.0.0.1:8000/v1", OPENAI_MAX_TOOLS: "64" })).toMatchObject({
      toolLimits: { maxTools: 64 },
    });
    expect(llmSettingsFromEnv({ OPENAI_API_KEY: "sk", OPENAI_MAX_TOOL_DESCRIPTION_CHARS: "4096" })).toMatchObject({
      toolLimits: { maxDescriptionChars: 4096 },
    });
    expect(llmSettingsFromEnv({ OPENAI_API_KEY: "sk" })).not.toHaveProperty("toolLimits");
    expect(() => llmSettingsFromEnv({ OPENAI_API_KEY: "sk", OPENAI_MAX_TOOLS: "many" })).toThrow(
      'OPENAI_MAX_TOOLS must be a positive integer, got "many"',
    );
  });
});
