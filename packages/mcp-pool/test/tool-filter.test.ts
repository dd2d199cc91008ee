import { describe, expect, test } from "vitest";
import { compileToolFilter, matchesToolFilter } from "../src/tool-filter.js";

const catalog = ["crm__get_contact", "crm__delete_contact", "crm__list_deals", "email__send", "email__read_inbox"];
const pass = (filter: Parameters<typeof matchesToolFilter>[1]) => catalog.filter((name) => matchesToolFilter(name, filter));

describe("matchesToolFilter", () => {
  test("no filter, or empty lists, lets every tool through", () => {
    expect(pass(undefined)).toEqual(catalog);
    expect(pass({})).toEqual(catalog);
    expect(pass({ allow: [], deny: [] })).toEqual(catalog);
  });

  test("allow keeps only exact names and * patterns", () => {
    expect(pass({ allow: ["email__send"] })).toEqual(["email__send"]);
    expect(pass({ allow: ["crm__*"] })).toEqual(["crm__get_contact", "crm__delete_contact", "crm__list_deals"]);
    expect(pass({ allow: ["*_contact", "email__send"] })).toEqual(["crm__get_contact", "crm__delete_contact", "email__send"]);
  });

  test("deny applies after allow and wins", () => {
    expect(pass({ deny: ["*delete*"] })).toEqual(catalog.filter((n) => !n.includes("delete")));
    expect(pass({ allow: ["crm__*"], deny: ["crm__delete_*"] })).toEqual(["crm__get_contact", "crm__list_deals"]);
    expect(pass({ allow: ["email__send"], deny: ["email__send"] })).toEqual([]);
  });

  test("a pattern matches the whole name, not a part of it", () => {
    expect(matchesToolFilter("email__send", { allow: ["send"] })).toBe(false);
    expect(matchesToolFilter("email__send_later", { allow: ["email__send"] })).toBe(false);
  });

  test("only * is special: dots, brackets and other regex characters match themselves", () => {
    expect(matchesToolFilter("read.file", { allow: ["read.file"] })).toBe(true);
    expect(matchesToolFilter("readXfile", { allow: ["read.file"] })).toBe(false);
    expect(matchesToolFilter("a(b)+[c]", { allow: ["a(b)+[c]"] })).toBe(true);
    expect(matchesToolFilter("get?", { allow: ["get?"] })).toBe(true);
    expect(matchesToolFilter("gets", { allow: ["get?"] })).toBe(false);
  });

  test("* matches the empty string and names with newlines", () => {
    expect(matchesToolFilter("crm__", { allow: ["crm__*"] })).toBe(true);
    expect(matchesToolFilter("odd\nname", { allow: ["odd*"] })).toBe(true);
  });

  test("a compiled filter gives the same answers", () => {
    const filter = { allow: ["crm__*", "email__*"], deny: ["*delete*", "email__read_*"] };
    const predicate = compileToolFilter(filter);
    expect(catalog.filter(predicate)).toEqual(pass(filter));
    expect(catalog.filter(predicate)).toEqual(["crm__get_contact", "crm__list_deals", "email__send"]);
  });
});
