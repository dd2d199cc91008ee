import { describe, expect, test } from "vitest";
import { hashedToolName, qualifyToolName } from "../src/tool-names.js";

const VALID = /^[a-zA-Z0-9_-]{1,64}$/;

describe("qualifyToolName gives valid LLM function names", () => {
  test("a name that fits is <server>__<tool>", () => {
    expect(qualifyToolName("crm", "get_contact")).toBe("crm__get_contact");
    expect(qualifyToolName("my-server", "Tool-2")).toBe("my-server__Tool-2");
  });

  test("exactly 64 characters still fits; 65 is shortened to 64 with a hash", () => {
    const server = "s".repeat(10);
    expect(qualifyToolName(server, "t".repeat(52))).toBe(`${server}__${"t".repeat(52)}`);
    const long = qualifyToolName(server, "t".repeat(53));
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^s{10}__t{43}_[0-9a-f]{8}$/);
  });

  test("a long tool name keeps its server readable and as much of the tool as fits", () => {
    const name = qualifyToolName("github", "search_repositories_by_language_and_number_of_stars_descending");
    expect(name).toMatch(/^github__search_repositories_by_language_and_number_of_s_[0-9a-f]{8}$/);
    expect(name).toHaveLength(64);
  });

  test("a long server name is cut so that a short tool name stays whole", () => {
    const name = qualifyToolName("a_very_long_server_name_from_some_vendor_configuration", "list_issues");
    expect(name).toMatch(/^a_very_long_server_name_from_some_vendor_c__list_issues_[0-9a-f]{8}$/);
  });

  test("both long: the result is 64 characters and valid", () => {
    const name = qualifyToolName("x".repeat(100), "y".repeat(100));
    expect(name).toMatch(VALID);
    expect(name).toMatch(/^x{16}__y{37}_[0-9a-f]{8}$/);
  });

  test.each([
    ["files", "read.file"],
    ["my server", "list"],
    ["météo", "prévision"],
    ["emoji", "🚀launch"],
    ["ns/team", "tool:run"],
  ])("invalid characters in %j / %j become _ and a hash is added", (server, tool) => {
    const name = qualifyToolName(server, tool);
    expect(name).toMatch(VALID);
    expect(name).toMatch(/_[0-9a-f]{8}$/);
  });

  test("names differing only in characters that map to _ still get different names", () => {
    expect(qualifyToolName("files", "read.file")).not.toBe(qualifyToolName("files", "read_file"));
    expect(qualifyToolName("files", "read.file")).not.toBe(qualifyToolName("files", "read file"));
  });

  test("the hashed form is stable across runs and processes (sha256 of server, NUL, tool)", () => {
    // Fixed values (`printf 'files\0read.file' | sha256sum`): a change here renames tools in every deployment.
    expect(qualifyToolName("files", "read.file")).toBe("files__read_file_97875296");
    expect(qualifyToolName("my server", "list")).toBe("my_server__list_539c5f16");
  });

  test("a salt gives a different valid name for the same tool", () => {
    const names = new Set([0, 1, 2, 3].map((salt) => hashedToolName("crm", "get", salt)));
    expect(names.size).toBe(4);
    for (const name of names) expect(name).toMatch(VALID);
  });
});
