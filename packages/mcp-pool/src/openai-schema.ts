/**
 * A tool's input schema in the shape Chat Completions accepts as function
 * `parameters`. MCP allows any JSON Schema; the API refuses (error
 * `invalid_function_parameters`):
 * - a top level that is not `type: "object"` with `properties`
 *   ("object schema missing properties"), e.g. `{}` from a tool without
 *   arguments;
 * - `oneOf`/`anyOf`/`allOf`/`enum`/`not` at the top level (what zod unions
 *   and intersections produce), or a top-level `$ref`;
 * - an array schema without `items`, at any depth ("array schema missing items").
 * Everything else is passed as it is: nested compositions, `$defs` and the
 * `$ref`s into them are accepted. The input is never modified.
 */

type Schema = Record<string, unknown>;

const TOP_LEVEL_REFUSED = ["oneOf", "anyOf", "allOf", "enum", "not"] as const;

export function toParametersSchema(input: Schema | undefined): { schema: Schema; reshaped: boolean } {
  const { $schema: _dialect, ...source } = input ?? {};
  let reshaped = false;
  let top: Schema = source;
  if (typeof top["$ref"] === "string") {
    const target = resolveLocalRef(source, top["$ref"]);
    const { $ref: _ref, ...siblings } = top;
    top = { ...(target ?? {}), ...siblings };
    reshaped = true;
  }
  if (!typeAllowsObject(top["type"])) {
    // Not an object at all (e.g. a bare string): nothing a function call can pass.
    return { schema: { type: "object", properties: {} }, reshaped: true };
  }
  if (TOP_LEVEL_REFUSED.some((key) => key in top)) {
    top = flattenTopLevel(source, top);
    reshaped = true;
  }
  if (top["type"] !== "object" || !isSchema(top["properties"])) reshaped = true;
  const withItems = addMissingItems(top);
  if (withItems !== top) reshaped = true;
  const schema = { ...withItems, type: "object", properties: isSchema(withItems["properties"]) ? withItems["properties"] : {} };
  // `$schema` alone is not worth reporting: many servers send it, and nothing is lost.
  return { schema, reshaped };
}

/**
 * One object schema from a top-level composition: the properties of every
 * object branch; required are what allOf branches all add, and what every
 * anyOf/oneOf branch requires. `enum` and `not` are dropped: the server still
 * validates the call, and its error goes back to the model.
 */
function flattenTopLevel(root: Schema, top: Schema): Schema {
  const { oneOf, anyOf, allOf, enum: _enum, not: _not, ...rest } = top;
  const properties: Schema = { ...(isSchema(rest["properties"]) ? rest["properties"] : {}) };
  const required = new Set(stringArray(rest["required"]));
  const branchesOf = (value: unknown) => (Array.isArray(value) ? value : []).map((branch) => deref(root, branch)).filter(isSchema);

  for (const branch of branchesOf(allOf)) {
    Object.assign(properties, { ...(isSchema(branch["properties"]) ? branch["properties"] : {}), ...properties });
    for (const name of stringArray(branch["required"])) required.add(name);
  }
  for (const alternatives of [anyOf, oneOf]) {
    const branches = branchesOf(alternatives);
    if (branches.length === 0) continue;
    for (const branch of branches) {
      if (isSchema(branch["properties"])) Object.assign(properties, { ...branch["properties"], ...properties });
    }
    const inEvery = stringArray(branches[0]!["required"]).filter((name) =>
      branches.every((b) => stringArray(b["required"]).includes(name)),
    );
    for (const name of inEvery) required.add(name);
  }
  const flat: Schema = { ...rest, type: "object", properties };
  if (required.size > 0) flat["required"] = [...required];
  else delete flat["required"];
  return flat;
}

/** A copy with `items: {}` (any item) on every array schema that lacks it; the same object when none does. */
function addMissingItems(schema: Schema): Schema {
  let copy: Schema | undefined;
  const set = (key: string, value: unknown) => {
    copy ??= { ...schema };
    copy[key] = value;
  };
  if (typeIncludes(schema["type"], "array") && schema["items"] === undefined && schema["prefixItems"] === undefined) set("items", {});
  for (const key of ["items", "additionalProperties", "not", "if", "then", "else", "contains"]) {
    const child = schema[key];
    if (isSchema(child)) {
      const fixed = addMissingItems(child);
      if (fixed !== child) set(key, fixed);
    }
  }
  for (const key of ["anyOf", "oneOf", "allOf", "prefixItems", "items"]) {
    const list = schema[key];
    if (!Array.isArray(list)) continue;
    const fixed = list.map((child) => (isSchema(child) ? addMissingItems(child) : child));
    if (fixed.some((child, i) => child !== list[i])) set(key, fixed);
  }
  for (const key of ["properties", "patternProperties", "$defs", "definitions"]) {
    const map = schema[key];
    if (!isSchema(map)) continue;
    let fixedMap: Schema | undefined;
    for (const [name, child] of Object.entries(map)) {
      if (!isSchema(child)) continue;
      const fixed = addMissingItems(child);
      if (fixed === child) continue;
      fixedMap ??= { ...map };
      fixedMap[name] = fixed;
    }
    if (fixedMap) set(key, fixedMap);
  }
  return copy ?? schema;
}

/** `#/$defs/Name` or `#/definitions/Name` in the same document; undefined for anything else. */
function resolveLocalRef(root: Schema, ref: string): Schema | undefined {
  const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
  if (!match) return undefined;
  const defs = root[match[1]!];
  const target = isSchema(defs) ? defs[decodeURIComponent(match[2]!).replaceAll("~1", "/").replaceAll("~0", "~")] : undefined;
  return isSchema(target) ? target : undefined;
}

function deref(root: Schema, branch: unknown): unknown {
  return isSchema(branch) && typeof branch["$ref"] === "string" ? (resolveLocalRef(root, branch["$ref"]) ?? branch) : branch;
}

function typeAllowsObject(type: unknown): boolean {
  return type === undefined || typeIncludes(type, "object");
}

function typeIncludes(type: unknown, name: string): boolean {
  return type === name || (Array.isArray(type) && type.includes(name));
}

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}
