/**
 * gatedLab(): a stdio lab server entry whose command starts the lab server only while a flag file exists
 * (exits at once otherwise), and up(on) to flip it: a server that goes down and comes back, per connect.
 * The flag's directory is removed when the test finishes.
 */
import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { onTestFinished } from "vitest";
import { labServerPath } from "./fixture-servers.js";

export interface GatedLab {
  command: string;
  args: string[];
  up(on: boolean): void;
}

export function gatedLab(): GatedLab {
  const dir = mkdtempSync(join(tmpdir(), "mcp-pool-gated-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const flag = join(dir, "up");
  const lab = pathToFileURL(labServerPath).href;
  const script = `require("node:fs").existsSync(${JSON.stringify(flag)}) ? import(${JSON.stringify(lab)}) : process.exit(1)`;
  return {
    command: process.execPath,
    args: ["-e", script],
    up(on) {
      if (on) writeFileSync(flag, "");
      else if (existsSync(flag)) unlinkSync(flag);
    },
  };
}
