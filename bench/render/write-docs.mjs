/**
 * Writes what a results.json shows: the tables and the chart next to it in
 * .bench-out/, and for a full run also docs/benchmarks-scaling.svg and the
 * generated part of docs/benchmarks.md (between its two markers).
 */

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { scalingChart } from "./svg-chart.mjs";
import { renderTables } from "./tables.mjs";

const DOCS = fileURLToPath(new URL("../../docs/", import.meta.url));
const BEGIN = "<!-- bench:begin (written by pnpm bench; do not edit by hand) -->";
const END = "<!-- bench:end -->";

export function writeOutputs(results, outDir, { toDocs }) {
  const tables = renderTables(results);
  const svg = scalingChart(results.scaling);
  writeFileSync(`${outDir}/benchmarks-tables.md`, `${tables}\n`);
  writeFileSync(`${outDir}/benchmarks-scaling.svg`, svg);
  if (!toDocs) return [`${outDir}/benchmarks-tables.md`, `${outDir}/benchmarks-scaling.svg`];
  const doc = `${DOCS}benchmarks.md`;
  const text = readFileSync(doc, "utf8");
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`${doc}: markers not found (${BEGIN} ... ${END})`);
  writeFileSync(doc, `${text.slice(0, begin + BEGIN.length)}\n${tables}\n${text.slice(end)}`);
  writeFileSync(`${DOCS}benchmarks-scaling.svg`, svg);
  return [doc, `${DOCS}benchmarks-scaling.svg`];
}
