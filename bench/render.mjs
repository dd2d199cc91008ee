#!/usr/bin/env node
/** node bench/render.mjs [results.json]: the tables and chart of a finished run, again, into .bench-out/. */

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { writeOutputs } from "./render/write-docs.mjs";

const OUT = fileURLToPath(new URL("../.bench-out", import.meta.url));
const file = process.argv[2] ?? `${OUT}/results.json`;
const written = writeOutputs(JSON.parse(readFileSync(file, "utf8")), OUT, { toDocs: false });
process.stderr.write(`wrote ${written.join(", ")}\n`);
