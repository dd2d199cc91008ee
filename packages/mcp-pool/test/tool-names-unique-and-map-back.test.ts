import { describe, expect, test } from "vitest";
import { ToolNameIndex, qualifyToolName } from "../src/tool-names.js";

const VALID = /^[a-zA-Z0-9_-]{1,64}$/;

describe("ToolNameIndex: unique names that map back exactly", () => {
  test("plain names are <server>__<tool> and resolve to their pair", () => {
    const index = new ToolNameIndex([
      { server: "crm", tool: "get_contact" },
      { server: "email", tool: "send" },
    ]);
    expect(index.nameOf("crm", "get_contact")).toBe("crm__get_contact");
    expect(index.resolve("email__send")).toEqual({ server: "email", tool: "send" });
    expect(index.resolve("email__nothing")).toBeUndefined();
    expect(index.nameOf("email", "nothing")).toBeUndefined();
    expect(index.size).toBe(2);
  });

  test("hundreds of near-identical long names get valid, distinct names that map back", () => {
    const prefix = "get_customer_relationship_management_record_by_identifier_variant_";
    const refs = Array.from({ length: 500 }, (_, i) => ({ server: "enterprise-crm-production", tool: `${prefix}${i}` }));
    const index = new ToolNameIndex(refs);
    const names = refs.map((ref) => index.nameOf(ref.server, ref.tool) ?? "");
    expect(new Set(names).size).toBe(500);
    for (const [i, name] of names.entries()) {
      expect(name).toMatch(VALID);
      expect(index.resolve(name)).toEqual(refs[i]);
    }
  });

  test("names with unicode, spaces and dots map back to the exact original", () => {
    const refs = [
      { server: "météo", tool: "prévision du jour" },
      { server: "météo", tool: "prevision_du_jour" },
      { server: "files", tool: "read.file" },
      { server: "files", tool: "read_file" },
      { server: "files", tool: "read file" },
    ];
    const index = new ToolNameIndex(refs);
    const names = refs.map((ref) => index.nameOf(ref.server, ref.tool) ?? "");
    expect(new Set(names).size).toBe(refs.length);
    for (const [i, name] of names.entries()) expect(index.resolve(name)).toEqual(refs[i]);
  });

  test("a plain-name collision: the first pair in sorted order keeps the plain name, the later gets the hashed one", () => {
    // "a__b" + "c" and "a" + "b__c" both read "a__b__c".
    const index = new ToolNameIndex([
      { server: "a__b", tool: "c" },
      { server: "a", tool: "b__c" },
    ]);
    expect(index.nameOf("a", "b__c")).toBe("a__b__c");
    const other = index.nameOf("a__b", "c");
    expect(other).toMatch(/^a__b__c_[0-9a-f]{8}$/);
    expect(index.resolve("a__b__c")).toEqual({ server: "a", tool: "b__c" });
    expect(index.resolve(other ?? "")).toEqual({ server: "a__b", tool: "c" });
  });

  test("a tool literally named like another's hashed form cannot steal or share it", () => {
    const hashed = qualifyToolName("files", "read.file"); // files__read_file_97875296
    const index = new ToolNameIndex([
      { server: "files", tool: "read.file" },
      { server: "files", tool: hashed.slice("files__".length) },
    ]);
    const names = [index.nameOf("files", "read.file"), index.nameOf("files", hashed.slice("files__".length))];
    expect(new Set(names).size).toBe(2);
    for (const name of names) expect(name).toMatch(VALID);
  });

  test("names do not depend on the order the pairs are given in", () => {
    const refs = [
      { server: "a__b", tool: "c" },
      { server: "a", tool: "b__c" },
      { server: "x".repeat(40), tool: "y".repeat(40) },
      { server: "files", tool: "read.file" },
    ];
    const forward = [...new ToolNameIndex(refs).entries()];
    const backward = [...new ToolNameIndex([...refs].reverse()).entries()];
    expect(backward).toEqual(forward);
  });

  test("a pair given twice is named once", () => {
    const index = new ToolNameIndex([
      { server: "crm", tool: "get" },
      { server: "crm", tool: "get" },
    ]);
    expect(index.size).toBe(1);
    expect([...index.entries()]).toEqual([["crm__get", { server: "crm", tool: "get" }]]);
  });
});
