#!/usr/bin/env node
/**
 * Where a V8 CPU profile's time went (e.g. one written by
 * `pnpm bench --only=agent-ab --cpu-prof` to .bench-out/profiles/<variant>-<round>/):
 *
 *   node bench/profile-summary.mjs <file.cpuprofile>... [--top=N] [--inclusive=<regexp>]
 *
 * prints the share of the busy time (idle left out) spent in each package's
 * own code (self time: node_modules packages by name, this repository's by
 * `ours:<package>`, Node's internals by module, native frames such as
 * `writev` and the garbage collector by name), then the functions with the
 * most self time, then, with --inclusive, the share of the time with a
 * matching function anywhere on the stack (e.g. --inclusive='^send .*send-buffer'),
 * each sample counted once per function.
 */

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values: flags, positionals: files } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "40" }, inclusive: { type: "string" } },
});
if (files.length === 0) throw new Error("usage: node bench/profile-summary.mjs <file.cpuprofile>... [--top=N] [--inclusive=<regexp>]");
const top = Number(flags.top);
const inclusiveOf = flags.inclusive ? new RegExp(flags.inclusive) : undefined;

/** A package name for a frame's script URL (pnpm's store layout), or the frame's name for native code. */
function packageOf(url, name) {
  if (!url) return `(${name.replace(/^\((.*)\)$/, "$1")})`;
  if (url.startsWith("node:"))
    return url
      .replace(/^node:(internal\/)?/, "node:")
      .split("/")
      .slice(0, 2)
      .join("/");
  const dependency = url.match(/node_modules\/\.pnpm\/[^/]+\/node_modules\/((@[^/]+\/)?[^/]+)/);
  if (dependency) return dependency[1];
  const ours = url.match(/packages\/([^/]+)\//);
  return ours ? `ours:${ours[1]}` : url.split("/").slice(-2).join("/");
}

/** `name path:line`, the path shortened to the package's own. */
function functionOf({ functionName, url, lineNumber }) {
  const path = url.replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "").replace(/.*\/packages\//, "");
  return `${functionName || "(anonymous)"} ${path}:${lineNumber + 1}`;
}

const bySelfPackage = new Map();
const bySelfFunction = new Map();
const byInclusive = new Map();
let busy = 0;
const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  for (const [i, id] of profile.samples.entries()) {
    const us = profile.timeDeltas[i] ?? 0;
    const { callFrame } = nodes.get(id);
    if (callFrame.functionName === "(idle)") continue;
    busy += us;
    add(bySelfPackage, packageOf(callFrame.url, callFrame.functionName), us);
    add(bySelfFunction, functionOf(callFrame), us);
    if (!inclusiveOf) continue;
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const name = functionOf(nodes.get(at).callFrame);
      if (!seen.has(name) && inclusiveOf.test(name)) add(byInclusive, name, us);
      seen.add(name);
    }
  }
}

const table = (map) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => `${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`)
    .join("\n");
console.log(`busy ${(busy / 1e6).toFixed(1)} s in ${files.length} profile(s)`);
console.log(`\nself time by package\n${table(bySelfPackage)}`);
console.log(`\nself time by function\n${table(bySelfFunction)}`);
if (inclusiveOf) console.log(`\ntime with the function on the stack (${flags.inclusive})\n${table(byInclusive)}`);
