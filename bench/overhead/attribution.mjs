/**
 * Where a sequential pooled call's time goes, measured, not guessed: the same
 * echo over stdio with one part of the pool's path switched on at a time, in
 * one process, variants interleaved (each goes first in turn). A part's cost
 * is the median over rounds of (its variant's µs per call − the bare request's
 * in the same round), in wall time and in this process's CPU time (which a
 * busy machine's scheduling delays inflate less). SDK request options are toggled on a bare Client; the
 * pool's client (its own stdio transport, the child in a process group of its
 * own) takes the same bare request; the pool's own work is the default pool
 * (which passes none of those options) against that.
 */

import { bareClient, echoRequest, pooledEchoWith } from "./echo-clients.mjs";
import { median, rotated, round1 } from "../lib/numbers.mjs";
import { measure } from "./measure.mjs";

const noop = () => {};

export async function runAttribution({ rounds, measureMs, warmupMs }) {
  const target = { transport: "stdio" };
  const client = await bareClient(target);
  // The pool starts a child in a process group of its own, which setsid(1) gives a bare client's child too.
  const ownSession = await bareClient({ ...target, ownSession: true });
  const pool = pooledEchoWith(target);
  const withProgress = pooledEchoWith(target, { resetTimeoutOnProgress: true });
  // One signal for all calls, as an agent passes its turn's signal to each of its calls.
  const turn = new AbortController();
  const borrowed = await borrowClient(pool.manager);
  const variants = {
    "bare SDK request (tools/call, no options)": () => echoRequest(client),
    "+ a fresh AbortSignal per call": () => echoRequest(client, { signal: new AbortController().signal }),
    "+ a progress token (onprogress, resetTimeoutOnProgress)": () =>
      echoRequest(client, { onprogress: noop, resetTimeoutOnProgress: true }),
    "+ a timer per call (setTimeout, clearTimeout)": async () => {
      const timer = setTimeout(noop, 600_000);
      try {
        return await echoRequest(client);
      } finally {
        clearTimeout(timer);
      }
    },
    "bare SDK request, its child in a session of its own (setsid, as the pool starts children)": () => echoRequest(ownSession),
    "the pool's client, the same bare request (its stdio transport and child)": () => echoRequest(borrowed.client),
    "pool, default config (no signal, progress token or timer of its own)": () => pool.call(),
    "pool, caller passes a signal": () => pool.call({ signal: turn.signal }),
    "pool, resetTimeoutOnProgress: true": () => withProgress.call(),
  };
  const names = Object.keys(variants);
  const base = names[0];
  try {
    for (const name of names) await measure(variants[name], warmupMs, 1);
    /** name → µs per call (wall) and this process's CPU µs per call, one of each per round */
    const perRound = new Map(names.map((name) => [name, { wall: [], cpu: [] }]));
    for (let round = 0; round < rounds; round++) {
      for (const name of rotated(names, round)) {
        const cpuBefore = process.cpuUsage();
        const { latenciesUs, seconds } = await measure(variants[name], measureMs, 1);
        const cpu = process.cpuUsage(cpuBefore);
        perRound.get(name).wall.push((seconds * 1e6) / latenciesUs.length);
        perRound.get(name).cpu.push((cpu.user + cpu.system) / latenciesUs.length);
      }
    }
    const { wall: baseWall, cpu: baseCpu } = perRound.get(base);
    // Against the bare request of the same round; the median shrugs off a noisy round.
    const added = (values, baseline) => round1(median(values.map((us, i) => us - baseline[i])));
    return names.map((name) => {
      const { wall, cpu } = perRound.get(name);
      return {
        part: name,
        usPerCall: round1(median(wall)),
        addedUs: name === base ? 0 : added(wall, baseWall),
        cpuUsPerCall: round1(median(cpu)),
        addedCpuUs: name === base ? 0 : added(cpu, baseCpu),
      };
    });
  } finally {
    borrowed.giveBack();
    await Promise.allSettled([client.close(), ownSession.close(), pool.close(), withProgress.close()]);
  }
}

/** One of the pool's clients, held through withClient() until giveBack(). */
async function borrowClient(manager) {
  let giveBack;
  const held = new Promise((resolve) => (giveBack = resolve));
  const client = await new Promise((resolve, reject) => {
    const lend = (lent) => {
      resolve(lent);
      return held;
    };
    manager.withClient("everything", lend).catch(reject);
  });
  return { client, giveBack };
}
