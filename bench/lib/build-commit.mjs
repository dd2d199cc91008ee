/**
 * A git commit of this repository built on its own, for the A/B sections
 * (agent-ab, pool-ab): checked out in a worktree under the temp directory,
 * installed from the shared pnpm store and built; kept for the next run of the
 * same commit (remove it with `git worktree remove <dir>`), rebuilt if incomplete.
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PNPM = ["-y", "pnpm@12.4.2"];
/** Built last by `pnpm build`: a build that has it is complete. */
const LAST_BUILT = "packages/server/dist/main.js";

/** The commit a ref names (a branch, a tag, a hash, HEAD~2). */
export function commitOf(ref) {
  return git(["rev-parse", "--verify", `${ref}^{commit}`]);
}

/** The directory of the commit's built worktree. */
export function buildCommit(commit, log) {
  const dir = path.join(tmpdir(), `mcp-pool-build-${commit.slice(0, 12)}`);
  if (existsSync(path.join(dir, LAST_BUILT))) {
    log(`${commit.slice(0, 10)} already built in ${dir}`);
    return dir;
  }
  log(`building ${commit.slice(0, 10)} in ${dir}`);
  if (existsSync(dir)) git(["worktree", "remove", "--force", dir]);
  git(["worktree", "add", "--detach", dir, commit]);
  execFileSync("npx", [...PNPM, "install", "--frozen-lockfile", "--prefer-offline"], { cwd: dir, stdio: "ignore" });
  execFileSync("npx", [...PNPM, "build"], { cwd: dir, stdio: "ignore" });
  if (!existsSync(path.join(dir, LAST_BUILT))) throw new Error(`${commit} built no ${LAST_BUILT}`);
  return dir;
}

/** This tree as the A/B's other side: its HEAD, and whether its packages have changes not committed. */
export function workingTree() {
  return { ref: "working tree", commit: git(["rev-parse", "HEAD"]), dirty: git(["status", "--porcelain", "--", "packages"]) !== "" };
}

function git(args) {
  return execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}
